import Foundation
import MosaicCore
import MosaicFiles
import MosaicModel
import MosaicNumerics

/// Weights of the least-squares loss. Residuals are divided by these "expected errors", so a
/// residual of one tolerance costs 1: energy per atom (eV/atom), force components (eV/Å),
/// stress components (GPa). `groups` multiplies the weight of every residual of matching groups
/// (longest matching pattern wins), as FitSNAP users set per-group weights.
///
/// With `balanceKinds`, each kind of row (energies, force components, stress components) gets the
/// same share R/K of the total weight, R rows of K kinds: the loss is then, up to the constant R/K,
/// (E RMSE/tol_E)² + (F RMSE/tol_F)² + (σ RMSE/tol_σ)² over the training data, so that a 54-atom
/// cell's 162 force rows do not drown its one energy row. Without it every row counts once.
public struct FitWeights: Codable, Sendable, Equatable {
    public var energyTolerance = 0.002
    public var forceTolerance = 0.1
    public var stressTolerance = 0.5
    public var groups: [String: Double] = [:]
    /// Ridge penalty on linear coefficients (identity-transform parameters except reference energies).
    public var ridge = 1e-6
    /// Give each kind of row an equal share of the weight (see above). Nil in files written before
    /// the option existed: those were fitted row by row.
    public var balanceKinds: Bool? = true
    /// Weight of the smoothness penalty on B-spline coefficients (pair splines, spline densities and
    /// channels): ½ s·R Σ (c_k−1 − 2c_k + c_k+1)² over every spline's coefficients, R the number of data rows,
    /// so a second difference of 1 (eV for a pair spline) costs s times every row off by one tolerance. It
    /// holds the coefficients the data barely reach (short distances, shells no cell puts pairs in) to a
    /// straight continuation of their neighbours, as curvature penalties do in UF3. Nil: none (files before).
    public var smoothness: Double?
    /// Multipliers of the energy rows only of matching groups (longest pattern wins), on top of `groups`: what
    /// `EnergyTargets` raises, so a block's energies gain weight without its forces. Nil: none (files before).
    public var energyGroups: [String: Double]?

    public init() {}

    /// Throws when a group pattern matches no group of `data` (a misspelt pattern would silently do
    /// nothing); the error lists the groups there are.
    public func checkGroupPatterns(against data: Dataset) throws {
        try FitWeights.checkPatterns(groups.keys, option: "--group-weight", against: data)
    }

    /// Throws when one of `patterns` (given with `option`) matches no group of `data`, listing the groups there are.
    public static func checkPatterns(_ patterns: some Collection<String>, option: String, against data: Dataset) throws
    {
        for pattern in patterns.sorted()
        where !data.structures.contains(where: { Dataset.group($0.group, matches: pattern) }) {
            throw MosaicError(
                location: "\(option) \(pattern)", "matches no group of the data",
                fix: "use one of: \(data.groups.joined(separator: ", "))")
        }
    }

    public func multiplier(for group: String) -> Double { FitWeights.longestMatch(of: group, in: groups) }

    /// The extra multiplier of `group`'s energy rows (`energyGroups`; 1 when none matches).
    public func energyMultiplier(for group: String) -> Double {
        FitWeights.longestMatch(of: group, in: energyGroups ?? [:])
    }

    /// The value of the longest pattern of `table` that matches `group`, 1 when none does.
    static func longestMatch(of group: String, in table: [String: Double]) -> Double {
        var best: (length: Int, value: Double) = (-1, 1)
        for (pattern, value) in table where Dataset.group(group, matches: pattern) && pattern.count > best.length {
            best = (pattern.count, value)
        }
        return best.value
    }
}

/// The weighted non-linear least-squares problem of fitting a composite model to DFT labels:
/// cost C(θ) = ½ Σ r² + ½ ridge Σ θ_lin² + ½ w Σ_ties (c_AB,k − ½(c_AA,k + c_BB,k))²
///            + ½ s·R Σ (Δ²c)²,
/// over the free parameters only (the ties: `PairMixingRule`; the last term: `FitWeights.smoothness`).
public final class LeastSquaresProblem {
    public let model: CompositeModel
    public let data: PreparedDataset
    public let weights: FitWeights
    /// Indices (in the model's parameter vector) of the parameters being fitted (never the model's `fixed` ones).
    public let free: [Int]
    /// The parameters that take each free coordinate's value: `[free[c]]`, or its fused group.
    public let members: [[Int]]
    let freeTerms: [Int]
    let column: [Int: Int]
    let ridgeMask: [Bool]
    /// Fixed block partition of the structures, so that sums are reproducible bit for bit.
    let blocks: [Range<Int>]
    /// Whether Jacobians take the columns of linear parameters from basis functions (default; false: dual numbers
    /// for every column, the reference `mosaic benchmark` times them against).
    public var usesLinearBasis = true
    /// Multipliers of energy, force and stress rows that balance the kinds (1 without balancing).
    public let kindBalance: ResidualRows.Scales
    /// Pair-spline coefficients no data determine, tied to the mixing rule (`PairMixingRule`), and the weight.
    public let ties: [PairMixingTie]
    /// The penalties that are not data (mixing-rule ties, spline smoothness), each a linear combination of
    /// parameters with its weight.
    let penalties: [PenaltyRow]
    /// The weighted Jacobian rows and residuals of the last `normalEquations(_:keepRows:)` call that kept them,
    /// for the geodesic correction's steps from the same θ (each rejected step needs them again).
    private var keptRows: KeptRows?
    private let keptRowsLock = NSLock()
    /// The most numbers (rows × free coordinates) kept for the geodesic correction: 128 M, 1 GiB.
    static let keptRowsLimit = 1 << 27

    public init(model: CompositeModel, data: PreparedDataset, weights: FitWeights, free: [Int]? = nil) {
        self.model = model
        self.data = data
        self.weights = weights
        let groups = model.fittedParameterGroups
        let fitted = groups.map { $0[0] }
        let fittedSet = Set(fitted)
        let free = free?.filter { fittedSet.contains($0) } ?? fitted
        self.free = free
        let groupOf = Dictionary(uniqueKeysWithValues: groups.map { ($0[0], $0) })
        members = free.map { groupOf[$0]! }
        let ranges = model.parameterRanges
        freeTerms = ranges.indices.filter { t in free.contains { ranges[t].contains($0) } }
        column = Dictionary(uniqueKeysWithValues: free.enumerated().map { ($1, $0) })
        let referenceRange = model.terms.indices.filter { !model.terms[$0].isRegularised }.map { ranges[$0] }
        let transforms = model.transforms
        ridgeMask = free.map { q in transforms[q] == .identity && !referenceRange.contains { $0.contains(q) } }
        kindBalance = LeastSquaresProblem.kindBalance(data.dataset, balance: weights.balanceKinds ?? false)
        blocks = contiguousBlocks(count: data.count)
        ties = PairMixingRule.ties(model: model, data: data)
        let rows = Double(max(ResidualRows.count(data.dataset), 1))
        var coordinateOf: [Int: Int] = [:]
        for (c, group) in members.enumerated() { for q in group { coordinateOf[q] = c } }
        var penalties = ties.map { tie in
            PenaltyRow(
                weight: PairMixingRule.stiffness * rows,
                parameters: zip([tie.target] + tie.sources, [1.0, -0.5, -0.5]).map { ($0, $1) },
                coordinateOf: coordinateOf)
        }
        if let smoothness = weights.smoothness, smoothness > 0 {
            for run in model.splineRuns where run.count >= 3 {
                for k in 1..<(run.count - 1) {
                    penalties.append(
                        PenaltyRow(
                            weight: smoothness * rows, parameters: [(run[k - 1], 1), (run[k], -2), (run[k + 1], 1)],
                            coordinateOf: coordinateOf))
                }
            }
        }
        self.penalties = penalties
    }

    /// Full parameter vector with the free entries replaced.
    public func fullParameters(_ freeValues: [Double], base: [Double]) -> [Double] {
        var theta = base
        for (k, group) in members.enumerated() { for q in group { theta[q] = freeValues[k] } }
        return theta
    }

    /// d/d(free coordinate c) from the derivatives with respect to the model's parameters: the sum
    /// over the coordinate's fused group.
    @inline(__always) func columnDerivative(_ c: Int, _ derivative: (Int) -> Double) -> Double {
        let group = members[c]
        if group.count == 1 { return derivative(group[0]) }
        return group.reduce(0) { $0 + derivative($1) }
    }

    /// Row scales of one structure: multipliers applied to raw errors (see `ResidualRows.Scales`).
    func scales(_ s: Structure) -> ResidualRows.Scales {
        let m = weights.multiplier(for: s.group)
        return ResidualRows.Scales(
            energy: kindBalance.energy * m * weights.energyMultiplier(for: s.group)
                / (weights.energyTolerance * Double(s.count)),
            force: kindBalance.force * m / weights.forceTolerance,
            stress: kindBalance.stress * m * Units.eVPerCubicAngstromInGPa / (weights.stressTolerance * s.volume))
    }

    /// √(R / (K·N_kind)) for each kind present (N_kind rows of it, R rows in all, K kinds present); 1
    /// without balancing or for an absent kind.
    public static func kindBalance(_ data: Dataset, balance: Bool) -> ResidualRows.Scales {
        var counts = (energy: 0, force: 0, stress: 0)
        for s in data.structures {
            let rows = ResidualRows(s)
            if rows.hasEnergy { counts.energy += 1 }
            if rows.hasForces { counts.force += 3 * rows.atoms }
            if rows.hasStress { counts.stress += 6 }
        }
        let all = [counts.energy, counts.force, counts.stress]
        let total = Double(all.reduce(0, +))
        let kinds = Double(all.filter { $0 > 0 }.count)
        func factor(_ n: Int) -> Double { balance && n > 0 ? (total / (kinds * Double(n))).squareRoot() : 1 }
        return ResidualRows.Scales(
            energy: factor(counts.energy), force: factor(counts.force), stress: factor(counts.stress))
    }

    /// Weighted residuals of one structure from its prediction (rows as `ResidualRows` defines them).
    func residuals(_ s: Structure, _ p: Prediction<Double>) -> [Double] {
        ResidualRows(s).residuals(s, p, scales: scales(s))
    }

    /// The ridge and the penalties: the part of the cost that is not data.
    func ridgeCost(_ theta: [Double]) -> Double {
        var sum = 0.0
        for (k, q) in free.enumerated() where ridgeMask[k] { sum += theta[q] * theta[q] }
        let penalty = penalties.reduce(0) { sum, row in
            let residual = row.residual(theta)
            return sum + row.weight * residual * residual
        }
        return 0.5 * weights.ridge * sum + 0.5 * penalty
    }

    /// Cost at the full parameter vector θ.
    public func cost(_ theta: [Double]) -> Double {
        let parts = parallelMap(blocks) { block -> Double in
            let evaluator = ModelEvaluator<Double>(model: model, internalParameters: theta)
            var sum = 0.0
            for k in block {
                let r = residuals(data.dataset.structures[k], evaluator.evaluate(k, in: data))
                for x in r { sum += x * x }
            }
            return sum
        }
        return 0.5 * parts.reduce(0, +) + ridgeCost(theta)
    }

    /// The normal equations at θ: A = JᵀJ (+ ridge), g = Jᵀr (+ ridge θ) over the free parameters, and
    /// the cost. Without the ridge, A is the Fisher information of the weighted residuals.
    /// With `keepRows` (and when they fit in `keptRowsLimit`), the weighted Jacobian rows and residuals are kept
    /// for `directionalSecondDerivative` at the same θ.
    public func normalEquations(_ theta: [Double], includeRidge: Bool = true, keepRows: Bool = false) -> (
        a: [Double], g: [Double], cost: Double
    ) {
        let n = free.count
        let keep = keepRows && residualCount * n <= Self.keptRowsLimit
        keptRowsLock.withLock { keptRows = nil }
        let parts = parallelMap(blocks) { block -> (a: [Double], g: [Double], squares: Double, kept: KeptRows.Block) in
            let jacobian = JacobianEvaluator(model: model)
            jacobian.usesLinearBasis = usesLinearBasis
            jacobian.setParameters(internal: theta)
            var a = [Double](repeating: 0, count: n * n)
            var g = [Double](repeating: 0, count: n)
            var squares = 0.0
            var kept = KeptRows.Block()
            for k in block {
                let (rows, r) = weightedRows(k, jacobian)
                LinearAlgebra.addGram(&a, rows, rows: r.count, n: n)
                LinearAlgebra.addTransposeProduct(&g, rows, r, rows: r.count, n: n)
                for x in r { squares += x * x }
                if keep {
                    kept.rows.append(contentsOf: rows)
                    kept.residuals.append(contentsOf: r)
                }
            }
            return (a, g, squares, kept)
        }
        if keep { keptRowsLock.withLock { keptRows = KeptRows(theta: theta, blocks: parts.map(\.kept)) } }
        var a = [Double](repeating: 0, count: n * n)
        var g = [Double](repeating: 0, count: n)
        var squares = 0.0
        for part in parts {
            for k in 0..<(n * n) { a[k] += part.a[k] }
            for k in 0..<n { g[k] += part.g[k] }
            squares += part.squares
        }
        LinearAlgebra.symmetrize(&a, n: n)
        guard includeRidge else { return (a, g, 0.5 * squares) }
        for (k, q) in free.enumerated() where ridgeMask[k] {
            a[k * n + k] += weights.ridge
            g[k] += weights.ridge * theta[q]
        }
        for penalty in penalties {
            let residual = penalty.residual(theta)
            for (c, b) in penalty.coordinates {
                g[c] += penalty.weight * b * residual
                for (d, e) in penalty.coordinates { a[c * n + d] += penalty.weight * b * e }
            }
        }
        return (a, g, 0.5 * squares + ridgeCost(theta))
    }

    /// Whether θ gives finite parameters, with positive scales (log-transformed parameters) within
    /// [1e-8, 1e6] in their units.
    public func isAdmissible(_ theta: [Double]) -> Bool {
        for (value, transform) in zip(theta, model.transforms) {
            guard value.isFinite else { return false }
            if transform == .log, !LeastSquaresProblem.admissibleLogRange.contains(value) { return false }
        }
        return true
    }

    /// The range of a log-scaled parameter's coordinate (its natural value from 1e-8 to 1e6) outside which a step is
    /// rejected like an uphill one.
    public static let admissibleLogRange = Foundation.log(1e-8)...Foundation.log(1e6)

    /// Number of residual rows (for RMS reporting).
    public var residualCount: Int { ResidualRows.count(data.dataset) }
}

/// One penalty of the loss that is not data: residual Σ factor·θ[parameter], cost ½ weight · residual².
struct PenaltyRow {
    let weight: Double
    let parameters: [(index: Int, factor: Double)]
    /// The same combination over the free coordinates (a fused group adds up; fixed parameters drop out).
    let coordinates: [(coordinate: Int, factor: Double)]

    init(weight: Double, parameters: [(Int, Double)], coordinateOf: [Int: Int]) {
        self.weight = weight
        self.parameters = parameters.map { (index: $0.0, factor: $0.1) }
        var row: [Int: Double] = [:]
        for (q, a) in parameters {
            if let c = coordinateOf[q] { row[c, default: 0] += a }
        }
        coordinates = row.sorted { $0.key < $1.key }.map { (coordinate: $0.key, factor: $0.value) }
    }

    func residual(_ theta: [Double]) -> Double { parameters.reduce(0) { $0 + $1.factor * theta[$1.index] } }
}

extension LeastSquaresProblem {
    /// Jᵀ r_vv where r_vv ≈ (2/h)[(r(θ + hδ) − r(θ))/h − Jδ] is the second directional derivative
    /// of the residuals along the free-parameter step δ (used by geodesic acceleration).
    /// Uses the rows `normalEquations(_:keepRows:)` kept at θ when there are any (the same numbers, not recomputed).
    public func directionalSecondDerivative(_ theta: [Double], step: [Double], h: Double) -> [Double] {
        let n = free.count
        let moved = fullParameters(zip(free, step).map { theta[$0] + h * $1 }, base: theta)
        if let kept = keptRowsLock.withLock({ keptRows }), kept.theta == theta {
            return directionalSecondDerivative(kept, moved: moved, step: step, h: h)
        }
        let parts = parallelMap(blocks) { block -> [Double] in
            let jacobian = JacobianEvaluator(model: model)
            jacobian.usesLinearBasis = usesLinearBasis
            jacobian.setParameters(internal: theta)
            let shifted = ModelEvaluator<Double>(model: model, internalParameters: moved)
            var out = [Double](repeating: 0, count: n)
            for k in block {
                let (rows, r0) = weightedRows(k, jacobian)
                let r1 = residuals(data.dataset.structures[k], shifted.evaluate(k, in: data))
                Self.addSecondDerivative(&out, rows: rows[...], r0: r0[...], r1: r1, step: step, h: h)
            }
            return out
        }
        var total = [Double](repeating: 0, count: n)
        for part in parts { for c in 0..<n { total[c] += part[c] } }
        return total
    }

    /// The weighted Jacobian rows of structure k (row-major over the free coordinates) and its weighted residuals,
    /// at the parameters `jacobian` was set to.
    func weightedRows(_ k: Int, _ jacobian: JacobianEvaluator) -> (rows: [Double], residuals: [Double]) {
        let n = free.count
        let s = data.dataset.structures[k]
        let j = jacobian.jacobian(species: data.species[k], neighbours: data.neighbours[k], terms: freeTerms)
        let layout = ResidualRows(s)
        let w = scales(s)
        let r = layout.residuals(s, j.prediction, scales: w)
        var rows = [Double](repeating: 0, count: r.count * n)
        for row in 0..<layout.count {
            for c in 0..<n {
                rows[row * n + c] = columnDerivative(c) { layout.derivative(row, $0, j, scales: w) }
            }
        }
        return (rows, r)
    }

    /// out += Σ_row J_row · r_vv(row) with r_vv = (2/h)[(r1 − r0)/h − J_row · δ], over one structure's weighted
    /// rows J (row-major, `step.count` columns), its residuals r0 at θ and r1 at θ + hδ.
    static func addSecondDerivative(
        _ out: inout [Double], rows: ArraySlice<Double>, r0: ArraySlice<Double>, r1: [Double], step: [Double],
        h: Double
    ) {
        let n = step.count
        rows.withUnsafeBufferPointer { jacobian in
            r0.withUnsafeBufferPointer { before in
                for row in 0..<r1.count {
                    let start = row * n
                    var jDelta = 0.0
                    for c in 0..<n { jDelta += jacobian[start + c] * step[c] }
                    let rvv = 2 / h * ((r1[row] - before[row]) / h - jDelta)
                    for c in 0..<n { out[c] += jacobian[start + c] * rvv }
                }
            }
        }
    }

    /// Whether `normalEquations(_:keepRows:)` kept the weighted Jacobian rows at θ.
    public func keepsRows(at theta: [Double]) -> Bool {
        keptRowsLock.withLock { keptRows?.theta == theta }
    }

    /// Jᵀ r_vv from kept rows and residuals at θ: only the residuals at θ + hδ are evaluated (same sums, same
    /// order).
    private func directionalSecondDerivative(_ kept: KeptRows, moved: [Double], step: [Double], h: Double)
        -> [Double]
    {
        let n = free.count
        let parts = parallelMap(Array(zip(blocks, kept.blocks))) { block, rows -> [Double] in
            let shifted = ModelEvaluator<Double>(model: model, internalParameters: moved)
            var out = [Double](repeating: 0, count: n)
            var first = 0
            for k in block {
                let r1 = residuals(data.dataset.structures[k], shifted.evaluate(k, in: data))
                let range = first..<(first + r1.count)
                Self.addSecondDerivative(
                    &out, rows: rows.rows[(range.lowerBound * n)..<(range.upperBound * n)],
                    r0: rows.residuals[range], r1: r1, step: step, h: h)
                first += r1.count
            }
            return out
        }
        var total = [Double](repeating: 0, count: n)
        for part in parts { for c in 0..<n { total[c] += part[c] } }
        return total
    }
}

/// Weighted Jacobian rows (row-major over the free coordinates) and residuals of every structure at θ, per block of
/// the problem's partition, in structure order.
struct KeptRows {
    struct Block {
        var rows: [Double] = []
        var residuals: [Double] = []
    }
    let theta: [Double]
    let blocks: [Block]
}

extension PotentialFile {
    /// The loss weights the potential was fitted with, as its provenance records them (`mosaic fit`:
    /// `weights`; `mosaic design`: `finalWeights` after `--energy-target`, else `settings.weights`); nil when the
    /// file does not say.
    public var lossWeights: FitWeights? {
        guard let recorded = provenance["weights"] ?? provenance["finalWeights"] ?? provenance["settings"]?["weights"],
            let data = try? JSONEncoder.mosaic.encode(recorded)
        else { return nil }
        return try? JSONDecoder.mosaic.decode(FitWeights.self, from: data)
    }
}
