import MosaicCore

/// Energies, forces and virial of a composite model, generic over the scalar (`Double`, or
/// `Dual` for parameter derivatives). One instance per thread: it owns its scratch space.
///
/// One evaluation core serves every path: neighbours of an atom are loaded (`load`), the atom's
/// energy and its gradient with respect to each neighbour's displacement are computed by the
/// terms' kernels, and the pair contributions are handed to a sink (`finishAtom`). The Swift
/// fitter (periodic images as neighbours, `evaluate(species:neighbours:)`) and the LAMMPS pair
/// style (ghost atoms, `evaluate(_:into:)`) differ only in how they read neighbours and where
/// the sink writes.
public final class ModelEvaluator<T: ModelScalar> {
    let kernels: [any TermKernel]
    let ranges: [Range<Int>]
    let transforms: [ParameterTransform]
    /// The neighbour-list cutoff (Å): the largest pair cutoff.
    public let cutoff: Double
    /// Number of species (the model's elements).
    let speciesCount: Int
    /// Squared cutoff of each (centre, neighbour) species pair, row-major.
    let pairCutoffSquared: [Double]
    let parameters: UnsafeMutablePointer<T>
    let parameterCount: Int
    let scratchPerNeighbour: Int
    let scratchFixed: Int
    let legendreCount: Int
    /// The ZBL core's switch, if the model has a core: it screens the terms marked in `isScreened`.
    let screening: CoreScreening?
    /// Terms whose energy the core switches off at short range (all but `isKeptInsideCore` ones).
    let isScreened: [Bool]

    /// Only per-atom energies are wanted (forces and virial of this evaluator's results are then not valid):
    /// kernels that can skip their position gradients do (the three-body sums).
    public var energyOnly = false

    private(set) var capacity = 0
    var r: UnsafeMutablePointer<Double>
    var u: UnsafeMutablePointer<SIMD3<Double>>
    var delta: UnsafeMutablePointer<SIMD3<Double>>
    var inverseR: UnsafeMutablePointer<Double>
    var neighbourSpecies: UnsafeMutablePointer<Int32>
    var gradient: UnsafeMutablePointer<Vector3<T>>
    var scratch: UnsafeMutablePointer<T>
    var scratchCount = 0
    var selection: UnsafeMutablePointer<Int>
    /// Which atom each loaded neighbour is.
    var source: UnsafeMutablePointer<Int>
    var legendre: UnsafeMutablePointer<Double>
    /// Neighbours inside the core's outer radius: index, switch value and slope.
    var screenedNeighbour: UnsafeMutablePointer<Int>
    var screenedSwitch: UnsafeMutablePointer<Double>
    var screenedSlope: UnsafeMutablePointer<Double>
    /// How many of them the atom of the last `forEachLinearColumn` has.
    var screenedCount = 0

    /// An evaluator for `model` at its own (natural) parameter values.
    public convenience init(model: CompositeModel) {
        self.init(model: model, internalParameters: model.internalParameters.map { T($0) })
    }

    /// An evaluator at internal parameters θ (as the optimiser sees them).
    public init(model: CompositeModel, internalParameters theta: [T]) {
        kernels = model.terms.map { $0.makeKernel(elements: model.elements) }
        let core = model.terms.compactMap { $0.as(ZBLCoreTerm.self) }.first
        screening = core?.screening(elements: model.elements)
        isScreened = model.terms.map { core != nil && !$0.isKeptInsideCore }
        // Each term's parameter list once (they are built with their names).
        let specs = model.terms.map { $0.parameters(elements: model.elements) }
        var start = 0
        ranges = specs.map { term in
            defer { start += term.count }
            return start..<start + term.count
        }
        transforms = specs.flatMap { $0.map(\.transform) }
        cutoff = model.cutoff
        speciesCount = model.elements.count
        pairCutoffSquared = model.elements.flatMap { a in
            model.elements.map { b in
                let c = model.cutoff(between: a, b)
                return c * c
            }
        }
        parameterCount = transforms.count
        parameters = .allocate(capacity: max(parameterCount, 1))
        parameters.initialize(repeating: T(0), count: max(parameterCount, 1))
        let fixed = kernels.map { $0.scratchCount(neighbours: 0) }
        scratchFixed = fixed.max() ?? 0
        scratchPerNeighbour = zip(kernels, fixed).map { $0.scratchCount(neighbours: 1) - $1 }.max() ?? 0
        legendreCount = 4 * ((kernels.map(\.legendreOrder).max() ?? 0) + 1)
        legendre = .allocate(capacity: legendreCount)
        r = .allocate(capacity: 0)
        u = .allocate(capacity: 0)
        delta = .allocate(capacity: 0)
        inverseR = .allocate(capacity: 0)
        neighbourSpecies = .allocate(capacity: 0)
        gradient = .allocate(capacity: 0)
        scratch = .allocate(capacity: 0)
        selection = .allocate(capacity: 0)
        source = .allocate(capacity: 0)
        screenedNeighbour = .allocate(capacity: 0)
        screenedSwitch = .allocate(capacity: 0)
        screenedSlope = .allocate(capacity: 0)
        setParameters(internal: theta)
        reserve(64)
    }

    deinit {
        parameters.deinitialize(count: max(parameterCount, 1))
        parameters.deallocate()
        releaseWorkspace()
        legendre.deallocate()
    }

    /// Replaces the parameters (internal values θ).
    @_specialize(exported:true,where T == Double)
    @_specialize(exported:true,where T == Dual)
    public func setParameters(internal theta: [T]) {
        precondition(theta.count == parameterCount, "expected \(parameterCount) parameters, got \(theta.count)")
        for k in 0..<parameterCount { parameters[k] = transforms[k].natural(theta[k]) }
    }

    private func releaseWorkspace() {
        r.deallocate()
        u.deallocate()
        delta.deallocate()
        inverseR.deallocate()
        neighbourSpecies.deallocate()
        gradient.deinitialize(count: capacity)
        gradient.deallocate()
        scratch.deinitialize(count: scratchCount)
        scratch.deallocate()
        selection.deallocate()
        source.deallocate()
        screenedNeighbour.deallocate()
        screenedSwitch.deallocate()
        screenedSlope.deallocate()
    }

    /// Makes room for atoms with up to `neighbours` neighbours.
    @inline(__always) func reserve(_ neighbours: Int) {
        guard neighbours > capacity else { return }
        releaseWorkspace()
        capacity = max(neighbours, 2 * capacity)
        r = .allocate(capacity: capacity)
        u = .allocate(capacity: capacity)
        delta = .allocate(capacity: capacity)
        inverseR = .allocate(capacity: capacity)
        neighbourSpecies = .allocate(capacity: capacity)
        gradient = .allocate(capacity: capacity)
        gradient.initialize(repeating: .zero, count: capacity)
        scratchCount = max(capacity * scratchPerNeighbour + scratchFixed, 1)
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: T(0), count: scratchCount)
        selection = .allocate(capacity: capacity)
        source = .allocate(capacity: capacity)
        screenedNeighbour = .allocate(capacity: capacity)
        screenedSwitch = .allocate(capacity: capacity)
        screenedSlope = .allocate(capacity: capacity)
    }

    /// Loads atom `j` of species `s` at displacement d = r_j − r_i as neighbour `count` of a centre
    /// of species `centre`, if it lies within their pair cutoff (then `count` grows by one); returns
    /// the squared distance.
    @discardableResult @inline(__always) func load(
        _ count: inout Int, atom j: Int, species s: Int, displacement d: SIMD3<Double>, centre: Int
    ) -> Double {
        let distance2 = (d * d).sum()
        guard distance2 < pairCutoffSquared[centre * speciesCount + s] else { return distance2 }
        let distance = distance2.squareRoot()
        let inverse = 1 / distance
        r[count] = distance
        inverseR[count] = inverse
        u[count] = d * inverse
        delta[count] = d
        neighbourSpecies[count] = Int32(s)
        source[count] = j
        count += 1
        return distance2
    }

    /// E_i of an atom of `species` whose `count` neighbours are loaded; leaves dE_i/d(r_k − r_i)
    /// in `gradient[k]`. Only terms in `terms` contribute.
    @inline(__always) func atomEnergy(species: Int, count: Int, terms: Range<Int>) -> T {
        for k in 0..<count { gradient[k] = .zero }
        let env = environment(species: species, count: count)
        var energy = T(0)
        guard let screening else {
            for t in terms {
                energy += T.atomEnergy(
                    kernels[t], UnsafePointer(parameters + ranges[t].lowerBound), env, gradient, scratch)
            }
            return energy
        }
        for t in terms where isScreened[t] {
            energy += T.atomEnergy(kernels[t], UnsafePointer(parameters + ranges[t].lowerBound), env, gradient, scratch)
        }
        screen(&energy, species: species, count: count, by: screening)
        for t in terms where !isScreened[t] {
            energy += T.atomEnergy(kernels[t], UnsafePointer(parameters + ranges[t].lowerBound), env, gradient, scratch)
        }
        return energy
    }

    /// The kernels' view of a centre of `species` whose `count` neighbours are loaded.
    @inline(__always) func environment(species: Int, count: Int) -> AtomEnvironment {
        AtomEnvironment(
            count: count, species: species, neighbourSpecies: neighbourSpecies, r: r, u: u, inverseR: inverseR,
            selection: selection, legendre: legendre, energyOnly: energyOnly)
    }

    /// Multiplies the energy E (and its gradient) of the screened terms by S = Π_j s(r_j), the core's
    /// switch over the neighbours inside its outer radius: gradient_k ← S gradient_k + E ∂S/∂d_k.
    @inline(__always) func screen(_ energy: inout T, species: Int, count: Int, by screening: CoreScreening) {
        let (product, m) = coreSwitch(species: species, count: count, by: screening)
        guard m > 0 else { return }
        for k in 0..<count {
            gradient[k].x = gradient[k].x * product
            gradient[k].y = gradient[k].y * product
            gradient[k].z = gradient[k].z * product
        }
        for a in 0..<m {
            let k = screenedNeighbour[a]
            gradient[k].add(u[k], times: energy * screenedSlope[a])
        }
        energy = energy * product
    }

    /// The core's switch S = Π_j s(r_j) of a centre of `species` over its loaded neighbours inside the core's outer
    /// radius, and their number m; leaves those neighbours in `screenedNeighbour[0..<m]` and ∂S/∂r there (along u)
    /// in `screenedSlope[0..<m]`.
    @inline(__always) func coreSwitch(species: Int, count: Int, by screening: CoreScreening) -> (Double, Int) {
        var m = 0
        var product = 1.0
        for k in 0..<count where r[k] < screening.largestOuter {
            let pair = screening.pair(species, Int(neighbourSpecies[k]))
            guard r[k] < pair.outer else { continue }
            let (s, ds) = pair.switch(r[k])
            screenedNeighbour[m] = k
            screenedSwitch[m] = s
            screenedSlope[m] = ds
            product *= s
            m += 1
        }
        for a in 0..<m {
            // ∂S/∂r_a = s′_a Π_{b≠a} s_b (no division: s_b may be 0).
            var others = 1.0
            for b in 0..<m where b != a { others *= screenedSwitch[b] }
            screenedSlope[a] *= others
        }
        return (product, m)
    }

    /// The evaluation core: the energy of centre `i` from its loaded neighbours, and every pair
    /// contribution (force and virial) handed to `sink`.
    @inline(__always) func finishAtom<Sink: EvaluationSink>(
        _ i: Int, species: Int, count: Int, terms: Range<Int>, into sink: inout Sink
    ) where Sink.Scalar == T {
        let energy = atomEnergy(species: species, count: count, terms: terms)
        sink.addEnergy(energy, atom: i)
        guard !energyOnly else { return }
        for c in 0..<count { sink.addPair(i, source[c], gradient: gradient[c], displacement: delta[c]) }
    }

    /// Energy, per-atom energies, forces and virial of a structure.
    /// `species[i]` indexes the model's elements; `terms` restricts the sum (all by default).
    @_specialize(exported:true,where T == Double)
    @_specialize(exported:true,where T == Dual)
    public func evaluate(species: [Int], neighbours: NeighbourList, terms: Range<Int>? = nil) -> Prediction<T> {
        let terms = terms ?? 0..<kernels.count
        var sink = PredictionSink<T>(atoms: species.count)
        for i in 0..<species.count {
            let count = loadNeighbours(of: i, species: species, neighbours: neighbours)
            finishAtom(i, species: species[i], count: count, terms: terms, into: &sink)
        }
        return sink.prediction
    }

    /// Loads the neighbours of atom i of a structure (periodic images as neighbours); returns their number.
    @inline(__always) func loadNeighbours(of i: Int, species: [Int], neighbours: NeighbourList) -> Int {
        let range = neighbours.neighbours(of: i)
        reserve(range.count)
        var count = 0
        for k in range {
            let j = Int(neighbours.index[k])
            load(&count, atom: j, species: species[j], displacement: neighbours.delta[k], centre: species[i])
        }
        return count
    }
}

/// Where the evaluation core puts each atom's energy and each pair's contribution.
protocol EvaluationSink {
    associatedtype Scalar: ModelScalar
    mutating func addEnergy(_ energy: Scalar, atom i: Int)
    /// Neighbour j of centre i contributes g = ∂E_i/∂d, d = r_j − r_i: force +g on i, −g on j, and
    /// the virial −d ⊗ g (`pairVirial`).
    mutating func addPair(_ i: Int, _ j: Int, gradient g: Vector3<Scalar>, displacement d: SIMD3<Double>)
}

/// The virial W = −d ⊗ g of one pair in Voigt order (xx, yy, zz, yz, xz, xy), the one order the
/// core uses; writers to other layouts (LAMMPS: xx, yy, zz, xy, xz, yz) permute it.
@inline(__always)
func pairVirial<T: ModelScalar>(_ g: Vector3<T>, _ d: SIMD3<Double>) -> (T, T, T, T, T, T) {
    (-(g.x * d.x), -(g.y * d.y), -(g.z * d.z), -(g.z * d.y), -(g.z * d.x), -(g.y * d.x))
}

/// Collects a `Prediction` (the fitter's path).
struct PredictionSink<T: ModelScalar>: EvaluationSink {
    var prediction: Prediction<T>

    init(atoms: Int) { prediction = Prediction(atoms: atoms) }

    @inline(__always) mutating func addEnergy(_ energy: T, atom i: Int) {
        prediction.atomEnergies[i] = energy
        prediction.energy += energy
    }

    @inline(__always) mutating func addPair(_ i: Int, _ j: Int, gradient g: Vector3<T>, displacement d: SIMD3<Double>) {
        prediction.forces[i].add(g)
        prediction.forces[j].subtract(g)
        let v = pairVirial(g, d)
        prediction.virial[0] += v.0
        prediction.virial[1] += v.1
        prediction.virial[2] += v.2
        prediction.virial[3] += v.3
        prediction.virial[4] += v.4
        prediction.virial[5] += v.5
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
