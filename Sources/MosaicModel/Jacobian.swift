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

    public init(model: CompositeModel) {
        self.model = model
        theta = model.internalParameters
        values = ModelEvaluator<Double>(model: model, internalParameters: theta)
        duals = ModelEvaluator<Dual>(model: model, internalParameters: theta.map { Dual($0) })
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
        let ranges = model.parameterRanges
        for t in terms ?? Array(ranges.indices) {
            let range = ranges[t]
            for chunkStart in stride(from: range.lowerBound, to: range.upperBound, by: Dual.width) {
                let chunk = chunkStart..<min(chunkStart + Dual.width, range.upperBound)
                var seeded = theta.map { Dual($0) }
                for q in chunk { seeded[q] = Dual.variable(theta[q], slot: q - chunkStart) }
                duals.setParameters(internal: seeded)
                let d = duals.evaluate(species: species, neighbours: neighbours, terms: t..<t + 1)
                for q in chunk {
                    let s = q - chunkStart
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
