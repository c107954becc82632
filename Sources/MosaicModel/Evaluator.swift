import MosaicCore

/// Energies, forces and virial of a composite model, generic over the scalar (`Double`, or
/// `Dual` for parameter derivatives). One instance per thread: it owns its scratch space.
///
/// The core is `atomEnergy`: the energy of one atom from the geometry of its neighbours, with
/// the gradient with respect to each neighbour's displacement. The Swift fitter (periodic
/// images as neighbours) and the LAMMPS pair style (ghost atoms) both go through it.
public final class ModelEvaluator<T: ModelScalar> {
    let kernels: [TermKernel]
    let ranges: [Range<Int>]
    let transforms: [ParameterTransform]
    /// The neighbour-list cutoff (Å).
    public let cutoff: Double
    let parameters: UnsafeMutablePointer<T>
    let parameterCount: Int
    let scratchPerNeighbour: Int
    let legendreCount: Int

    private(set) var capacity = 0
    var r: UnsafeMutablePointer<Double>
    var u: UnsafeMutablePointer<SIMD3<Double>>
    var inverseR: UnsafeMutablePointer<Double>
    var gradient: UnsafeMutablePointer<Vector3<T>>
    var scratch: UnsafeMutablePointer<T>
    var selection: UnsafeMutablePointer<Int>
    /// Which list entry each loaded neighbour came from.
    var source: UnsafeMutablePointer<Int>
    var legendre: UnsafeMutablePointer<Double>

    /// An evaluator for `model` at its own (natural) parameter values.
    public convenience init(model: CompositeModel) {
        self.init(model: model, internalParameters: model.internalParameters.map { T($0) })
    }

    /// An evaluator at internal parameters θ (as the optimiser sees them).
    public init(model: CompositeModel, internalParameters theta: [T]) {
        kernels = model.terms.map(TermKernel.init)
        ranges = model.parameterRanges
        transforms = model.transforms
        cutoff = model.cutoff
        parameterCount = model.parameterCount
        parameters = .allocate(capacity: max(parameterCount, 1))
        parameters.initialize(repeating: T(0), count: max(parameterCount, 1))
        scratchPerNeighbour = kernels.map { $0.scratchCount(neighbours: 1) }.max() ?? 0
        legendreCount = 4 * ((model.terms.compactMap { term -> Int? in
            switch term {
            case .threeBody(let t): return t.order
            case .angularEmbedding(let t): return t.order
            default: return nil
            }
        }.max() ?? 0) + 1)
        legendre = .allocate(capacity: legendreCount)
        r = .allocate(capacity: 0); u = .allocate(capacity: 0); inverseR = .allocate(capacity: 0); gradient = .allocate(capacity: 0)
        scratch = .allocate(capacity: 0); selection = .allocate(capacity: 0); source = .allocate(capacity: 0)
        setParameters(internal: theta)
        reserve(64)
    }

    deinit {
        parameters.deinitialize(count: max(parameterCount, 1)); parameters.deallocate()
        releaseWorkspace()
        legendre.deallocate()
    }

    /// Replaces the parameters (internal values θ).
    @_specialize(exported: true, where T == Double)
    @_specialize(exported: true, where T == Dual)
    public func setParameters(internal theta: [T]) {
        precondition(theta.count == parameterCount, "expected \(parameterCount) parameters, got \(theta.count)")
        for k in 0..<parameterCount { parameters[k] = transforms[k].natural(theta[k]) }
    }

    private func releaseWorkspace() {
        r.deallocate(); u.deallocate(); inverseR.deallocate()
        gradient.deinitialize(count: capacity); gradient.deallocate()
        scratch.deinitialize(count: capacity * scratchPerNeighbour); scratch.deallocate()
        selection.deallocate(); source.deallocate()
    }

    /// Makes room for atoms with up to `neighbours` neighbours.
    @inline(__always) func reserve(_ neighbours: Int) {
        guard neighbours > capacity else { return }
        releaseWorkspace()
        capacity = max(neighbours, 2 * capacity)
        r = .allocate(capacity: capacity)
        u = .allocate(capacity: capacity)
        inverseR = .allocate(capacity: capacity)
        gradient = .allocate(capacity: capacity)
        gradient.initialize(repeating: .zero, count: capacity)
        scratch = .allocate(capacity: max(capacity * scratchPerNeighbour, 1))
        scratch.initialize(repeating: T(0), count: capacity * scratchPerNeighbour)
        selection = .allocate(capacity: capacity)
        source = .allocate(capacity: capacity)
    }

    /// E_i of an atom of `species` whose `count` neighbours are already in `r`/`u`; leaves
    /// dE_i/d(r_k − r_i) in `gradient[k]`. Only terms in `terms` contribute.
    @inline(__always) func atomEnergy(species: Int, count: Int, terms: Range<Int>) -> T {
        for k in 0..<count { gradient[k] = .zero }
        let env = AtomEnvironment(count: count, species: species, r: r, u: u, inverseR: inverseR, selection: selection, legendre: legendre)
        var energy = T(0)
        for t in terms {
            energy += kernels[t].atomEnergy(UnsafePointer(parameters + ranges[t].lowerBound), env, gradient, scratch)
        }
        return energy
    }

    /// Loads neighbour k of the current atom: displacement d = r_j − r_i.
    @inline(__always) func setNeighbour(_ k: Int, displacement d: SIMD3<Double>) {
        let distance = (d * d).sum().squareRoot()
        let inverse = 1 / distance
        r[k] = distance
        inverseR[k] = inverse
        u[k] = d * inverse
    }

    /// Energy, per-atom energies, forces and virial of a structure.
    /// `species[i]` indexes the model's elements; `terms` restricts the sum (all by default).
    @_specialize(exported: true, where T == Double)
    @_specialize(exported: true, where T == Dual)
    public func evaluate(species: [Int], neighbours: NeighbourList, terms: Range<Int>? = nil) -> Prediction<T> {
        let terms = terms ?? 0..<kernels.count
        let n = species.count
        var prediction = Prediction<T>(atoms: n)
        var virial = [T](repeating: T(0), count: 6)
        prediction.forces.withUnsafeMutableBufferPointer { forces in
            let cutoff2 = cutoff * cutoff
            for i in 0..<n {
                let range = neighbours.neighbours(of: i)
                reserve(range.count)
                var count = 0
                for k in range {
                    let d = neighbours.delta[k]
                    if (d * d).sum() < cutoff2 {
                        setNeighbour(count, displacement: d)
                        source[count] = k
                        count += 1
                    }
                }
                let energy = atomEnergy(species: species[i], count: count, terms: terms)
                prediction.atomEnergies[i] = energy
                prediction.energy += energy
                for c in 0..<count {
                    let k = source[c]
                    let d = neighbours.delta[k], g = gradient[c]
                    let j = Int(neighbours.index[k])
                    forces[i].add(g)
                    forces[j].subtract(g)
                    // W = −Σ d ⊗ ∂E/∂d (Voigt xx yy zz yz xz xy)
                    virial[0] -= g.x * d.x; virial[1] -= g.y * d.y; virial[2] -= g.z * d.z
                    virial[3] -= g.z * d.y; virial[4] -= g.z * d.x; virial[5] -= g.y * d.x
                }
            }
        }
        prediction.virial = virial
        return prediction
    }
}

/// What a model predicts for one structure.
public struct Prediction<T: ModelScalar> {
    /// Total energy (eV).
    public var energy: T
    /// E_i (eV); they sum to `energy`.
    public var atomEnergies: [T]
    /// Forces (eV/Å).
    public var forces: [Vector3<T>]
    /// Virial W = −∂E/∂ε (eV), Voigt order xx yy zz yz xz xy; stress σ = −W/V.
    public var virial: [T]

    init(atoms: Int) {
        energy = T(0)
        atomEnergies = [T](repeating: T(0), count: atoms)
        forces = [Vector3<T>](repeating: .zero, count: atoms)
        virial = [T](repeating: T(0), count: 6)
    }
}

extension Prediction where T == Double {
    /// Forces as plain vectors.
    public var forceVectors: [Vec3] { forces.map(\.values) }
    /// σ = −W/V in eV/Å³ (positive = tensile), the convention of `Structure.stress`.
    public func stress(volume: Double) -> SymmetricTensor { SymmetricTensor(voigt: virial.map { -$0 / volume }) }
}

extension CompositeModel {
    /// Energy, forces and stress of one structure at the model's parameters (convenience;
    /// loops over many structures should keep one evaluator and neighbour lists).
    public func predict(_ structure: Structure) throws -> Prediction<Double> {
        let species = try speciesIndices(of: structure)
        let evaluator = ModelEvaluator<Double>(model: self)
        return evaluator.evaluate(species: species, neighbours: NeighbourList(structure, cutoff: cutoff))
    }
}
