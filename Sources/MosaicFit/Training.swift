import Foundation
import MosaicCore
import MosaicModel

/// The paper's training procedure: every single-term model is first fitted on its own (with
/// the terms before it fixed, against what they leave unexplained; the reference energies stay
/// free throughout), then all parameters of the composite are trained together ("unified
/// training"), with Levenberg–Marquardt on exact Jacobians.
public struct Trainer {
    public var weights: FitWeights
    public var settings: LevenbergMarquardt.Settings
    /// Iteration cap of each single-term stage.
    public var stageIterations = 25
    /// Fit single terms first (true) or go straight to unified training.
    public var staged = true
    /// A condition every accepted step of the unified stage keeps (e.g. `RepulsionCheck` passes); a step that
    /// breaks it is bent along it when the condition measures its slack, else rejected like an uphill step.
    /// Checked only when the unified stage starts inside it.
    public var constraint: ModelConstraint? = nil

    public init(
        weights: FitWeights = FitWeights(), settings: LevenbergMarquardt.Settings = LevenbergMarquardt.Settings()
    ) {
        self.weights = weights
        self.settings = settings
    }

    /// What one stage did.
    public struct Stage: Codable, Sendable {
        public var name: String
        public var parameters: Int
        public var iterations: Int
        public var initialCost: Double
        public var finalCost: Double
        public var stop: String
    }

    public struct Result {
        public var model: CompositeModel
        public var stages: [Stage]
        /// Cost after each accepted step of the unified stage.
        public var unifiedCostHistory: [Double]
        /// Pair-spline coefficients the data do not reach, held to the mixing rule (`PairMixingRule`).
        public var mixingTies: [PairMixingTie] = []
        /// Whether the unified stage was held to `constraint` (false without one, or when its start broke it).
        public var constrained = false
    }

    /// A line of progress: stage name, iteration, cost, current errors on the training data, damping, elapsed.
    public typealias Progress = (_ stage: String, _ iteration: LevenbergMarquardt.Iteration, _ metrics: ErrorMetrics?)
        -> Void

    public func train(_ model: CompositeModel, data: Dataset, progress: Progress? = nil) throws -> Result {
        try train(model, prepared: try PreparedDataset(data, model: model), progress: progress)
    }

    /// The same, on structures whose neighbour lists are already built at the model's cutoff (the
    /// single-term stages build their own at each sub-model's cutoff).
    public func train(_ model: CompositeModel, prepared: PreparedDataset, progress: Progress? = nil) throws -> Result {
        let data = prepared.dataset
        var model = model
        var stages: [Stage] = []
        guard data.structures.contains(where: { ResidualRows($0).count > 0 }) else {
            throw MosaicError(
                "nothing to fit: the training data have no labelled structures (\(data.structures.count) structures)",
                fix: "give data files with energies or forces, and hold out less")
        }
        guard model.freeParameterCount > 0 else {
            throw MosaicError("the model has no free parameters", fix: "remove some names from 'fixed'")
        }
        let referenceTerms = model.terms.indices.filter { model.terms[$0].isOnSite }
        if staged {
            // Terms without parameters (a ZBL core) need no stage.
            for t in model.terms.indices
            where !referenceTerms.contains(t) && !model.terms[t].parameters(elements: model.elements).isEmpty {
                // Sub-model: reference terms and terms up to t; free: reference + term t.
                let kept = model.terms.indices.filter { referenceTerms.contains($0) || $0 <= t }
                var sub = CompositeModel(elements: model.elements, terms: kept.map { model.terms[$0] })
                let subNames = Set(sub.parameterNames)
                sub.fixed = model.fixed?.filter { subNames.contains($0) }
                sub.fused = model.fused?.filter { $0.allSatisfy(subNames.contains) }
                let subRanges = sub.parameterRanges
                let free = kept.enumerated().filter { referenceTerms.contains($0.element) || $0.element == t }.flatMap {
                    subRanges[$0.offset]
                }
                // Linear coefficients first (shape parameters fixed), then the whole term: a term
                // that starts from zero coefficients cannot otherwise steer its shape parameters.
                let tRange = subRanges[kept.firstIndex(of: t)!]
                let linear = model.terms[t].parameters(elements: model.elements).map(\.isLinear)
                let linearFree = free.filter { !tRange.contains($0) || linear[$0 - tRange.lowerBound] }
                let stageData = try PreparedDataset(data, model: sub)
                var stageSettings = settings
                stageSettings.maxIterations = min(settings.maxIterations, stageIterations)
                let name = "term \(model.terms[t].name)"
                var theta = sub.internalParameters
                var iterations = 0
                var initialCost = Double.nan
                var result: LevenbergMarquardt.Result? = nil
                for subset in (linearFree.count < free.count && linearFree.count > 0 ? [linearFree, free] : [free]) {
                    let problem = LeastSquaresProblem(model: sub, data: stageData, weights: weights, free: subset)
                    if problem.free.isEmpty { continue }
                    let step = LevenbergMarquardt(settings: stageSettings).minimize(
                        problem, from: theta, progress: { iteration in progress?(name, iteration, nil) })
                    if initialCost.isNaN { initialCost = step.costHistory.first ?? .nan }
                    theta = step.theta
                    iterations += step.iterations
                    result = step
                }
                guard let result else { continue }
                var fitted = sub
                fitted.internalParameters = theta
                for (k, original) in kept.enumerated() { model.terms[original] = fitted.terms[k] }
                stages.append(
                    Stage(
                        name: name, parameters: free.filter(Set(sub.freeParameterIndices).contains).count,
                        iterations: iterations,
                        initialCost: initialCost, finalCost: result.cost, stop: result.stop.rawValue))
            }
        }
        let problem = LeastSquaresProblem(model: model, data: prepared, weights: weights)
        var guarded: LevenbergMarquardt.Constraint? = nil
        if let constraint, constraint.holds(model) { guarded = constraint.onParameters(of: model) }
        let result = LevenbergMarquardt(settings: settings).minimize(
            problem, from: model.internalParameters, constraint: guarded
        ) {
            [model] iteration in
            // The training errors of an accepted step cost a full evaluation: only for a progress display.
            guard let progress else { return }
            var metrics: ErrorMetrics? = nil
            if iteration.accepted {
                var current = model
                current.internalParameters = iteration.theta
                metrics = EvaluationReport(model: current, data: prepared).overall
            }
            progress("unified", iteration, metrics)
        }
        guard result.cost.isFinite, result.theta.allSatisfy(\.isFinite) else {
            throw MosaicError(
                "the fit did not give finite parameters (cost \(result.cost)); nothing was written",
                fix: "check the data for extreme structures and the model for starting values far from the data")
        }
        model.internalParameters = result.theta
        stages.append(
            Stage(
                name: "unified", parameters: model.freeParameterCount, iterations: result.iterations,
                initialCost: result.costHistory.first ?? .nan, finalCost: result.cost, stop: result.stop.rawValue))
        return Result(
            model: model, stages: stages, unifiedCostHistory: result.costHistory, mixingTies: problem.ties,
            constrained: guarded != nil)
    }
}

extension ModelConstraint {
    /// The same condition on the internal parameter vectors of `model`'s structure (what the fit moves).
    func onParameters(of model: CompositeModel) -> LevenbergMarquardt.Constraint {
        func at(_ theta: [Double]) -> CompositeModel {
            var trial = model
            trial.internalParameters = theta
            return trial
        }
        let failing = self.failing
        return LevenbergMarquardt.Constraint(
            failing: { failing(at($0)) },
            slack: slack.map { slack in { place, theta in slack(place, at(theta)) } }, margin: margin)
    }
}
