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
                E(fcc) − E(bcc). DFT references come from the data only (see README, "Properties").
                Also prints the structure-group errors (as mosaic evaluate) and a combined score; writes an
                HTML report with the equation of state and property errors. The "± σ" column is the
                uncertainty propagated from the Fisher information of the fit on --data (as mosaic fim):
                σ² = gᵀ s² FIM⁺ g with g the property's parameter gradient (--no-uncertainty skips it).
                With --mixing ALLOY-CELLS --references ELEMENT-CELLS..., also the formation energies of the
                alloy cells (the DFT-relaxed ones, where tagged) against each element's bcc cell, DFT and
                model on the same geometries, by composition (table, and a plot in the report).

                Examples:
                  mosaic properties potentials/Nb.json
                  mosaic properties NbMo.json --mixing data/binaries/NbMo_SS.json \\
                    --references data/nb/Nb_Elastic.json data/mo/Mo_Elastic.json
                """))

        @Argument(help: "A potential file (or model description).")
        var potential: String
        @Option(help: "Strained cells of one bcc element with stresses (MVL JSON or extxyz).")
        var elastic = shippedData(["Nb_Elastic.json"])[0]
        @Option(help: "Relaxed DFT slabs of the same element (empty: skip the surfaces).")
        var surfaces = shippedData(["Nb_Surface.json"])[0]
        @Option(
            parsing: .upToNextOption,
            help: "Alloy cells (e.g. data/binaries/NbMo_SS.json): their formation energies against DFT by composition.")
        var mixing: [String] = []
        @Option(
            parsing: .upToNextOption,
            help: "Each element's strained cells, whose unstrained cubic cell is its bcc reference for --mixing.")
        var references: [String] = []
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
                let elasticCells = try Dataset.load([elastic]).structures
                let slabs = surfaces.isEmpty ? [] : try Dataset.load([surfaces]).structures
                let properties = try PropertyReport.compute(model: model, elastic: elasticCells, surfaces: slabs) {
                    step in
                    if !json { FileHandle.standardError.write(Data("… \(step)\n".utf8)) }
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
                    ? nil
                    : try MixingEnergies.compute(
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
                        mixingPlot: mixingEnergies.map { mixingSVG($0, title: "Mixing energies") },
                        provenance: try provenanceRows(
                            loss: loss, reportData: [elastic, surfaces] + dataOptions.data + mixing + references)
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
                        var mixing: MixingEnergies?
                    }
                    let encoder = JSONEncoder.mosaic
                    let output = Output(
                        properties: properties.entries, sigmas: sigmas, poorlyDetermined: poorlyDetermined,
                        errors: evaluation, score: score, propertyScore: propertyScore,
                        scaledErrors: Dictionary(components, uniquingKeysWith: { a, _ in a }), mixing: mixingEnergies)
                    print(String(decoding: try encoder.encode(output), as: UTF8.self))
                    return
                }
                print(properties.table(sigmas: sigmas, flagged: Set(poorlyDetermined)))
                print(
                    "C11, C12, C44: secant slopes of stress against strain over the data's strained cells (|ε| ≤ 2%,"
                        + " around the DFT cell), for model and DFT alike — not the tangent moduli at the model's own"
                        + " lattice constant that examples/lammps/in.elastic prints")
                if !poorlyDetermined.isEmpty {
                    print(
                        "* poorly determined: half or more of the property's parameter gradient lies in"
                            + " sloppy Fisher modes"
                    )
                }
                if let mixingEnergies {
                    print("")
                    print(mixingEnergies.table())
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
