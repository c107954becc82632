import ArgumentParser
import Foundation
import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicNumerics
import MosaicReports

extension MosaicCommand {
    struct Tradeoff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The energy–force trade-off of a model: refit it at several energy tolerances and compare.",
            discussion: prose(
                """
                Refits the model (a potential file: warm start from its parameters, unified training only) once per
                --energy-tolerances value, with every other loss setting from the options (forces, stresses, group
                weights, --balance), and prints energy and force RMSE on the training data and on the --test
                groups (left out of every fit). The SVG plots energy RMSE against force RMSE, one point per
                tolerance: where the curve bends is where more energy weight starts to cost forces. Nothing is
                written but the table and the plot.

                Example (the shipped potential, 1000 K block untouched):
                  mosaic tradeoff --model potentials/Nb.json --test Nb_AIMD/Md/1000K \\
                                  --energy-tolerances 0.25,0.5,1,2,4,8 --plot Nb-tradeoff.svg
                """))

        @Option(help: "Potential file (or model description) whose architecture is refitted.")
        var model: String
        @OptionGroup var dataOptions: DataOptions
        @Option(name: .customLong("test"), help: "Group (or prefix) left out of every fit and evaluated; repeatable.")
        var test: [String] = []
        @Option(
            name: .customLong("energy-tolerances"),
            help: ArgumentHelp("Comma-separated expected energy errors (meV/atom), one fit each.", valueName: "list"))
        var energyTolerances = "0.25,0.5,1,2,4,8"
        @OptionGroup var weightOptions: WeightOptions
        @Option(name: .customLong("max-iterations"), help: "Levenberg–Marquardt iterations of each refit.")
        var maxIterations = 60
        @Option(help: "Where to write the SVG plot.")
        var plot = "tradeoff.svg"

        func tolerances() throws -> [Double] {
            let values = energyTolerances.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) > 0 && $0!.isFinite }) else {
                throw ValidationError(
                    "--energy-tolerances \(energyTolerances): expected positive numbers in meV/atom, e.g. 0.5,1,2,4")
            }
            return values.map { $0! / 1000 }
        }

        func validate() throws {
            _ = try tolerances()
            try checkWritable(plot, option: "--plot")
            guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                LinearAlgebra.useSerialBLAS()
                let data = try dataOptions.load()
                let start = try loadModel(model)
                let (train, testSet) = try data.split(holdingOut: test)
                let base = try weightOptions.weights()
                try base.checkGroupPatterns(against: data)
                let prepared = try PreparedDataset(train, model: start)
                let testPrepared = try PreparedDataset(testSet, model: start)
                print(
                    "refitting \(start.freeParameterCount) parameters on \(train.structures.count) structures; test: "
                        + (test.isEmpty ? "none" : test.joined(separator: ", ")))
                var points: [TradeoffPoint] = []
                for tolerance in try tolerances() {
                    var trainer = Trainer(weights: base)
                    trainer.weights.energyTolerance = tolerance
                    trainer.settings.maxIterations = maxIterations
                    trainer.staged = false
                    let fitted = try trainer.train(start, prepared: prepared).model
                    let point = TradeoffPoint(
                        energyTolerance: tolerance, training: EvaluationReport(model: fitted, data: prepared).overall,
                        test: testSet.structures.isEmpty
                            ? nil : EvaluationReport(model: fitted, data: testPrepared).overall)
                    points.append(point)
                    print(
                        String(
                            format: "energy tolerance %6.2f meV/atom: training E %.2f meV/at F %.4f eV/Å%@",
                            tolerance * 1000, point.training.energyRMSE * 1000, point.training.forceRMSE,
                            (point.test.map {
                                String(format: "; test E %.2f meV/at F %.4f eV/Å", $0.energyRMSE * 1000, $0.forceRMSE)
                            }
                                ?? "") as NSString))
                    fflush(stdout)
                }
                let own = EvaluationReport(model: start, data: prepared).overall
                let ownTest =
                    testSet.structures.isEmpty ? nil : EvaluationReport(model: start, data: testPrepared).overall
                print("")
                print(TradeoffPoint.table(points, own: (own, ownTest)))
                try AtomicFile.write(
                    tradeoffSVG(
                        points.map { ($0.energyTolerance, $0.training, $0.test) }, own: (own, ownTest),
                        title: "Energy vs force error: \((model as NSString).lastPathComponent)"),
                    to: plot)
                print("wrote \(plot)")
            }
        }
    }
}

/// One refit of the trade-off scan.
struct TradeoffPoint {
    var energyTolerance: Double
    var training: ErrorMetrics
    var test: ErrorMetrics?

    static func table(_ points: [TradeoffPoint], own: (ErrorMetrics, ErrorMetrics?)) -> String {
        let widths = [12, 12, 12, 12, 12]
        var lines = [
            TextTable.pad("E tol meV/at", 14)
                + TextTable.right(["train E", "train F", "test E", "test F", "train σ"], widths)
        ]
        func row(_ label: String, _ train: ErrorMetrics, _ test: ErrorMetrics?) -> String {
            TextTable.pad(label, 14)
                + TextTable.right(
                    [
                        String(format: "%.2f", train.energyRMSE * 1000), String(format: "%.4f", train.forceRMSE),
                        test.map { String(format: "%.2f", $0.energyRMSE * 1000) } ?? "–",
                        test.map { String(format: "%.4f", $0.forceRMSE) } ?? "–",
                        String(format: "%.3f", train.stressRMSE),
                    ], widths)
        }
        for p in points { lines.append(row(String(format: "%g", p.energyTolerance * 1000), p.training, p.test)) }
        lines.append(row("as given", own.0, own.1))
        lines.append("E: energy RMSE (meV/atom); F: force-component RMSE (eV/Å); σ: stress RMSE (GPa)")
        return lines.joined(separator: "\n")
    }
}
