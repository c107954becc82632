import ArgumentParser
import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicReports

extension MosaicCommand {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Errors of a model against DFT data, per group and overall.",
            discussion: prose(
                """
                Prints energy RMSE/MAE (meV/atom), force-component RMSE/MAE (eV/Å) and stress RMSE (GPa)
                for every group of structures (e.g. Nb_AIMD/Md/300K) and for all of them.

                Example:
                  mosaic evaluate --model potentials/Nb.json \\
                                  --data data/nb/Nb_Elastic.json
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

        func validate() throws {
            if let perStructure { try checkWritable(perStructure, option: "--per-structure") }
        }

        func run() throws {
            try reportingErrors {
                let model = try loadModel(model)
                let data = try dataOptions.load()
                let predictions = try PreparedDataset(data, model: model).predictions(model)
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
                    }
                    let output = Output(
                        overall: report.overall, groups: report.groups, groupOrder: report.groupOrder,
                        structures: perStructure == nil ? nil : rows)
                    print(String(decoding: try JSONEncoder.mosaic.encode(output), as: UTF8.self))
                } else {
                    print(
                        report.table(
                            title:
                                "\(model.describedParameterCount), cutoff \(model.cutoff) Å,"
                                + " \(data.structures.count) structures"
                        ))
                }
            }
        }
    }
}
