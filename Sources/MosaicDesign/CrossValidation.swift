import Foundation
import MosaicCore
import MosaicFit
import MosaicModel

/// One fold of block cross-validation: the whole groups matching `patterns` are left out together.
public struct Fold: Codable, Sendable, Equatable {
    public var name: String
    public var patterns: [String]

    public init(name: String, patterns: [String]) {
        self.name = name
        self.patterns = patterns
    }

    public func contains(_ s: Structure) -> Bool { patterns.contains { Dataset.group(s.group, matches: $0) } }
}

/// A fold's errors: the candidate refitted without the fold, evaluated on it.
public struct FoldResult: Codable, Sendable, Equatable {
    public var fold: String
    public var errors: ErrorMetrics

    public init(fold: String, errors: ErrorMetrics) {
        self.fold = fold
        self.errors = errors
    }
}

/// Leave-one-block-out cross-validation of a fitted candidate. Each fold's model starts from the
/// candidate's fit on all training data and is refitted without the fold by up to `iterations`
/// Levenberg–Marquardt steps (the first is the Gauss–Newton step that removes the fold's pull,
/// exact for the linear coefficients); it is then evaluated on the fold it never saw.
public struct CrossValidation: Sendable {
    public var folds: [Fold]
    public var weights: FitWeights
    public var iterations: Int

    public init(folds: [Fold], weights: FitWeights, iterations: Int) {
        self.folds = folds
        self.weights = weights
        self.iterations = iterations
    }

    /// The default folds: every group of the data on its own (each AIMD block of each volume and
    /// temperature, the strained cells, the slabs, each alloy's cells) — the smallest blocks that are
    /// whole trajectories or whole kinds of structure.
    public static func defaultFolds(for data: Dataset) -> [Fold] {
        data.groups.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.map {
            Fold(name: $0, patterns: [$0])
        }
    }

    /// Errors of `model` (fitted on all of `data`) on each fold, after refitting without it.
    public func evaluate(_ model: CompositeModel, data: PreparedDataset) -> [FoldResult] {
        folds.map { fold in
            let kept = data.subset { !fold.contains($0) }
            let left = data.subset { fold.contains($0) }
            var refitted = model
            if iterations > 0, kept.count > 0 {
                let problem = LeastSquaresProblem(model: model, data: kept, weights: weights)
                var settings = LevenbergMarquardt.Settings()
                settings.maxIterations = iterations
                // Start at (almost) the Gauss–Newton step: it is exact for linear coefficients, also along
                // the sloppy directions that leaving a block out opens; damping grows if a step fails.
                settings.initialDamping = 1e-10
                let result = LevenbergMarquardt(settings: settings).minimize(problem, from: model.internalParameters)
                if result.theta.allSatisfy(\.isFinite) { refitted.internalParameters = result.theta }
            }
            var errors = EvaluationReport(model: refitted, data: left).overall
            // Forces that are zero by symmetry (strained 2-atom cells; all below 1 meV/Å) say nothing about a
            // model: such a fold has no force error, rather than a perfect one.
            let informative = left.dataset.structures.contains { s in s.forces?.contains { norm($0) > 1e-3 } ?? false }
            if !informative {
                errors.forceRMSE = .nan
                errors.forceMAE = .nan
                errors.forceComponents = 0
            }
            return FoldResult(fold: fold.name, errors: errors)
        }
    }

    /// One set of errors from the folds, each fold counting once whatever its size: the root mean
    /// square over folds of each fold's RMSE (energy, force, stress; folds without that label are
    /// skipped), and the same for the mean signed energy error (the per-block bias).
    public static func combined(_ results: [FoldResult]) -> ErrorMetrics {
        func rms(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : (finite.reduce(0) { $0 + $1 * $1 } / Double(finite.count)).squareRoot()
        }
        func mean(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        var m = ErrorMetrics()
        let e = results.map(\.errors)
        m.structures = e.reduce(0) { $0 + $1.structures }
        m.atoms = e.reduce(0) { $0 + $1.atoms }
        m.forceComponents = e.reduce(0) { $0 + $1.forceComponents }
        m.stressComponents = e.reduce(0) { $0 + $1.stressComponents }
        m.energyRMSE = rms(e.map(\.energyRMSE))
        m.energyMAE = mean(e.map(\.energyMAE))
        m.energyMeanError = rms(e.map { $0.energyMeanError ?? .nan })
        m.forceRMSE = rms(e.map(\.forceRMSE))
        m.forceMAE = mean(e.map(\.forceMAE))
        m.stressRMSE = rms(e.map(\.stressRMSE))
        m.stressMAE = mean(e.map(\.stressMAE))
        return m
    }
}
