import MosaicCore

/// One atom's derivative with respect to one linear parameter θ_q (`LinearBasisKernel`): ∂E_i/∂θ_q and, through
/// `ModelEvaluator.forEachPairGradient`, its gradient over the atom's neighbours, screened by the core's switch S like
/// the term's energy (E_i = S Σ ξ_q B_q) and times dξ_q/dθ_q.
struct LinearColumn {
    /// The parameter's index in the model.
    let q: Int
    /// ∂E_i/∂θ_q = S B_q dξ_q/dθ_q.
    let energy: Double
    /// The neighbours whose dB_q/dd_k the evaluator's `gradient` holds.
    let support: UnsafeBufferPointer<Int>
    /// S dξ_q/dθ_q, for the gradients in `support`.
    let gradientScale: Double
    /// B_q dξ_q/dθ_q, for the gradient of S at the screened neighbours.
    let switchScale: Double
}

/// How one term's parameters get their derivatives: the linear parameters of a `LinearBasisKernel` from its basis
/// functions, the others by dual numbers, `Dual.width` at a time. It depends only on the model, so evaluators build
/// it once.
struct TermParameterSplit {
    /// The term's index in the model.
    let term: Int
    /// The term's basis kernel, when some of its parameters take their derivatives from it.
    let kernel: (any LinearBasisKernel)?
    /// Model indices of the parameters whose derivatives come from `kernel`'s basis functions.
    let basisParameters: [Int]
    /// Model indices of the others, in chunks of at most `Dual.width`.
    let dualChunks: [[Int]]
}

extension ModelEvaluator {
    /// Each term's `TermParameterSplit`; with `usingBasis: false`, every parameter goes to dual numbers.
    func parameterSplits(usingBasis: Bool) -> [TermParameterSplit] {
        ranges.indices.map { t in
            let kernel = usingBasis ? kernels[t] as? any LinearBasisKernel : nil
            let basis = kernel.map { k in k.linearParameters.map { ranges[t].lowerBound + $0 } } ?? []
            let linear = Set(basis)
            let others = ranges[t].filter { !linear.contains($0) }
            let chunks = stride(from: 0, to: others.count, by: Dual.width).map {
                Array(others[$0..<min($0 + Dual.width, others.count)])
            }
            return TermParameterSplit(
                term: t, kernel: basis.isEmpty ? nil : kernel, basisParameters: basis, dualChunks: chunks)
        }
    }
}

extension ModelEvaluator where T == Dual {
    /// Sets the internal parameters θ with those of `chunk` as the dual numbers' variables, one slot each.
    func seed(_ theta: [Double], variables chunk: [Int]) {
        for k in 0..<parameterCount { parameters[k] = transforms[k].natural(Dual(theta[k])) }
        for (s, q) in chunk.enumerated() { parameters[q] = transforms[q].natural(Dual.variable(theta[q], slot: s)) }
    }
}

extension ModelEvaluator where T == Double {
    /// Calls `body` with each linear column of term t (`kernel`) for the loaded centre of `species` with `count`
    /// neighbours.
    @inline(__always)
    func forEachLinearColumn(
        _ kernel: any LinearBasisKernel, term t: Int, species: Int, count: Int, _ body: (LinearColumn) -> Void
    ) {
        let first = ranges[t].lowerBound
        let core = isScreened[t] ? screening : nil
        // The core's switch S of this atom; ∂S/∂d_k at the neighbours inside it stay in `screenedSlope`.
        let (product, screened) = core.map { coreSwitch(species: species, count: count, by: $0) } ?? (1, 0)
        screenedCount = screened
        kernel.forEachBasisFunction(
            UnsafePointer(parameters + first), environment(species: species, count: count), gradient, scratch
        ) { local, value, support in
            let q = first + local
            let scale = transforms[q].derivative(atNatural: parameters[q])
            body(
                LinearColumn(
                    q: q, energy: product * value * scale, support: support, gradientScale: product * scale,
                    switchScale: value * scale))
        }
    }

    /// Calls `visit(k, g)` for each neighbour k with a non-zero gradient g = ∂(∂E_i/∂θ_q)/∂d_k of `column`.
    @inline(__always)
    func forEachPairGradient(_ column: LinearColumn, _ visit: (Int, Vector3<Double>) -> Void) {
        let scale = column.gradientScale
        for k in column.support {
            let g = gradient[k]
            visit(k, Vector3(g.x * scale, g.y * scale, g.z * scale))
        }
        for a in 0..<screenedCount {
            let k = screenedNeighbour[a]
            let along = column.switchScale * screenedSlope[a]
            visit(k, Vector3(u[k].x * along, u[k].y * along, u[k].z * along))
        }
    }

    /// Adds to `result` the columns of term t's linear parameters (`kernel`): per atom, each column's ∂E_i/∂θ_q
    /// and its pair gradients as forces and virial.
    func addLinearColumns(
        _ kernel: any LinearBasisKernel, term t: Int, species: [Int], neighbours: NeighbourList,
        into result: inout StructureJacobian
    ) {
        let p = result.parameterCount
        // Written through pointers: the closures below run once per atom and basis function.
        withUnsafeMutablePointers(&result.energy, &result.forces, &result.virial) { dE, dF, dW in
            for i in 0..<species.count {
                let count = loadNeighbours(of: i, species: species, neighbours: neighbours)
                forEachLinearColumn(kernel, term: t, species: species[i], count: count) { column in
                    let q = column.q
                    dE[q] += column.energy
                    // Neighbour k's gradient g: force +g on the centre, −g on k, virial −d ⊗ g.
                    forEachPairGradient(column) { k, g in
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
                }
            }
        }
    }

    /// Hands ∂E_i/∂θ_q of term t's linear parameters (`kernel`) to `visit(row, q, ∂E_i/∂θ_q)` for the atoms
    /// `loadAtom` loads, one after the other; returns ∂(W_xx + W_yy + W_zz)/∂θ_q (pairs' −d·g) for every
    /// parameter q of the model (zero unless `virialTrace`).
    func linearAtomGradients(
        _ kernel: any LinearBasisKernel, term t: Int, rows: Int, virialTrace: Bool,
        loadAtom: (Int) throws -> (species: Int, count: Int)?, visit: (Int, Int, Double) -> Void
    ) rethrows -> [Double] {
        var trace = [Double](repeating: 0, count: parameterCount)
        for row in 0..<rows {
            guard let (species, count) = try loadAtom(row) else { continue }
            forEachLinearColumn(kernel, term: t, species: species, count: count) { column in
                visit(row, column.q, column.energy)
                guard virialTrace else { return }
                var sum = 0.0
                forEachPairGradient(column) { k, g in
                    let d = delta[k]
                    sum -= g.x * d.x + g.y * d.y + g.z * d.z
                }
                trace[column.q] += sum
            }
        }
        return trace
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
