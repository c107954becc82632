import ArgumentParser
import Foundation
import MosaicCore
import MosaicDesign
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicProperties
import MosaicReports

extension MosaicCommand {
    struct Properties: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Physical properties of a potential against DFT references derived from the data.",
            discussion: prose(
                """
                Computes with the model: zero-pressure bcc lattice constant, energy at equilibrium, equation of
                state and bulk modulus, C11/C12/C44 (stress–strain on the same strained cells as the DFT data),
                relaxed surface energies of the DFT slabs (J/m²), relaxed vacancy formation energy, and
                the energies of fcc, hcp and A15 against bcc. DFT references come from the data only (see README,
                "Properties"); the data hold no other lattice, so those energies get references only with --phases
                (e.g. data/phases/NbMoTaW-gpaw.json, computed with GPAW by examples/dft/phase-references.py), and
                then count in the score.
                Also prints the structure-group errors (as mosaic evaluate) and a combined score; writes an
                HTML report with the equation of state and property errors. The "± σ" column is the
                uncertainty propagated from the Fisher information of the fit on --data (as mosaic fim):
                σ² = gᵀ s² FIM⁺ g with g the property's parameter gradient (--no-uncertainty skips it).
                With --mixing ALLOY-CELLS --references ELEMENT-CELLS..., also the formation energies of the
                alloy cells (the DFT-relaxed ones, where tagged) against each element's bcc cell, DFT and
                model on the same geometries, by composition (table, and a plot in the report); cells of several
                alloy systems (e.g. all six binary files at once) get a table and a plot per system.
                Alloys: give --elastic (and --surfaces) once per element; each element gets its table against its own
                DFT cells, a summary table compares them, and the model's random equiatomic bcc alloy of those
                elements (128 atoms, relaxed) gets its lattice constant against Vegard's law of the DFT lattice
                constants. The report's equation of state and σ are the first element's.

                Examples:
                  mosaic properties potentials/Nb.json
                  mosaic properties NbMo.json --mixing data/binaries/NbMo_SS.json \\
                    --references data/nb/Nb_Elastic.json data/mo/Mo_Elastic.json
                  mosaic properties potentials/NbMoTaW.json --no-uncertainty \\
                    --elastic data/{nb/Nb,mo/Mo,ta/Ta,w/W}_Elastic.json \\
                    --surfaces data/{nb/Nb,mo/Mo,ta/Ta,w/W}_Surface.json
                """))

        @Argument(help: "A potential file (or model description).")
        var potential: String
        @Option(
            parsing: .upToNextOption,
            help: "Strained cells of a bcc element with stresses (MVL JSON or extxyz); one file per element.")
        var elastic = shippedData(["Nb_Elastic.json"])
        @Option(
            parsing: .upToNextOption,
            help: "Relaxed DFT slabs, one file per element, matched to --elastic by element (empty: skip the surfaces)."
        )
        var surfaces = shippedData(["Nb_Surface.json"])
        @Option(
            parsing: .upToNextOption,
            help: "Alloy cells (e.g. data/binaries/NbMo_SS.json): their formation energies against DFT by composition.")
        var mixing: [String] = []
        @Option(
            parsing: .upToNextOption,
            help: "Each element's strained cells, whose unstrained cubic cell is its bcc reference for --mixing.")
        var references: [String] = []
        @Option(help: "DFT energies of fcc, hcp and A15 against bcc per element (e.g. data/phases/NbMoTaW-gpaw.json).")
        var phases: String?
        @OptionGroup var dataOptions: DataOptions
        @Option(
            help: ArgumentHelp(
                "Where to write the HTML report (overwritten if it exists).",
                discussion: "Default: <name>-properties.html in the working directory, or <name>-properties-2.html,"
                    + " -3, … when that exists: a second run never overwrites the first one's report."))
        var report: String?
        @Flag(name: .customLong("no-uncertainty"), help: "Skip the propagated uncertainties (σ column).")
        var noUncertainty = false
        @Flag(help: "Print machine-readable JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let (model, loss) = try loadModelAndLoss(potential)
                let sets = try propertySets()
                let phaseReferences = try phases.map(PhaseReferences.load)
                var perElement: [ElementProperties] = []
                for set in sets {
                    let report = try PropertyReport.compute(
                        model: model, elastic: set.elastic, surfaces: set.slabs, phases: phaseReferences
                    ) { step in
                        if !json { FileHandle.standardError.write(Data("… \(set.element): \(step)\n".utf8)) }
                    }
                    perElement.append(ElementProperties(element: set.element, properties: report))
                }
                let (elasticCells, slabs, properties) = (sets[0].elastic, sets[0].slabs, perElement[0].properties)
                var alloy: AlloyLattice? = nil
                if sets.count > 1 {
                    if !json { FileHandle.standardError.write(Data("… random equiatomic alloy\n".utf8)) }
                    alloy = try AlloyLattice.compute(model: model, perElement: perElement)
                }
                let data = try dataOptions.load()
                let prepared = try PreparedDataset(data, model: model)
                let predictions = prepared.predictions(model)
                var sigmas: [String: Double] = [:]
                var poorlyDetermined: [String] = []
                if !noUncertainty {
                    if !json {
                        FileHandle.standardError.write(Data("… uncertainties from the Fisher information\n".utf8))
                    }
                    let fim = try FisherAnalysis(
                        model: model, data: loss.training(prepared), weights: loss.weights, coordinates: .relative)
                    let gradients = try PropertyGradients.compute(
                        model: model, elastic: elasticCells, surfaces: slabs,
                        relaxed: properties.relaxedStructures)
                    let propagated = fim.propagate(gradients)
                    sigmas = Dictionary(propagated.map { ($0.name, $0.sigma) }, uniquingKeysWith: { a, _ in a })
                    poorlyDetermined = propagated.filter(\.isPoorlyDetermined).map(\.name)
                }
                let evaluation = EvaluationReport(data: data, predictions: predictions)
                let mixingEnergies =
                    mixing.isEmpty
                    ? []
                    : try MixingEnergies.bySystem(
                        model: model, cells: try Dataset.load(mixing).structures,
                        references: try references.map { try Dataset.load([$0]).structures })
                let parity = ParityPlot.energyAndForces(
                    data: data, predictions: predictions, title: (potential as NSString).lastPathComponent)
                let (components, score) = PropertyScore().score(properties: properties, errors: evaluation.overall)
                let propertyScore = PropertyScore().score(properties: properties, errors: nil).score
                let path = report ?? unusedPath(defaultOutput(for: potential, suffix: "-properties.html"))
                try AtomicFile.write(
                    PropertiesHTML(
                        potential: potential, properties: properties, sigmas: sigmas, evaluation: evaluation,
                        scaledErrors: components, score: score,
                        parityPlots: [parity.energy.svg(size: 420), parity.forces.svg(size: 420)],
                        mixingPlot: mixingEnergies.isEmpty
                            ? nil
                            : mixingEnergies.map { mixingSVG($0, title: "Mixing energies, \($0.system)") }.joined(),
                        perElementTable: perElement.count > 1
                            ? ElementProperties.summary(perElement) + (alloy.map { "\n\n" + $0.description } ?? "")
                            : nil,
                        provenance: try provenanceRows(
                            loss: loss,
                            reportData: elastic + surfaces + dataOptions.data + mixing + references
                                + (phases.map { [$0] } ?? []))
                    ).html(), to: path)
                if json {
                    struct Output: Encodable {
                        var properties: [PropertyEntry]
                        var sigmas: [String: Double]
                        /// Properties whose parameter gradient lies half or more in sloppy Fisher modes.
                        var poorlyDetermined: [String]
                        var errors: EvaluationReport
                        var score: Double
                        /// The properties alone (the design table's "props" column).
                        var propertyScore: Double
                        var scaledErrors: [String: Double]
                        /// The mixing energies of the first (or only) alloy system of --mixing.
                        var mixing: MixingEnergies?
                        /// Every alloy system of --mixing (the cells grouped by their elements).
                        var mixingSystems: [MixingEnergies]?
                        /// Every element's properties (the first is `properties`), with several --elastic files.
                        var perElement: [ElementProperties]?
                        var alloyLattice: AlloyLattice?
                    }
                    let encoder = JSONEncoder.mosaic
                    let output = Output(
                        properties: properties.entries, sigmas: sigmas, poorlyDetermined: poorlyDetermined,
                        errors: evaluation, score: score, propertyScore: propertyScore,
                        scaledErrors: Dictionary(components, uniquingKeysWith: { a, _ in a }),
                        mixing: mixingEnergies.first,
                        mixingSystems: mixingEnergies.isEmpty ? nil : mixingEnergies,
                        perElement: perElement.count > 1 ? perElement : nil, alloyLattice: alloy)
                    print(String(decoding: try encoder.encode(output), as: UTF8.self))
                    return
                }
                if perElement.count > 1 { print("== \(perElement[0].element)") }
                print(properties.table(sigmas: sigmas, flagged: Set(poorlyDetermined)))
                for other in perElement.dropFirst() {
                    print("\n== \(other.element)")
                    print(other.properties.table())
                }
                if perElement.count > 1 {
                    print("\nper element (model vs DFT of each element's own cells)")
                    print(ElementProperties.summary(perElement))
                }
                if let alloy { print("\n" + alloy.description) }
                print(
                    "C11, C12, C44: secant slopes of stress against strain over the data's strained cells (|ε| ≤ 2%,"
                        + " around the DFT cell) — not the tangent moduli at the model's own lattice constant that"
                        + " examples/lammps/in.elastic prints; DFT's C44 from the curvature of its energies over the"
                        + " same sheared cells, which a model's stresses follow (for Nb the DFT shear stresses do not)")
                if !poorlyDetermined.isEmpty {
                    print(
                        "* poorly determined: half or more of the property's parameter gradient lies in"
                            + " sloppy Fisher modes"
                    )
                }
                for system in mixingEnergies {
                    print("")
                    print(system.table())
                }
                print("")
                print(evaluation.table(title: "structure-group errors"))
                print(
                    String(
                        format: "\ncombined score (RMS of scaled errors, %d components): %.3f", components.count, score)
                )
                print(
                    String(
                        format: "property score (RMS of the scaled property errors alone, the design table's props"
                            + " column): %.3f", propertyScore))
                print("report: \(path)")
            }
        }

        /// The strained cells of each --elastic file with the slabs of the same element (none when --surfaces has no
        /// file of that element).
        func propertySets() throws -> [(element: String, elastic: [Structure], slabs: [Structure])] {
            guard !elastic.isEmpty else {
                throw MosaicError(location: "--elastic", "no strained cells given", fix: "give one file per element")
            }
            let slabSets = try surfaces.filter { !$0.isEmpty }.map { try Dataset.load([$0]).structures }
            var seen = Set<String>()
            return try elastic.map { path in
                let cells = try Dataset.load([path]).structures
                let element = try PropertyReport.unstrainedCell(cells).elements[0].symbol
                guard seen.insert(element).inserted else {
                    throw MosaicError(
                        location: "--elastic \(path)", "a second set of strained cells of \(element)",
                        fix: "give one --elastic file per element")
                }
                let slabs = slabSets.first { $0.first?.elements.first?.symbol == element } ?? []
                return (element, cells, slabs)
            }
        }

        /// The report's provenance: the potential and its hash, how it was fitted (Mosaic version, data, split
        /// and loss as its file records them), the data this report used with their hashes, and this Mosaic.
        func provenanceRows(loss: RecordedLoss, reportData: [String]) throws -> [(String, String)] {
            var rows = [("potential", "\(potential) (sha256 \(try sha256(ofFile: potential)))")]
            if let record = loss.provenance {
                func strings(_ key: String) -> [String] {
                    guard case .array(let values)? = record[key] else { return [] }
                    return values.compactMap { value in
                        switch value {
                        case .string(let text): return text
                        case .object:
                            guard case .string(let file)? = value["file"] else { return nil }
                            if case .string(let hash)? = value["sha256"] { return "\(file) (sha256 \(hash))" }
                            return file
                        default: return nil
                        }
                    }
                }
                var version = "unknown"
                if case .string(let text)? = record["mosaicVersion"] { version = text }
                rows.append(("fitted by", "Mosaic \(version) on " + strings("data").joined(separator: ", ")))
                if case .array(let folds)? = record["crossValidation"], !folds.isEmpty {
                    rows.append(("chosen by", "cross-validation over \(folds.count) held-out blocks"))
                }
                let test = strings("test")
                if !test.isEmpty { rows.append(("untouched test", test.joined(separator: ", "))) }
            } else {
                rows.append(("fitted by", "not fitted: a model description at its own parameter values"))
            }
            rows.append(("loss and split", loss.description))
            var seen = Set<String>()
            for file in reportData where !file.isEmpty && seen.insert(file).inserted {
                rows.append(("data of this report", "\(file) (sha256 \(try sha256(ofFile: file)))"))
            }
            let date = ISO8601DateFormatter().string(from: Date())
            rows.append(("report by", "Mosaic \(PotentialFile.mosaicVersion), \(date): mosaic properties \(potential)"))
            return rows
        }
    }
}
