import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicReports

extension MosaicCommand {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Errors of a model against DFT data, per group and overall.",
            discussion: prose(
                """
                Prints energy RMSE/MAE (meV/atom), force-component RMSE/MAE (eV/Å) and stress RMSE (GPa)
                for every group of structures (e.g. Nb_AIMD/Md/300K) and for all of them.

                With --uncertainty, also the extrapolation grade γ of every atom (γ ≤ 1: inside what the training
                atoms spanned; see README, 'Uncertainty') and σ of every energy from the fit's parameter
                covariance: per group the largest γ, the share of atoms above 1 and the RMS σ_E beside the
                measured energy error; with --json one row per structure.

                Example:
                  mosaic evaluate --model potentials/Nb.json \\
                                  --data data/nb/Nb_Elastic.json --uncertainty
                """))

        @Option(help: "A potential file (potentials/*.json) or a model description (YAML).")
        var model: String
        @OptionGroup var dataOptions: DataOptions
        @Flag(help: "Print machine-readable JSON instead of the table.")
        var json = false
        @Option(
            help: ArgumentHelp(
                "Prefix of the parity plots (<prefix>-energy.svg, <prefix>-forces.svg); default: <name>-evaluate"
                    + " in the working directory.")
        )
        var plots: String?
        @Flag(name: .customLong("no-plots"), help: "Do not write parity plots.")
        var noPlots = false
        @Option(
            name: .customLong("per-structure"),
            help: ArgumentHelp(
                "Write one row per structure (predicted and DFT energy, energy error per atom, force and stress"
                    + " RMSE) to this CSV file; with --json the rows are also in the JSON."))
        var perStructure: String?
        @Flag(
            help: ArgumentHelp(
                "Also report per-atom extrapolation grades and energy σ (needs a potential file of format 2 or"
                    + " newer).")
        )
        var uncertainty = false

        func validate() throws {
            if let perStructure { try checkWritable(perStructure, option: "--per-structure") }
        }

        func run() throws {
            try reportingErrors {
                let model = try loadModel(model)
                let data = try dataOptions.load()
                let prepared = try PreparedDataset(data, model: model)
                let predictions = prepared.predictions(model)
                let uncertainties = uncertainty ? try structureUncertainties(prepared, path: self.model) : nil
                let report = EvaluationReport(data: data, predictions: predictions)
                if !noPlots {
                    let prefix = plots ?? defaultOutput(for: self.model, suffix: "-evaluate")
                    let parity = ParityPlot.energyAndForces(
                        data: data, predictions: predictions, title: (self.model as NSString).lastPathComponent)
                    try AtomicFile.write(parity.energy.svg(), to: prefix + "-energy.svg")
                    try AtomicFile.write(parity.forces.svg(), to: prefix + "-forces.svg")
                    if !json { print("parity plots: \(prefix)-energy.svg, \(prefix)-forces.svg") }
                }
                let rows = zip(data.structures, predictions).map { StructureError($0, $1) }
                if let perStructure {
                    try AtomicFile.write(StructureError.csv(rows), to: perStructure)
                    if !json { print("per-structure errors: \(perStructure)") }
                }
                if json {
                    struct Output: Encodable {
                        var overall: ErrorMetrics
                        var groups: [String: ErrorMetrics]
                        var groupOrder: [String]
                        var structures: [StructureError]?
                        var uncertainty: [StructureUncertainty]?
                    }
                    let output = Output(
                        overall: report.overall, groups: report.groups, groupOrder: report.groupOrder,
                        structures: perStructure == nil ? nil : rows, uncertainty: uncertainties)
                    print(String(decoding: try JSONEncoder.mosaic.encode(output), as: UTF8.self))
                } else {
                    print(
                        report.table(
                            title:
                                "\(model.describedParameterCount), cutoff \(model.cutoff) Å,"
                                + " \(data.structures.count) structures"
                        ))
                    if let uncertainties {
                        print("")
                        print(StructureUncertainty.table(uncertainties, groups: report.groupOrder, errors: rows))
                    }
                }
            }
        }
    }
}

/// Grades and σ of one structure, as `evaluate --uncertainty` reports them.
struct StructureUncertainty: Encodable {
    var source: String
    var group: String
    var atoms: Int
    /// max_i γ_i.
    var maxGrade: Double
    /// Atoms with γ_i > 1.
    var atomsAboveOne: Int
    /// σ of the total energy (eV) and per atom (eV/atom).
    var sigmaEnergy: Double
    var sigmaEnergyPerAtom: Double

    /// Per group: structures, largest γ, share of atoms above 1, RMS σ_E and the measured energy RMSE.
    static func table(_ rows: [StructureUncertainty], groups: [String], errors: [StructureError]) -> String {
        let widths = [6, 9, 9, 11, 11]
        var lines = [
            TextTable.pad("group", 24)
                + TextTable.right(["cells", "max γ", "γ > 1", "σ_E meV/at", "E err meV/at"], widths)
        ]
        lines.append(String(repeating: "-", count: lines[0].count))
        for group in groups + ["all"] {
            let members = rows.indices.filter { group == "all" || rows[$0].group == group }
            guard !members.isEmpty else { continue }
            let atoms = members.reduce(0) { $0 + rows[$1].atoms }
            let above = members.reduce(0) { $0 + rows[$1].atomsAboveOne }
            let sigma = (members.reduce(0) { $0 + pow(rows[$1].sigmaEnergyPerAtom, 2) } / Double(members.count))
                .squareRoot()
            let measured = members.compactMap { errors[$0].energyErrorPerAtom }
            let rmse =
                measured.isEmpty
                ? Double.nan : (measured.reduce(0) { $0 + $1 * $1 } / Double(measured.count)).squareRoot()
            lines.append(
                TextTable.pad(group, 24)
                    + TextTable.right(
                        [
                            "\(members.count)", String(format: "%.2f", members.map { rows[$0].maxGrade }.max()!),
                            String(format: "%.1f%%", 100 * Double(above) / Double(max(atoms, 1))),
                            String(format: "%.3f", 1000 * sigma), String(format: "%.2f", 1000 * rmse),
                        ], widths))
        }
        lines.append(
            "γ: extrapolation grade of each atom (≤ 1 inside the training atoms' span); σ_E: energy σ per atom"
                + " from the fit's parameter covariance (RMS over cells); E err: measured energy RMSE per atom")
        return lines.joined(separator: "\n")
    }
}

/// Grades and σ of every structure of `data` (all cores) with the potential file at `path`; an error if it
/// has no uncertainty section.
func structureUncertainties(_ data: PreparedDataset, path: String) throws -> [StructureUncertainty] {
    let (file, uncertainty) = try potentialWithUncertainty(path, for: "--uncertainty")
    let model = file.model
    return parallelMap(Array(0..<data.count)) { k in
        let structure = data.dataset.structures[k]
        let gradients = AtomGradientEvaluator(model: model, coordinates: uncertainty.coordinates).gradients(
            species: data.species[k], neighbours: data.neighbours[k], virialTrace: false)
        let atoms = AtomUncertainties(
            gradients: gradients, symbols: structure.elements.map(\.symbol), data: uncertainty)
        let sigma = uncertainty.sigma(gradient: atoms.energyGradient)
        return StructureUncertainty(
            source: structure.source, group: structure.group, atoms: structure.count, maxGrade: atoms.maximumGrade,
            atomsAboveOne: atoms.grades.filter { $0 > 1 }.count, sigmaEnergy: sigma,
            sigmaEnergyPerAtom: sigma / Double(structure.count))
    }
}
