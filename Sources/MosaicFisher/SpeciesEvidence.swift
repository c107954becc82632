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
        let model = fim.model
        let p = fim.parameterCount
        let position = Dictionary(uniqueKeysWithValues: fim.parameterIndices.enumerated().map { ($1, $0) })
        let theta = model.internalParameters
        let covariance = fim.covariance
        let ranges = model.parameterRanges
        var result: [SpeciesEvidence] = []
        for (t, term) in model.terms.enumerated() where term.isRegularised {
            let specs = term.parameters(elements: model.elements)
            // Analysed parameters of each block, by local name without the block prefix.
            var blocks: [(key: String, members: [String: Int])] = []
            for (k, spec) in specs.enumerated() where !spec.species.isEmpty {
                guard let column = position[ranges[t].lowerBound + k] else { continue }
                let key = spec.species.joined(separator: "-")
                let local = String(spec.local.dropFirst(key.count + 1))
                if let b = blocks.firstIndex(where: { $0.key == key }) {
                    blocks[b].members[local] = column
                } else {
                    blocks.append((key, [local: column]))
                }
            }
            guard blocks.count > 1 else { continue }
            // Contrasts only over parameters every block has (fixed ones drop out).
            let shared = blocks.dropFirst().reduce(Set(blocks[0].members.keys)) { $0.intersection($1.members.keys) }
                .sorted()
            guard !shared.isEmpty else { continue }
            let m = Double(blocks.count)
            for block in blocks {
                // L: rows = shared parameters of this block, columns = the p analysed coordinates.
                let k = shared.count
                var l = [Double](repeating: 0, count: k * p)
                var d = [Double](repeating: 0, count: k)
                for (row, local) in shared.enumerated() {
                    for other in blocks {
                        let column = other.members[local]!
                        let weight = (other.key == block.key ? 1 : 0) - 1 / m
                        // dθ = scale · d(analysis coordinate): Cov_θ = S Cov S.
                        l[row * p + column] += weight * fim.coordinateScale[column]
                        d[row] += weight * theta[fim.parameterIndices[column]]
                    }
                }
                var c = [Double](repeating: 0, count: k * k)
                for i in 0..<k {
                    for j in 0..<k {
                        var sum = 0.0
                        for a in 0..<p where l[i * p + a] != 0 {
                            for b in 0..<p where l[j * p + b] != 0 {
                                sum += l[i * p + a] * covariance[a * p + b] * l[j * p + b]
                            }
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
                let z = undetermined && determined == 0 ? .infinity : (chi2 / Double(max(determined, 1))).squareRoot()
                result.append(SpeciesEvidence(term: term.name, block: block.key, parameters: k, z: z))
            }
        }
        return result
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
}
