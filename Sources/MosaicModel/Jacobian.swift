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
    /// Whether linear parameters of `LinearBasisKernel` terms take their columns from the basis functions (the
    /// default) rather than from dual numbers (the same numbers to round-off; tested).
    public var usesLinearBasis = true

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
            var dualParameters = Array(ranges[t])
            if usesLinearBasis, let kernel = values.kernels[t] as? any LinearBasisKernel {
                values.addLinearColumns(kernel, term: t, species: species, neighbours: neighbours, into: &result)
                let linear = Set(kernel.linearParameters.map { ranges[t].lowerBound + $0 })
                dualParameters.removeAll { linear.contains($0) }
            }
            for chunkStart in stride(from: 0, to: dualParameters.count, by: Dual.width) {
                let chunk = dualParameters[chunkStart..<min(chunkStart + Dual.width, dualParameters.count)]
                var seeded = theta.map { Dual($0) }
                for (s, q) in chunk.enumerated() { seeded[q] = Dual.variable(theta[q], slot: s) }
                duals.setParameters(internal: seeded)
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

extension ModelEvaluator where T == Double {
    /// Adds to `result` the columns of term t's linear parameters: per atom, each basis function B_q of `kernel` and
    /// its gradient as E_i and its pair gradients (screened by the core like the term's energy), times dξ_q/dθ_q.
    func addLinearColumns(
        _ kernel: any LinearBasisKernel, term t: Int, species: [Int], neighbours: NeighbourList,
        into result: inout StructureJacobian
    ) {
        let p = result.parameterCount
        let first = ranges[t].lowerBound
        let core = isScreened[t] ? screening : nil
        // Written through pointers: the closure below runs once per atom and basis function.
        withUnsafeMutablePointers(&result.energy, &result.forces, &result.virial) { dE, dF, dW in
            for i in 0..<species.count {
                let count = loadNeighbours(of: i, species: species, neighbours: neighbours)
                let env = environment(species: species[i], count: count)
                // The core's switch S of this atom and ∂S/∂d_k at the neighbours inside it (E_i = S Σ ξ_q B_q).
                let (product, screened) = core.map { coreSwitch(species: species[i], count: count, by: $0) } ?? (1, 0)
                kernel.forEachBasisFunction(UnsafePointer(parameters + first), env, gradient, scratch) {
                    local, value, support in
                    let q = first + local
                    let scale = transforms[q].derivative(atNatural: parameters[q])
                    dE[q] += product * value * scale
                    /// Neighbour k's gradient g: force +g on the centre, −g on k, virial −d ⊗ g.
                    @inline(__always) func add(_ k: Int, _ g: Vector3<Double>) {
                        let centre = dF + 3 * i * p + q
                        let neighbour = dF + 3 * source[k] * p + q
                        centre[0] += g.x
                        centre[p] += g.y
                        centre[2 * p] += g.z
                        neighbour[0] -= g.x
                        neighbour[p] -= g.y
                        neighbour[2 * p] -= g.z
                        let v = pairVirial(g, delta[k])
                        dW[q] += v.0
                        dW[p + q] += v.1
                        dW[2 * p + q] += v.2
                        dW[3 * p + q] += v.3
                        dW[4 * p + q] += v.4
                        dW[5 * p + q] += v.5
                    }
                    let gradientScale = product * scale
                    for k in support {
                        let g = gradient[k]
                        add(k, Vector3(g.x * gradientScale, g.y * gradientScale, g.z * gradientScale))
                    }
                    for a in 0..<screened {
                        let k = screenedNeighbour[a]
                        let along = value * screenedSlope[a] * scale
                        add(k, Vector3(u[k].x * along, u[k].y * along, u[k].z * along))
                    }
                }
            }
        }
    }
}

/// Runs `body` with pointers to the storage of three distinct arrays.
@inline(__always)
func withUnsafeMutablePointers<R>(
    _ a: inout [Double], _ b: inout [Double], _ c: inout [Double],
    _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> R
) -> R {
    a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in body(a.baseAddress!, b.baseAddress!, c.baseAddress!) }
        }
    }
}

extension CompositeModel {
    /// The parameters whose Jacobian columns come from the kernels' basis functions (`LinearBasisKernel`).
    public var basisParameterIndices: [Int] {
        zip(terms, parameterRanges).flatMap { term, range -> [Int] in
            guard let kernel = term.makeKernel(elements: elements) as? any LinearBasisKernel else { return [] }
            return kernel.linearParameters.map { range.lowerBound + $0 }
        }
    }
}
