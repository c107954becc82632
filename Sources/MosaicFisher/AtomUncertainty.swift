import Foundation
import MosaicCore
import MosaicFit
import MosaicModel
import MosaicNumerics

extension UncertaintyData {
    /// What a fitted model's potential file carries for per-atom σ and extrapolation grades
    /// (`UncertaintyData`): the covariance s² FIM⁺ of the fit (fit coordinates, the loss `weights` on the
    /// training `data`, the pseudo-inverse floor of `FisherAnalysis`) and, per element, the span of its
    /// training atoms' energy gradients in relative coordinates (`gradeScales`).
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
        let gradeScales = relativeScales(model: model, coordinates: coordinates)
        let scaled = gradients.map { Self.scaled($0, by: gradeScales) }
        var elements: [String: Span] = [:]
        for (e, element) in model.elements.enumerated() {
            // The element's training-atom gradients (n × p), in grade coordinates.
            var rows: [Double] = []
            for (k, species) in data.species.enumerated() {
                for (i, s) in species.enumerated() where s == e { rows += scaled[k][(i * p)..<((i + 1) * p)] }
            }
            let n = rows.count / max(p, 1)
            guard n > 0 else { continue }
            elements[element.symbol] = try ActiveSetGrade.span(rows: rows, count: n, p: p)
        }
        // Exactly symmetric (the pseudo-inverse's sums differ in the last bit across the diagonal), as the file
        // stores its upper triangle.
        var covariance = fisher.covariance
        LinearAlgebra.symmetrize(&covariance, n: p)
        return UncertaintyData(
            coordinates: coordinates, covariance: covariance, elements: elements, gradeScales: gradeScales)
    }

    /// The grade scales of format 5 (`gradeScales`): per coordinate, the factor turning ∂E_i/∂θ into
    /// ∂E_i/∂log|value| of its (first) parameter, so that spans and grades live in relative coordinates.
    public static func relativeScales(model: CompositeModel, coordinates: [[Int]]) -> [Double] {
        let relative = FisherAnalysis.gradientScale(model, .relative)
        return coordinates.map { relative[$0[0]] }
    }

    /// The pseudo-inverse of a symmetric positive semi-definite matrix over the eigenvalues above
    /// `FisherAnalysis.pseudoInverseFloor` λ_max.
    static func pseudoInverse(_ a: [Double], _ p: Int) throws -> [Double] {
        pseudoInverse(eigen: try LinearAlgebra.symmetricEigen(a, n: p), p)
    }

    /// The pseudo-inverse of a symmetric p × p matrix from its eigenvalues (ascending) and eigenvectors (rows).
    static func pseudoInverse(eigen: (values: [Double], vectors: [Double]), _ p: Int) -> [Double] {
        let (values, vectors) = eigen
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

extension UncertaintyData.Span {
    /// A_e over all p coordinates (zero outside `columns`); for files before format 4, from their A_e⁺.
    func fullGram(_ p: Int) throws -> [Double] {
        guard let columns, let gram else { return try UncertaintyData.pseudoInverse(inverse ?? [], p) }
        return Self.embed(gram, columns: columns, p: p)
    }

    /// The p × p matrix that is `matrix` (c × c) on rows and columns `columns` and zero elsewhere.
    static func embed(_ matrix: [Double], columns: [Int], p: Int) -> [Double] {
        let c = columns.count
        var full = [Double](repeating: 0, count: p * p)
        for (a, ca) in columns.enumerated() {
            for (b, cb) in columns.enumerated() { full[ca * p + cb] = matrix[a * c + b] }
        }
        return full
    }

    /// A_e⁺ over all p coordinates.
    func fullInverse(_ p: Int) throws -> [Double] {
        if let inverse { return inverse }
        return try UncertaintyData.pseudoInverse(fullGram(p), p)
    }
}
