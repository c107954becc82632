import Foundation
import MosaicModel
import MosaicNumerics

/// Whether the data tell a species block of a species-resolved term from the other blocks of that term: the
/// Fisher-information evidence for a split (and against a fuse).
///
/// For block b of a term split into m blocks (one per element pair, or per element), the contrast is
/// d_b = θ_b − (1/m) Σ_c θ_c over the block's fitted parameters (fit coordinates), and its covariance
/// C_b = L s² FIM⁺ Lᵀ. The Wald statistic χ² = d_bᵀ C_b⁺ d_b tests "block b is the mean of the blocks";
/// `z` = √(χ²/k) over the k determined directions of C_b. z ≫ 1: the data distinguish the block, it earned
/// its own parameters; z ≲ 1: its difference lies in directions the data hardly fix (a fuse would cost little).
public struct SpeciesEvidence: Codable, Sendable, Equatable {
    public var term: String
    /// "Mo-Nb" (a pair block) or "Nb" (an element block).
    public var block: String
    /// Fitted parameters in the block.
    public var parameters: Int
    /// √(χ²/k) of the block's contrast (see above); infinite when the contrast lies in an undetermined direction.
    public var z: Double

    /// Every species block of every species-resolved term of the analysed model (reference energies excluded).
    public static func compute(_ fim: FisherAnalysis) throws -> [SpeciesEvidence] {
        var result: [SpeciesEvidence] = []
        let covariance = fim.covariance
        for term in TermBlocks.all(fim) {
            let m = Double(term.blocks.count)
            for (b, block) in term.blocks.enumerated() {
                let weights = term.blocks.indices.map { ($0 == b ? 1 : 0) - 1 / m }
                let z = try term.contrastZ(weights: weights, fim: fim, covariance: covariance)
                result.append(SpeciesEvidence(term: term.name, block: block.key, parameters: term.shared.count, z: z))
            }
        }
        return result
    }

    /// Two blocks of one species-resolved term and how far apart the data put them: `z` = √(χ²/k) of
    /// θ_a − θ_b (Wald, as above). z ≲ 1: their difference is a sloppy direction, fusing the two blocks
    /// (`Reconfiguration.fuseBlocks`) costs little; z ≫ 1: the data tell the two species apart. Blocks already
    /// fused have z = 0.
    public struct BlockPair: Codable, Sendable, Equatable {
        public var term: String
        /// The two blocks, e.g. ["Mo-Nb", "Nb-Nb"] or ["Mo", "Nb"], in the term's block order.
        public var blocks: [String]
        public var parameters: Int
        public var z: Double
    }

    /// Every pair of blocks of every species-resolved term, closest first within each term.
    public static func pairs(_ fim: FisherAnalysis) throws -> [BlockPair] {
        var result: [BlockPair] = []
        let covariance = fim.covariance
        for term in TermBlocks.all(fim) {
            var pairs: [BlockPair] = []
            for a in term.blocks.indices {
                for b in term.blocks.indices where b > a {
                    let weights = term.blocks.indices.map { $0 == a ? 1.0 : $0 == b ? -1.0 : 0.0 }
                    let z = try term.contrastZ(weights: weights, fim: fim, covariance: covariance)
                    pairs.append(
                        BlockPair(
                            term: term.name, blocks: [term.blocks[a].key, term.blocks[b].key],
                            parameters: term.shared.count, z: z))
                }
            }
            result += pairs.sorted { $0.z < $1.z }
        }
        return result
    }

    /// The blocks of one species-resolved term: for each block, its analysed coordinates (FIM columns) by local
    /// parameter name without the block prefix; `shared`, the local names every block has.
    struct TermBlocks {
        var name: String
        var blocks: [(key: String, members: [String: Int])]
        var shared: [String]

        /// The species-resolved terms of the analysed model with at least two blocks and a common parameter.
        /// A follower of a fused group maps to its leader's column (fused blocks have a zero contrast).
        static func all(_ fim: FisherAnalysis) -> [TermBlocks] {
            let model = fim.model
            var position: [Int: Int] = [:]
            for (column, group) in fim.parameterGroups.enumerated() {
                for q in group { position[q] = column }
            }
            let ranges = model.parameterRanges
            var result: [TermBlocks] = []
            for (t, term) in model.terms.enumerated() where term.isRegularised {
                var blocks: [(key: String, members: [String: Int])] = []
                for (k, spec) in term.parameters(elements: model.elements).enumerated() {
                    guard let key = spec.block, let column = position[ranges[t].lowerBound + k] else { continue }
                    let local = spec.localInBlock
                    if let b = blocks.firstIndex(where: { $0.key == key }) {
                        blocks[b].members[local] = column
                    } else {
                        blocks.append((key, [local: column]))
                    }
                }
                guard blocks.count > 1 else { continue }
                // Contrasts only over parameters every block has (fixed ones drop out).
                let shared = blocks.dropFirst().reduce(Set(blocks[0].members.keys)) {
                    $0.intersection($1.members.keys)
                }
                guard !shared.isEmpty else { continue }
                result.append(TermBlocks(name: term.name, blocks: blocks, shared: shared.sorted()))
            }
            return result
        }

        /// z = √(χ²/k) of the contrast d = Σ_b w_b θ_b over the shared parameters, with covariance
        /// C = L s² FIM⁺ Lᵀ (L: one sparse row per shared parameter); infinite when the contrast lies only in
        /// undetermined directions, 0 when it vanishes.
        func contrastZ(weights: [Double], fim: FisherAnalysis, covariance: [Double]) throws -> Double {
            let theta = fim.model.internalParameters
            let k = shared.count
            // Sparse rows of L (columns and weights; fused blocks may share a column) and the contrast d.
            var rows: [[(column: Int, weight: Double)]] = Array(repeating: [], count: k)
            var d = [Double](repeating: 0, count: k)
            for (row, local) in shared.enumerated() {
                for (block, weight) in zip(blocks, weights) where weight != 0 {
                    let column = block.members[local]!
                    // dθ = scale · d(analysis coordinate): Cov_θ = S Cov S.
                    let entry = weight * fim.coordinateScale[column]
                    if let e = rows[row].firstIndex(where: { $0.column == column }) {
                        rows[row][e].weight += entry
                    } else {
                        rows[row].append((column, entry))
                    }
                    d[row] += weight * theta[fim.parameterIndices[column]]
                }
            }
            return try SpeciesEvidence.waldZ(rows: rows, d: d, fim: fim, covariance: covariance)
        }
    }

    /// z = √(χ²/k) of a k-vector d of parameters, its covariance C = L Cov Lᵀ (`rows`: L's sparse rows as
    /// analysis columns and weights that carry them to d's units; `covariance`: `fim.covariance`);
    /// infinite when d lies only in undetermined directions of C, 0 when it vanishes.
    static func waldZ(
        rows: [[(column: Int, weight: Double)]], d: [Double], fim: FisherAnalysis, covariance: [Double]
    ) throws -> Double {
        let p = fim.parameterCount
        let k = d.count
        var c = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                var sum = 0.0
                for a in rows[i] {
                    for b in rows[j] { sum += a.weight * covariance[a.column * p + b.column] * b.weight }
                }
                c[i * k + j] = sum
            }
        }
        let (values, vectors) = try LinearAlgebra.symmetricEigen(c, n: k)
        let largest = values.last ?? 0
        var chi2 = 0.0
        var determined = 0
        var undetermined = false
        for e in 0..<k {
            var projection = 0.0
            for i in 0..<k { projection += vectors[e * k + i] * d[i] }
            if values[e] > 1e-12 * largest, values[e] > 0 {
                chi2 += projection * projection / values[e]
                determined += 1
            } else if abs(projection) > 1e-9 {
                undetermined = true
            }
        }
        return undetermined && determined == 0 ? .infinity : (chi2 / Double(max(determined, 1))).squareRoot()
    }

    /// A table: term, block, parameters, z and what it says.
    public static func table(_ evidence: [SpeciesEvidence]) -> String {
        var lines = [
            TextTable.pad("term", 14) + TextTable.pad("block", 8) + TextTable.right(["params", "z"], [7, 9])
                + "  reading"
        ]
        lines.append(String(repeating: "-", count: 72))
        for e in evidence {
            let reading =
                e.z >= 3 ? "the data tell it apart: earned" : e.z >= 1 ? "weakly distinguished" : "sloppy: fusable"
            lines.append(
                TextTable.pad(e.term, 14) + TextTable.pad(e.block, 8)
                    + TextTable.right(["\(e.parameters)", e.z.isFinite ? String(format: "%.1f", e.z) : "inf"], [7, 9])
                    + "  " + reading)
        }
        lines.append(
            "z = √(χ²/k): the block's difference from the mean of its term's blocks, in its Fisher σ (Wald)")
        return lines.joined(separator: "\n")
    }

    /// A table of the closest `perTerm` block pairs of each term: which species the data hardly tell apart.
    public static func pairsTable(_ pairs: [BlockPair], perTerm: Int = 3) -> String {
        var lines = [
            TextTable.pad("term", 14) + TextTable.pad("blocks", 14) + TextTable.right(["params", "z"], [7, 9])
                + "  reading"
        ]
        lines.append(String(repeating: "-", count: 78))
        var shown: [String: Int] = [:]
        for pair in pairs where shown[pair.term, default: 0] < perTerm {
            shown[pair.term, default: 0] += 1
            let reading =
                pair.z == 0
                ? "fused" : pair.z >= 3 ? "told apart" : pair.z >= 1 ? "weakly told apart" : "sloppy: fusable"
            lines.append(
                TextTable.pad(pair.term, 14) + TextTable.pad(pair.blocks.joined(separator: " = "), 14)
                    + TextTable.right(
                        ["\(pair.parameters)", pair.z.isFinite ? String(format: "%.1f", pair.z) : "inf"], [7, 9])
                    + "  " + reading)
        }
        lines.append(
            "z = √(χ²/k) of the two blocks' difference in its Fisher σ; the design loop proposes fusing a term's"
                + " closest pair when z < 3")
        return lines.joined(separator: "\n")
    }
}
