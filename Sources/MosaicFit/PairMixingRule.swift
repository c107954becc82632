import MosaicCore
import MosaicModel

/// One coefficient of a species-resolved pair spline tied to its like-pair coefficients:
/// c_AB,k ≈ ½ (c_AA,k + c_BB,k).
public struct PairMixingTie: Sendable, Equatable {
    /// Model parameter index of c_AB,k.
    public var target: Int
    /// Model parameter indices of c_AA,k and c_BB,k.
    public var sources: [Int]
}

/// The mixing rule of species-resolved pair splines where the data have no pairs of two elements.
///
/// Alloy data cover an A–B pair function only where the data put A–B pairs. Solid-solution cells on a
/// lattice put them near the lattice shells: none closer than 2.74 Å (the elements' AIMD reach 2.1 Å) and
/// none between the second and third shells (3.3–4.4 Å). A B-spline of an A–B block that lives there sees no
/// data; left free, nothing holds it (a fit of Nb–Mo drove one such coefficient to −4.3 eV, and compressed
/// B2 NbMo then collapsed into that well). Each such coefficient is tied to the mean of the same coefficient
/// of A–A and B–B by a stiff penalty in the loss (`LeastSquaresProblem`): the arithmetic mixing rule, applied
/// only where the data say nothing. The penalty is not part of the Fisher information.
public enum PairMixingRule {
    /// Weight of a tie per residual row of the loss and per eV²: a tie off by 10 meV costs as much as
    /// every row of the loss off by one tolerance.
    public static let stiffness = 1e4
    /// A basis function of an A–B block is tied when its data weight (Σ over the data's A–B pairs of B_k(r))
    /// is below this fraction of the block's mean weight.
    public static let emptyFraction = 0.01

    /// The ties of every species-resolved `pair-spline` term of `model` on `data`.
    public static func ties(model: CompositeModel, data: PreparedDataset) -> [PairMixingTie] {
        let elements = model.elements
        let n = elements.count
        var ties: [PairMixingTie] = []
        for (t, term) in model.terms.enumerated() {
            guard let spline = term.as(PairSplineTerm.self), spline.pairs != nil else { continue }
            let size = spline.size
            let weight = dataWeights(spline, elementCount: n, data: data)
            let offset = model.parameterRanges[t].lowerBound
            let pairs = elementPairs(elements)
            let block = Dictionary(uniqueKeysWithValues: pairs.enumerated().map { ($1.0 * n + $1.1, $0) })
            for (i, j) in pairs where i != j {
                let w = weight[i * n + j]
                let mean = w.reduce(0, +) / Double(size)
                for k in 0..<size where w[k] <= emptyFraction * mean {
                    ties.append(
                        PairMixingTie(
                            target: offset + block[i * n + j]! * size + k,
                            sources: [offset + block[i * n + i]! * size + k, offset + block[j * n + j]! * size + k]))
                }
            }
        }
        return ties
    }

    /// Σ over the data's ordered pairs of species (a, b) of B_k(r), per basis function k, keyed `a * n + b`.
    static func dataWeights(_ spline: PairSplineTerm, elementCount n: Int, data: PreparedDataset) -> [[Double]] {
        let basis = CubicBSplineBasis(inner: spline.inner, cutoff: spline.cutoff, size: spline.size)
        var weight = [[Double]](repeating: [Double](repeating: 0, count: spline.size), count: n * n)
        for (species, list) in zip(data.species, data.neighbours) {
            for i in species.indices {
                for k in list.neighbours(of: i) {
                    let key = species[i] * n + species[Int(list.index[k])]
                    basis.forEachNonZero(norm(list.delta[k])) { b, value, _ in weight[key][b] += value }
                }
            }
        }
        for a in 0..<n {
            for b in 0..<a {
                for k in 0..<spline.size {
                    let sum = weight[a * n + b][k] + weight[b * n + a][k]
                    weight[a * n + b][k] = sum
                    weight[b * n + a][k] = sum
                }
            }
        }
        return weight
    }

    /// One line per tied block for the fit's output: "Mo-Nb c0 c1 c5", or nil without ties.
    public static func describe(_ ties: [PairMixingTie], model: CompositeModel) -> String? {
        guard !ties.isEmpty else { return nil }
        let names = model.parameterNames
        var blocks: [(String, [String])] = []
        for tie in ties {
            let parts = names[tie.target].split(separator: ".")
            let block = parts.dropLast().joined(separator: ".")
            if blocks.last?.0 == block {
                blocks[blocks.count - 1].1.append(String(parts.last!))
            } else {
                blocks.append((block, [String(parts.last!)]))
            }
        }
        return "mixing rule (no pairs of these elements in the data there; c_AB = ½(c_AA + c_BB)): "
            + blocks.map { "\($0.0) \($0.1.joined(separator: " "))" }.joined(separator: "; ")
    }
}
