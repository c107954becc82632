import Foundation
import MosaicCore
import MosaicNumerics

/// Levenberg–Marquardt on the normal equations of a `LeastSquaresProblem`, with Marquardt's
/// diagonal scaling (kept at its running maximum, as in MINPACK), Nielsen's damping update, and
/// optional geodesic acceleration (Transtrum & Sethna).
public struct LevenbergMarquardt {
    public struct Settings: Codable, Sendable, Equatable {
        public var maxIterations = 100
        /// Stop after this many accepted steps (each costs a Jacobian; a rejected step only a cost
        /// evaluation). Nil: only `maxIterations` counts.
        public var maxAcceptedSteps: Int? = nil
        /// Stop when three accepted steps in a row each lower the cost by less than this fraction
        /// (one small step under heavy damping is not convergence).
        public var relativeCostTolerance = 1e-7
        /// Stop when the largest scaled gradient component is below this.
        public var gradientTolerance = 1e-8
        /// Stop when the step is smaller than this relative to the parameters.
        public var stepTolerance = 1e-10
        public var initialDamping = 1e-3
        public var geodesicAcceleration = false
        /// A step that would take a log-scaled parameter out of its admissible range leaves that parameter where
        /// it is and is solved again for the others, instead of being refused as a whole (which makes the damping
        /// climb until no parameter moves: fold refits of an alloy candidate with a density decay at 2.7e-8 Å⁻¹,
        /// and every fit continued from the shipped alloy potential, whose three-body weights `angular.Nb.w2` and
        /// others sit at 3e-7). The hold lasts one step: a parameter whose first Gauss–Newton step overshoots
        /// moves again in the next. On by default since 6 Dec 2026 (fold refits since 28 Nov).
        public var holdParametersAtTheEdge = true
        public init() {}
    }

    /// One line of progress.
    public struct Iteration: Sendable {
        public var iteration: Int
        public var cost: Double
        public var damping: Double
        public var accepted: Bool
        public var elapsed: Double
        /// The full parameter vector after this iteration.
        public var theta: [Double]
    }

    public enum Stop: String, Codable, Sendable {
        case relativeCost = "relative cost change below tolerance"
        case gradient = "gradient below tolerance"
        case step = "step below tolerance"
        case iterations = "iteration limit reached"
        case damping = "damping too large (no downhill step)"
    }

    public struct Result: Sendable {
        public var theta: [Double]
        public var cost: Double
        public var iterations: Int
        public var stop: Stop
        /// Cost after every accepted step, starting with the initial cost.
        public var costHistory: [Double]
    }

    /// A condition on the parameter vector that every accepted step keeps (`ModelConstraint` on a model).
    /// A step to a vector where `failing` names places is refused; with `slack` (positive where the condition
    /// holds at a place) it is first bent: each failing place's slack, linearised at the current vector (its
    /// gradient by forward differences), is held at max(half its current value, `margin`), and the damped step
    /// is projected onto those planes (the least change of the step in the metric of the damped normal matrix);
    /// when only places already bent along still fail, their margin is doubled; up to `Constraint.bends` rounds.
    public struct Constraint {
        public var failing: ([Double]) -> [AnyHashable]
        public var slack: ((AnyHashable, [Double]) -> Double)?
        /// The least slack a bent step aims to keep at a place (in the slack's units).
        public var margin: Double
        /// Rounds of bending per step, and places taken per round.
        public static let bends = 6
        public static let placesPerBend = 8

        public init(
            failing: @escaping ([Double]) -> [AnyHashable], slack: ((AnyHashable, [Double]) -> Double)? = nil,
            margin: Double = 0
        ) {
            self.failing = failing
            self.slack = slack
            self.margin = margin
        }
    }

    public var settings: Settings
    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Minimises the problem's cost over its free parameters, starting from the full vector `theta`.
    /// With `constraint`, a step to a parameter vector it refuses is bent along it (when it measures its slack) or
    /// rejected like an uphill step (the start should satisfy it: the fit then never leaves the region it allows).
    public func minimize(
        _ problem: LeastSquaresProblem, from theta: [Double], constraint: Constraint? = nil,
        progress: (Iteration) -> Void = { _ in }
    ) -> Result {
        let start = Date()
        let n = problem.free.count
        var current = theta
        let keepRows = settings.geodesicAcceleration
        var (a, g, cost) = problem.normalEquations(current, keepRows: keepRows)
        var history = [cost]
        // A coordinate the data do not see yet (a zero column, e.g. the radial parameters of a term whose
        // coefficients start at zero) is scaled by 1, as MINPACK does, so that the damping bounds its step
        // once the data begin to see it; a floor near zero let such steps run to absurd values.
        var scale = (0..<n).map { a[$0 * n + $0] > 0 ? a[$0 * n + $0] : 1 }
        var damping = settings.initialDamping
        var nu = 2.0
        var iteration = 0
        var smallSteps = 0
        let logCoordinates = problem.free.map { problem.model.transforms[$0] == .log }
        while true {
            if iteration >= settings.maxIterations || history.count > (settings.maxAcceptedSteps ?? .max) {
                return Result(
                    theta: current, cost: cost, iterations: iteration, stop: .iterations, costHistory: history)
            }
            let gradientNorm = (0..<n).map { abs(g[$0]) / scale[$0].squareRoot() }.max() ?? 0
            if gradientNorm < settings.gradientTolerance * max(1, cost.squareRoot()) {
                return Result(theta: current, cost: cost, iterations: iteration, stop: .gradient, costHistory: history)
            }
            iteration += 1
            // Free coordinates this step leaves where they are (`holdParametersAtTheEdge`).
            var held = Set<Int>()
            var damped = a
            for k in 0..<n { damped[k * n + k] += damping * scale[k] }
            var solved = LinearAlgebra.solvePositiveDefinite(
                Self.heldMatrix(held, damped, n), Self.heldRightHandSide(held, g, n))
            while settings.holdParametersAtTheEdge, let step = solved {
                let leaving = (0..<n).filter { k in
                    logCoordinates[k] && !held.contains(k)
                        && !LeastSquaresProblem.admissibleLogRange.contains(current[problem.free[k]] + step[k])
                }
                if leaving.isEmpty { break }
                held.formUnion(leaving)
                solved = LinearAlgebra.solvePositiveDefinite(
                    Self.heldMatrix(held, damped, n), Self.heldRightHandSide(held, g, n))
            }
            guard var step = solved else {
                damping *= nu
                nu *= 2
                if damping > 1e16 {
                    return Result(
                        theta: current, cost: cost, iterations: iteration, stop: .damping, costHistory: history)
                }
                continue
            }
            if settings.geodesicAcceleration, let acceleration = geodesicCorrection(problem, current, step, damped) {
                let stepNorm = norm2(step)
                let accelerationNorm = norm2(acceleration)
                if 2 * accelerationNorm <= 0.75 * stepNorm { for k in 0..<n { step[k] += 0.5 * acceleration[k] } }
                for k in held { step[k] = 0 }
            }
            // Steps that leave the admissible region (non-finite values, scales beyond any physical
            // range) are rejected like uphill steps.
            func trialAndCost(_ step: [Double]) -> ([Double], Double) {
                let trial = problem.fullParameters(zip(problem.free, step).map { current[$0] + $1 }, base: current)
                return (trial, problem.isAdmissible(trial) ? problem.cost(trial) : .infinity)
            }
            var (trial, trialCost) = trialAndCost(step)
            if trialCost < cost, let constraint {
                var places = constraint.failing(trial)
                if !places.isEmpty, let slack = constraint.slack {
                    var bender = ConstraintBend(
                        problem: problem, current: current, held: held, damped: damped, margin: constraint.margin)
                    for _ in 0..<Constraint.bends where !places.isEmpty {
                        guard let bent = bender.bend(step, along: places, slack: slack) else { break }
                        step = bent
                        (trial, trialCost) = trialAndCost(step)
                        places = trialCost < cost ? constraint.failing(trial) : []
                    }
                }
                if !places.isEmpty { trialCost = .infinity }
            }
            // Predicted reduction of the quadratic model: −(δᵀg + ½ δᵀAδ).
            var quadratic = 0.0
            for i in 0..<n {
                var row = 0.0
                for k in 0..<n { row += a[i * n + k] * step[k] }
                quadratic += step[i] * (g[i] + 0.5 * row)
            }
            let ratio = (cost - trialCost) / max(-quadratic, 1e-300)
            let accepted = trialCost.isFinite && trialCost < cost
            progress(
                Iteration(
                    iteration: iteration, cost: accepted ? trialCost : cost, damping: damping, accepted: accepted,
                    elapsed: Date().timeIntervalSince(start), theta: accepted ? trial : current))
            if accepted {
                let relativeChange = (cost - trialCost) / max(cost, 1e-300)
                let stepSize = norm2(step) / (norm2(problem.free.map { current[$0] }) + settings.stepTolerance)
                current = trial
                (a, g, cost) = problem.normalEquations(current, keepRows: keepRows)
                history.append(cost)
                for k in 0..<n { scale[k] = max(scale[k], a[k * n + k]) }
                damping *= max(1.0 / 3.0, 1 - pow(2 * min(max(ratio, 0), 1) - 1, 3))
                nu = 2
                smallSteps = relativeChange < settings.relativeCostTolerance ? smallSteps + 1 : 0
                if smallSteps >= 3 {
                    return Result(
                        theta: current, cost: cost, iterations: iteration, stop: .relativeCost, costHistory: history)
                }
                if stepSize < settings.stepTolerance {
                    return Result(theta: current, cost: cost, iterations: iteration, stop: .step, costHistory: history)
                }
            } else {
                damping *= nu
                nu *= 2
                if damping > 1e16 {
                    return Result(
                        theta: current, cost: cost, iterations: iteration, stop: .damping, costHistory: history)
                }
            }
        }
    }

    /// Second-order correction a = −(A + λD)⁻¹ Jᵀ r_vv with the directional second derivative
    /// r_vv ≈ (2/h)[(r(θ + hδ) − r(θ))/h − Jδ], from one extra residual evaluation.
    func geodesicCorrection(_ problem: LeastSquaresProblem, _ theta: [Double], _ step: [Double], _ damped: [Double])
        -> [Double]?
    {
        let h = 0.1
        let directional = problem.directionalSecondDerivative(theta, step: step, h: h)
        return LinearAlgebra.solvePositiveDefinite(damped, directional.map { -$0 })
    }

    /// The n×n matrix with the rows and columns of the `held` coordinates replaced by the identity's.
    static func heldMatrix(_ held: Set<Int>, _ matrix: [Double], _ n: Int) -> [Double] {
        guard !held.isEmpty else { return matrix }
        var result = matrix
        for k in held {
            for i in 0..<n {
                result[k * n + i] = 0
                result[i * n + k] = 0
            }
            result[k * n + k] = 1
        }
        return result
    }

    /// The right-hand side −g with the `held` coordinates' entries zero (so their step is zero).
    static func heldRightHandSide(_ held: Set<Int>, _ gradient: [Double], _ n: Int) -> [Double] {
        (0..<n).map { held.contains($0) ? 0 : -gradient[$0] }
    }

    func norm2(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
