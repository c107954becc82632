import Foundation
import MosaicModel
import MosaicNumerics

/// The extrapolation grade from a D-optimal active set of training atoms, as pacemaker's
/// `pace/extrapolation` defines it for ACE: among one element's training atoms, the `r` whose energy
/// gradients span the largest volume (maxvol) form the active set A (r × r, in the r-dimensional principal
/// subspace of the training gradients); an atom's grade is the largest coefficient of its gradient in the
/// basis of the active atoms, γ = max_j |(A⁻ᵀ z)_j|, z its projected gradient, divided by the largest such
/// coefficient of a training atom (1 to 1 + `tolerance`, maxvol's stopping rule). So every training atom has
/// γ ≤ 1: γ ≤ 1 means "a combination of training atoms with coefficients at most 1", and γ = 2 that the
/// atom lies twice as far out as the training atoms do.
/// Directions of the gradient space the training atoms barely span (eigenvalues of Σ g gᵀ below
/// `subspaceFloor` λ_max) are checked too: their component, in units of √(floor λ_max), enters the maximum
/// instead of being projected away. That unit is loose where the coordinates' gradients differ by orders of
/// magnitude (benchmarks/RESULTS.md, "A limit of the grade"), which is why format-5 files hand this type their
/// gradients in relative coordinates (`UncertaintyData.gradeScales`). Coordinates no training atom moved at all (e.g.
/// the parameters of an element pair no training cell contains) are left out of the span (`span`), and an atom
/// that moves one has γ = ∞ (`UncertaintyData.Span.grade`).
public enum ActiveSetGrade {
    /// Principal directions of the training gradients below this fraction of the largest eigenvalue are
    /// left out: the data barely vary along them, so coefficients there would measure round-off.
    public static let subspaceFloor = 1e-10

    /// One element's span as a potential file stores it (`UncertaintyData.Span`, format 4), from its training
    /// atoms' gradients `rows` (n × p, row-major): the coordinates some atom moves (`columns`), the span A_e and
    /// the active set over those, and the largest leverage. Nil if no atom moves any coordinate.
    public static func span(rows: [Double], count n: Int, p: Int) throws -> UncertaintyData.Span? {
        let columns = (0..<p).filter { b in (0..<n).contains { rows[$0 * p + b] != 0 } }
        let c = columns.count
        guard c > 0 else { return nil }
        var restricted = [Double](repeating: 0, count: n * c)
        for i in 0..<n { for (k, b) in columns.enumerated() { restricted[i * c + k] = rows[i * p + b] } }
        var gram = [Double](repeating: 0, count: c * c)
        LinearAlgebra.addGram(&gram, restricted, rows: n, n: c)
        LinearAlgebra.symmetrize(&gram, n: c)
        // One eigen-decomposition of the span serves the pseudo-inverse and the active set.
        let eigen = try LinearAlgebra.symmetricEigen(gram, n: c)
        let inverse = UncertaintyData.pseudoInverse(eigen: eigen, c)
        let largest = restricted.withUnsafeBufferPointer { g in
            (0..<n).map { UncertaintyData.quadratic(g.baseAddress! + $0 * c, inverse, c) }.max()!
        }
        guard largest > 0 else { return nil }
        let active = try projection(rows: restricted, count: n, p: c, gram: gram, eigen: eigen)
        var span = UncertaintyData.Span(
            atoms: n, largestLeverage: largest, columns: columns, gram: gram)
        if active.rank > 0 {
            span.activeSet = active.projection
        } else {
            // No active set (maxvol found no basis): the normalised leverage over all coordinates.
            span.inverse = UncertaintyData.Span.embed(inverse, columns: columns, p: p)
        }
        return span
    }

    /// M (p × p, row-major: r active-set rows, then one row per unspanned direction) with γ(g) = max_j |(M g)_j|,
    /// for the training gradients `rows` (n × p, row-major) whose span Σ g gᵀ is `gram` (p × p, symmetric); r;
    /// and the largest training grade after maxvol (≤ 1 + `tolerance`). `eigen`: `gram`'s eigen-decomposition, when
    /// the caller has it.
    public static func projection(
        rows: [Double], count n: Int, p: Int, gram: [Double], eigen: (values: [Double], vectors: [Double])? = nil,
        tolerance: Double = 0.01
    ) throws -> (projection: [Double], rank: Int, largestTrainingGrade: Double) {
        // Principal subspace, whitened: W = V_r Λ_r^−1/2 (p × r), Z = G W (n × r).
        let (values, vectors) = try eigen ?? LinearAlgebra.symmetricEigen(gram, n: p)
        let largest = values.last ?? 0
        let kept = (0..<p).filter { values[$0] > subspaceFloor * largest && values[$0] > 0 }
        let r = kept.count
        // Directions the training atoms barely span (below the floor): a component there counts as
        // extrapolation once it exceeds what variance `subspaceFloor` λ_max would allow, row v_k / √(floor λ_max).
        let unseenScale = 1 / (subspaceFloor * largest).squareRoot()
        guard r > 0, n >= r else { return ([], 0, 0) }
        var w = [Double](repeating: 0, count: p * r)
        for (j, k) in kept.enumerated() {
            let scale = 1 / values[k].squareRoot()
            for b in 0..<p { w[b * r + j] = vectors[k * p + b] * scale }
        }
        var z = [Double](repeating: 0, count: n * r)
        for i in 0..<n {
            for b in 0..<p {
                let g = rows[i * p + b]
                if g == 0 { continue }
                for j in 0..<r { z[i * r + j] += g * w[b * r + j] }
            }
        }
        // A first active set by pivoted Gram–Schmidt on the rows (largest residual first).
        var residual = z
        var active: [Int] = []
        for _ in 0..<r {
            var best = -1
            var bestNorm = 0.0
            for i in 0..<n where !active.contains(i) {
                var norm = 0.0
                for j in 0..<r { norm += residual[i * r + j] * residual[i * r + j] }
                if norm > bestNorm {
                    bestNorm = norm
                    best = i
                }
            }
            guard best >= 0, bestNorm > 0 else { break }
            active.append(best)
            let pivot = Array(residual[(best * r)..<((best + 1) * r)]).map { $0 / bestNorm.squareRoot() }
            for i in 0..<n {
                var dot = 0.0
                for j in 0..<r { dot += residual[i * r + j] * pivot[j] }
                for j in 0..<r { residual[i * r + j] -= dot * pivot[j] }
            }
        }
        guard active.count == r else { return ([], 0, 0) }
        // Coefficients of every row in the active basis: B = Z A⁻¹ (n × r).
        func coefficients(_ active: [Int]) -> (b: [Double], inverse: [Double])? {
            var a = [Double](repeating: 0, count: r * r)
            for (j, i) in active.enumerated() { for c in 0..<r { a[j * r + c] = z[i * r + c] } }
            guard let inverse = LinearAlgebra.inverse(a, n: r) else { return nil }
            var b = [Double](repeating: 0, count: n * r)
            for i in 0..<n {
                for c in 0..<r {
                    let zc = z[i * r + c]
                    if zc == 0 { continue }
                    for j in 0..<r { b[i * r + j] += zc * inverse[c * r + j] }
                }
            }
            return (b, inverse)
        }
        guard var (b, _) = coefficients(active) else { return ([], 0, 0) }
        // Maxvol: swap in the row with the largest coefficient until none exceeds 1 + tolerance.
        for _ in 0..<(20 * r) {
            var (bi, bj, bv) = (0, 0, 0.0)
            for i in 0..<n {
                for j in 0..<r where abs(b[i * r + j]) > bv {
                    (bi, bj, bv) = (i, j, abs(b[i * r + j]))
                }
            }
            guard bv > 1 + tolerance else { break }
            // Rank-one update: B ← B − B[:, j] (B[i, :] − e_j) / B[i, j].
            let pivotRow = (0..<r).map { b[bi * r + $0] - ($0 == bj ? 1 : 0) }
            let pivot = b[bi * r + bj]
            for i in 0..<n {
                let factor = b[i * r + bj] / pivot
                if factor == 0 { continue }
                for j in 0..<r { b[i * r + j] -= factor * pivotRow[j] }
            }
            active[bj] = bi
        }
        guard let (final, inverse) = coefficients(active) else { return ([], 0, 0) }
        let largestTrainingGrade = final.map(abs).max() ?? 0
        // M = (W A⁻¹)ᵀ: c_j = Σ_b g_b (W A⁻¹)_bj, divided by the largest training coefficient (1 to 1.01 after
        // maxvol), so that the training atoms have γ ≤ 1 exactly.
        let normalisation = 1 / max(largestTrainingGrade, 1)
        var m = [Double](repeating: 0, count: r * p)
        for bIndex in 0..<p {
            for c in 0..<r {
                let wc = w[bIndex * r + c] * normalisation
                if wc == 0 { continue }
                for j in 0..<r { m[j * p + bIndex] += wc * inverse[c * r + j] }
            }
        }
        for k in 0..<p where !kept.contains(k) {
            m += (0..<p).map { vectors[k * p + $0] * unseenScale }
        }
        return (m, r, largestTrainingGrade)
    }
}
