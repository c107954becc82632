import ArgumentParser
import Foundation
import MosaicCore
import MosaicDesign
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
                groups (left out of every fit). It also cross-validates each refit over whole blocks, as mosaic
                design does (each AIMD block of the training data left out in turn, at most 6 Levenberg–Marquardt
                steps from the refit, the folds combined by --fold-mean): "CV E" and "CV F" are those errors and
                "CV score" their scaled RMS (3 meV/atom, 0.1 eV/Å, 0.5 GPa, as in the design score); the lowest is
                marked *, a tolerance chosen without looking at --test. The SVG plots energy RMSE against force
                RMSE, one point per tolerance: where the curve bends is where more energy weight starts to cost
                forces. Nothing is written but the table and the plot.

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
        @OptionGroup var foldMeanOption: FoldMeanOption
        @Flag(name: .customLong("no-cross-validation"), help: "Skip the cross-validation of each refit.")
        var noCrossValidation = false

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
                // Cross-validation as the design loop does it (its default folds and fold-refit steps); fewer
                // than two folds cannot tell anything apart.
                let defaultFolds = noCrossValidation ? [] : CrossValidation.defaultFolds(for: train)
                let folds = defaultFolds.count >= 2 ? defaultFolds : []
                if !folds.isEmpty { print("cross-validation folds: " + folds.map(\.name).joined(separator: "; ")) }
                var points: [TradeoffPoint] = []
                for tolerance in try tolerances() {
                    var trainer = Trainer(weights: base)
                    trainer.weights.energyTolerance = tolerance
                    trainer.settings.maxIterations = maxIterations
                    trainer.staged = false
                    let fitted = try trainer.train(start, prepared: prepared).model
                    let crossValidation =
                        folds.isEmpty
                        ? nil
                        : CrossValidation.combined(
                            CrossValidation(
                                folds: folds, weights: trainer.weights, iterations: DesignSettings().foldIterations
                            ).evaluate(fitted, data: prepared), mean: foldMeanOption.foldMean)
                    let point = TradeoffPoint(
                        energyTolerance: tolerance, training: EvaluationReport(model: fitted, data: prepared).overall,
                        crossValidation: crossValidation,
                        test: testSet.structures.isEmpty
                            ? nil : EvaluationReport(model: fitted, data: testPrepared).overall)
                    points.append(point)
                    print(
                        String(
                            format: "energy tolerance %6.2f meV/atom: training E %.2f meV/at F %.4f eV/Å%@%@",
                            tolerance * 1000, point.training.energyRMSE * 1000, point.training.forceRMSE,
                            (crossValidation.map {
                                String(format: "; CV E %.2f meV/at F %.4f eV/Å", $0.energyRMSE * 1000, $0.forceRMSE)
                            } ?? "") as NSString,
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
    /// The folds' combined errors of this refit (nil: no cross-validation).
    var crossValidation: ErrorMetrics?
    var test: ErrorMetrics?

    /// The design loop's error score (`PropertyScore` without properties) of the cross-validation errors.
    var crossValidationScore: Double? {
        crossValidation.map { PropertyScore().score(properties: nil, errors: $0).score }
    }

    static func table(_ points: [TradeoffPoint], own: (ErrorMetrics, ErrorMetrics?)) -> String {
        let widths = [10, 10, 10, 10, 10, 10, 10, 10]
        var lines = [
            TextTable.pad("E tol meV/at", 14)
                + TextTable.right(
                    ["train E", "train F", "CV E", "CV F", "CV score", "test E", "test F", "train σ"], widths)
        ]
        let scores = points.map(\.crossValidationScore)
        let best = scores.indices.filter { scores[$0] != nil }.min { scores[$0]! < scores[$1]! }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
        func row(_ label: String, _ train: ErrorMetrics, _ cv: ErrorMetrics?, _ score: String, _ test: ErrorMetrics?)
            -> String
        {
            TextTable.pad(label, 14)
                + TextTable.right(
                    [
                        number(train.energyRMSE * 1000, "%.2f"), number(train.forceRMSE, "%.4f"),
                        number(cv.map { $0.energyRMSE * 1000 }, "%.2f"), number(cv?.forceRMSE, "%.4f"), score,
                        number(test.map { $0.energyRMSE * 1000 }, "%.2f"), number(test?.forceRMSE, "%.4f"),
                        number(train.stressRMSE, "%.3f"),
                    ], widths)
        }
        for (k, p) in points.enumerated() {
            let score = number(scores[k], "%.3f") + (k == best ? " *" : "")
            lines.append(
                row(String(format: "%g", p.energyTolerance * 1000), p.training, p.crossValidation, score, p.test))
        }
        lines.append(row("as given", own.0, nil, "–", own.1))
        lines.append(
            "E: energy RMSE (meV/atom); F: force-component RMSE (eV/Å); σ: stress RMSE (GPa); CV: the folds' combined"
                + " errors; * the lowest CV score")
        return lines.joined(separator: "\n")
    }
}
