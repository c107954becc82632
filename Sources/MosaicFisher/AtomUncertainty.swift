import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicNumerics

extension UncertaintyData {
    /// What a fitted model's potential file carries for per-atom σ and extrapolation grades
    /// (`UncertaintyData`): the covariance s² FIM⁺ of the fit (fit coordinates, the loss `weights` on the
    /// training `data`, the pseudo-inverse floor of `FisherAnalysis`) and, per element, the span of its
    /// training atoms' energy gradients.
    public static func fitted(model: CompositeModel, data: PreparedDataset, weights: FitWeights) throws
        -> UncertaintyData
    {
        let fisher = try FisherAnalysis(model: model, data: data, weights: weights, coordinates: .fit)
        let coordinates = fisher.parameterGroups
        let p = coordinates.count
        // Per-atom gradients of every training structure (all cores; one evaluator per structure).
        let gradients = parallelMap(Array(0..<data.count)) { k in
            AtomGradientEvaluator(model: model, coordinates: coordinates).gradients(
                species: data.species[k], neighbours: data.neighbours[k], virialTrace: false)
        }
        var elements: [String: Span] = [:]
        for (e, element) in model.elements.enumerated() {
            // The element's training-atom gradients (n × p) and their span A_e = Σ g gᵀ.
            var rows: [Double] = []
            for (k, species) in data.species.enumerated() {
                for (i, s) in species.enumerated() where s == e { rows += gradients[k][(i * p)..<((i + 1) * p)] }
            }
            let n = rows.count / max(p, 1)
            guard n > 0 else { continue }
            var span = [Double](repeating: 0, count: p * p)
            LinearAlgebra.addGram(&span, rows, rows: n, n: p)
            LinearAlgebra.symmetrize(&span, n: p)
            let inverse = try pseudoInverse(span, p)
            let largest = rows.withUnsafeBufferPointer { g in
                (0..<n).map { UncertaintyData.quadratic(g.baseAddress! + $0 * p, inverse, p) }.max()!
            }
            guard largest > 0 else { continue }
            let active = try ActiveSetGrade.projection(rows: rows, count: n, p: p, gram: span)
            elements[element.symbol] = Span(
                inverse: inverse, largestLeverage: largest, atoms: n,
                activeSet: active.rank > 0 ? active.projection : nil)
        }
        return UncertaintyData(coordinates: coordinates, covariance: fisher.covariance, elements: elements)
    }

    /// The pseudo-inverse of a symmetric positive semi-definite matrix over the eigenvalues above
    /// `FisherAnalysis.pseudoInverseFloor` λ_max.
    static func pseudoInverse(_ a: [Double], _ p: Int) throws -> [Double] {
        let (values, vectors) = try LinearAlgebra.symmetricEigen(a, n: p)
        let floor = FisherAnalysis.pseudoInverseFloor * (values.last ?? 0)
        var inverse = [Double](repeating: 0, count: p * p)
        for k in 0..<p where values[k] > floor && values[k] > 0 {
            let scale = 1 / values[k]
            for a in 0..<p {
                let va = vectors[k * p + a] * scale
                for b in 0..<p { inverse[a * p + b] += va * vectors[k * p + b] }
            }
        }
        return inverse
    }
}
