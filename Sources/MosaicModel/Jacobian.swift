import MosaicCore

/// Exact derivatives of one structure's predictions with respect to the internal parameters θ:
/// dE/dθ, dF/dθ (the mixed derivatives) and dW/dθ, by forward-mode dual numbers over chunks of
/// `Dual.width` parameters of one term at a time (terms do not depend on each other's parameters).
public struct StructureJacobian {
    public var prediction: Prediction<Double>
    public let parameterCount: Int
    /// dE/dθ_p (eV).
    public var energy: [Double]
    /// dF_{i,a}/dθ_p, row-major: row 3i + a, column p (eV/Å).
    public var forces: [Double]
    /// dW_v/dθ_p, row-major: Voigt row v, column p (eV).
    public var virial: [Double]
}

public final class JacobianEvaluator {
    let model: CompositeModel
    let values: ModelEvaluator<Double>
    let duals: ModelEvaluator<Dual>
    var theta: [Double]
    /// Each term's parameters split between basis functions and dual numbers (as `usesLinearBasis` says).
    var splits: [TermParameterSplit]
    /// Whether linear parameters of `LinearBasisKernel` terms take their columns from the basis functions (the
    /// default) rather than from dual numbers (the same numbers to round-off; tested).
    public var usesLinearBasis = true {
        didSet { splits = values.parameterSplits(usingBasis: usesLinearBasis) }
    }

    public init(model: CompositeModel) {
        self.model = model
        theta = model.internalParameters
        values = ModelEvaluator<Double>(model: model, internalParameters: theta)
        duals = ModelEvaluator<Dual>(model: model, internalParameters: theta.map { Dual($0) })
        splits = values.parameterSplits(usingBasis: true)
    }

    /// Sets the internal parameters θ.
    public func setParameters(internal theta: [Double]) {
        self.theta = theta
        values.setParameters(internal: theta)
    }

    public func evaluate(species: [Int], neighbours: NeighbourList) -> Prediction<Double> {
        values.evaluate(species: species, neighbours: neighbours)
    }

    /// Derivatives with respect to the parameters of `terms` (all terms by default; other
    /// columns stay zero).
    public func jacobian(species: [Int], neighbours: NeighbourList, terms: [Int]? = nil) -> StructureJacobian {
        let p = theta.count
        let n = species.count
        var result = StructureJacobian(
            prediction: values.evaluate(species: species, neighbours: neighbours), parameterCount: p,
            energy: [Double](repeating: 0, count: p),
            forces: [Double](repeating: 0, count: 3 * n * p),
            virial: [Double](repeating: 0, count: 6 * p))
        for t in terms ?? Array(splits.indices) {
            let split = splits[t]
            if let kernel = split.kernel {
                values.addLinearColumns(kernel, term: t, species: species, neighbours: neighbours, into: &result)
            }
            for chunk in split.dualChunks {
                duals.seed(theta, variables: chunk)
                let d = duals.evaluate(species: species, neighbours: neighbours, terms: t..<t + 1)
                for (s, q) in chunk.enumerated() {
                    result.energy[q] = d.energy.tangent[s]
                    for i in 0..<n {
                        result.forces[(3 * i) * p + q] = d.forces[i].x.tangent[s]
                        result.forces[(3 * i + 1) * p + q] = d.forces[i].y.tangent[s]
                        result.forces[(3 * i + 2) * p + q] = d.forces[i].z.tangent[s]
                    }
                    for v in 0..<6 { result.virial[v * p + q] = d.virial[v].tangent[s] }
                }
            }
        }
        return result
    }
}

extension CompositeModel {
    /// The parameters whose Jacobian columns come from the kernels' basis functions (`LinearBasisKernel`).
    public var basisParameterIndices: [Int] {
        ModelEvaluator<Double>(model: self).parameterSplits(usingBasis: true).flatMap(\.basisParameters)
    }
}
