import MosaicNumerics

/// Bends one Levenberg–Marquardt step along the places where a constraint fails
/// (`LevenbergMarquardt.Constraint`): each place's slack s, linearised at the current parameters
/// (s₀ + nᵀδ, n by forward differences), is held at max(s₀/2, margin), and the step δ₀ is replaced by
/// the nearest step on those planes in the metric of the damped normal matrix H:
/// δ = δ₀ + H⁻¹Nᵀλ, (N H⁻¹ Nᵀ) λ = t − N δ₀.
/// Places accumulate over the bends of one step; every bend starts again from δ₀.
struct ConstraintBend {
    let problem: LeastSquaresProblem
    let current: [Double]
    let held: Set<Int>
    /// The damped normal matrix with the held coordinates' rows and columns replaced by the identity's.
    let matrix: [Double]
    /// The least slack a bent step keeps (linearly) at a place, doubled each time only known places fail.
    var margin: Double
    private var normals: [[Double]] = []
    /// H⁻¹n of each normal, solved once when its place is added.
    private var columns: [[Double]] = []
    private var slacks: [Double] = []
    private var seen = Set<AnyHashable>()
    private var original: [Double]? = nil

    /// Whether a step has been bent (the places bent along are known).
    var hasBent: Bool { !normals.isEmpty }

    init(problem: LeastSquaresProblem, current: [Double], held: Set<Int>, damped: [Double], margin: Double) {
        self.problem = problem
        self.margin = margin
        self.current = current
        self.held = held
        matrix = LevenbergMarquardt.heldMatrix(held, damped, problem.free.count)
    }

    /// The step bent along `places` (those not seen before, at most `Constraint.placesPerBend`) and the places
    /// of earlier bends, each held at max(s₀/2, `margin`); when every place is known, with the margin doubled
    /// (a place at the edge, s₀ ≈ 0, may curve back over a step along its plane). Nil when the planes cannot be
    /// met.
    mutating func bend(
        _ step: [Double], along places: [AnyHashable], slack: (AnyHashable, [Double]) -> Double
    ) -> [Double]? {
        let n = problem.free.count
        let start = original ?? step
        original = start
        let fresh = places.filter { !seen.contains($0) }.prefix(LevenbergMarquardt.Constraint.placesPerBend)
        if fresh.isEmpty {
            guard hasBent else { return nil }
            margin *= 2
        }
        let base = problem.free.map { current[$0] }
        for place in fresh {
            seen.insert(place)
            let s0 = slack(place, current)
            guard s0.isFinite, s0 > 0 else { return nil }
            var normal = [Double](repeating: 0, count: n)
            for k in 0..<n where !held.contains(k) {
                let h = 1e-6 * max(1, abs(base[k]))
                var shifted = base
                shifted[k] += h
                let s = slack(place, problem.fullParameters(shifted, base: current))
                guard s.isFinite else { return nil }
                normal[k] = (s - s0) / h
            }
            guard let column = LinearAlgebra.solvePositiveDefinite(matrix, normal) else { return nil }
            normals.append(normal)
            columns.append(column)
            slacks.append(s0)
        }
        let m = normals.count
        var gram = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0..<m { gram[i * m + j] = Self.dot(normals[i], columns[j]) }
            // Places whose planes (nearly) coincide: a tiny ridge keeps the system solvable.
            gram[i * m + i] *= 1 + 1e-10
        }
        let rhs = (0..<m).map { max(0.5 * slacks[$0], margin) - slacks[$0] - Self.dot(normals[$0], start) }
        guard let lambda = LinearAlgebra.solvePositiveDefinite(gram, rhs) else { return nil }
        var bent = start
        for j in 0..<m {
            for k in 0..<n { bent[k] += lambda[j] * columns[j][k] }
        }
        for k in held { bent[k] = 0 }
        return bent
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for k in a.indices { sum += a[k] * b[k] }
        return sum
    }
}
