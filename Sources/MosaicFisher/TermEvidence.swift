import Foundation
import MosaicModel
import MosaicNumerics

/// Whether the data need a term at all: the Fisher-information evidence that its amplitudes (its linear coefficients
/// and scales such as an embedding's A, `ParameterSpec.isAmplitude`: the term contributes nothing when all are zero)
/// are not zero.
///
/// For a term with k such free parameters a (natural units), the Wald statistic χ² = aᵀ C⁺ a with C their
/// covariance (s² FIM⁺, carried to natural units: a log-scaled A has σ_A = A σ_log A) tests "the term contributes
/// nothing"; `z` = √(χ²/k) over the determined directions of C. z ≫ 1: the data fix the term far from zero, it
/// earned its parameters; z ≲ 1: its amplitudes are within their uncertainty of zero (removing it costs little in
/// the fit).
/// Baseline terms (reference energies, repulsion) and terms without free amplitudes are not listed.
public struct TermEvidence: Codable, Sendable, Equatable {
    public var term: String
    /// The term's free parameters, and how many of them are amplitudes (the tested ones).
    public var parameters: Int
    public var amplitudes: Int
    /// √(χ²/k) of the amplitudes (see above); infinite when they lie only in undetermined directions.
    public var z: Double

    /// Every non-baseline term of the analysed model with free amplitudes, in model order.
    public static func compute(_ fim: FisherAnalysis) throws -> [TermEvidence] {
        let model = fim.model
        let specs = model.parameterSpecs
        let ranges = model.parameterRanges
        let covariance = fim.covariance
        var result: [TermEvidence] = []
        for (t, term) in model.terms.enumerated() where !term.isBaseline {
            let columns = fim.parameterIndices.indices.filter { ranges[t].contains(fim.parameterIndices[$0]) }
            let tested = columns.filter {
                let spec = specs[fim.parameterIndices[$0]]
                return spec.isLinear || spec.isAmplitude
            }
            guard !tested.isEmpty else { continue }
            // d(natural) = (d natural/d fit) · scale · d(analysis coordinate); for a log transform d natural/d fit is
            // the natural value itself.
            let rows = tested.map { column -> [(column: Int, weight: Double)] in
                let spec = specs[fim.parameterIndices[column]]
                let chain = spec.transform == .log ? spec.value : 1
                return [(column, chain * fim.coordinateScale[column])]
            }
            let d = tested.map { specs[fim.parameterIndices[$0]].value }
            let z = try SpeciesEvidence.waldZ(rows: rows, d: d, fim: fim, covariance: covariance)
            result.append(TermEvidence(term: term.name, parameters: columns.count, amplitudes: tested.count, z: z))
        }
        return result
    }

    /// A table: term, parameters, amplitudes, z, what it says, and (when given) what removing the term did
    /// to the design's score (`removal`: term name → text).
    public static func table(_ evidence: [TermEvidence], removal: [String: String] = [:]) -> String {
        var lines = [
            TextTable.pad("term", 14) + TextTable.right(["params", "ampl.", "z"], [7, 7, 9]) + "  "
                + TextTable.pad("reading", 32) + (removal.isEmpty ? "" : "removed in the design")
        ]
        lines.append(String(repeating: "-", count: removal.isEmpty ? 72 : 110))
        for e in evidence {
            let reading =
                e.z >= 3 ? "far from zero: the data need it" : e.z >= 1 ? "weakly needed" : "within σ of zero"
            lines.append(
                TextTable.pad(e.term, 14)
                    + TextTable.right(
                        ["\(e.parameters)", "\(e.amplitudes)", e.z.isFinite ? String(format: "%.1f", e.z) : "inf"],
                        [7, 7, 9]) + "  " + TextTable.pad(reading, 32) + (removal[e.term] ?? ""))
        }
        lines.append("z = √(χ²/k) of the term's k amplitudes against zero, in their Fisher σ (Wald)")
        return lines.joined(separator: "\n")
    }
}
