import Foundation
import MosaicCore
import MosaicModel

/// Checks that a model repels at short range: for every element pair, the dimer energy rises
/// strictly as the atoms approach, from the data's shortest distance down to 0.5 Å; for every
/// element (bcc) and every pair of elements (B2, CsCl order), the energy per atom rises strictly as
/// the lattice constant shrinks from 3.0 Å to 1.0 Å. Steps of 0.01 Å.
public struct RepulsionCheck {
    /// One place where the energy falls instead of rising as atoms approach.
    public struct Failure: CustomStringConvertible, Sendable {
        /// "Nb-Nb dimer" or "bcc Nb" or "B2 MoNb".
        public var structure: String
        /// The two distances or lattice constants (Å), larger first, and the energies there (a dimer's total in eV,
        /// a crystal's per atom).
        public var from: Double
        public var to: Double
        public var energyFrom: Double
        public var energyTo: Double
        /// The term whose energy falls most over the step.
        public var term: String
        /// Whether the energies are per atom (crystals) or totals (dimers).
        public var perAtom = true
        /// The scan step that failed (`rise(over:)` measures it on any model of the same elements).
        public var step: ScanStep

        public var description: String {
            String(
                format: "%@: energy falls from %.4g to %.4g %@ between %.2f and %.2f Å (term '%@' pulls it down)",
                structure as NSString, energyFrom, energyTo, (perAtom ? "eV/atom" : "eV") as NSString, from, to,
                term as NSString)
        }
    }

    /// One 0.01 Å step of a scan: the structure of element pair (`first`, `second`) (indices into the model's
    /// elements) at `from` and at `from` − 0.01 Å; a dimer (distance) or a crystal (bcc or B2, lattice constant).
    public struct ScanStep: Hashable, Sendable {
        public var first: Int
        public var second: Int
        public var crystal: Bool
        public var from: Double
    }

    public let model: CompositeModel

    public init(model: CompositeModel) { self.model = model }

    /// Every failure (empty when the model repels everywhere checked). `shortest` gives the data's
    /// shortest distance per pair (`pairKey`); pairs it lacks start the dimer scan at 3.0 Å. A dimer
    /// scan starts at the core's outer radius instead when that is shorter: a dimer may bind where the
    /// data say nothing (a real Nb₂ bond is 2.1 Å), but inside the core it must repel.
    public func failures(shortest: [String: Double] = [:]) throws -> [Failure] {
        var failures: [Failure] = []
        let elements = model.elements
        let core = model.terms.lazy.compactMap { $0.as(ZBLCoreTerm.self) }.first
        for (i, j) in elementPairs(elements) {
            let a = elements[i]
            let b = elements[j]
            let key = pairKey(a, b)
            let start = min(shortest[key] ?? 3.0, core?.radii(between: a, b).outer ?? .infinity)
            let dimer = ScanStep(first: i, second: j, crystal: false, from: start)
            if let failure = try scan("\(key) dimer", dimer, to: 0.5) { failures.append(failure) }
            let name = i == j ? "bcc \(a.symbol)" : "B2 \(a.symbol)\(b.symbol)"
            let cubic = ScanStep(first: i, second: j, crystal: true, from: 3.0)
            if let failure = try scan(name, cubic, to: 1.0) { failures.append(failure) }
        }
        return failures
    }

    /// Whether the model repels everywhere checked (`failures` empty; a check that cannot run does not pass).
    public func repels(shortest: [String: Double] = [:]) -> Bool {
        (try? failures(shortest: shortest).isEmpty) ?? false
    }

    /// How much the energy rises over one scan step (eV for a dimer, eV/atom for a crystal): positive where the
    /// model repels there.
    public func rise(over step: ScanStep) throws -> Double {
        let evaluator = ModelEvaluator<Double>(model: model)
        evaluator.energyOnly = true
        return try energy(step, at: step.from - 0.01, evaluator) - energy(step, at: step.from, evaluator)
    }

    /// `repels` as a condition on models (`Trainer.constraint`): its places are the failing scan steps, its slack
    /// their rise, so that a fit held to it can slide along it, keeping a rise of at least 1e-4 eV (per atom) per
    /// 0.01 Å step where it bends (a slope of 0.01 eV/Å).
    public static func constraint(shortest: [String: Double]) -> ModelConstraint {
        ModelConstraint(
            failing: { model in
                guard let failures = try? RepulsionCheck(model: model).failures(shortest: shortest) else {
                    return ["the repulsion check could not run"]
                }
                return failures.map { AnyHashable($0.step) }
            },
            slack: { place, model in
                guard let step = place.base as? ScanStep else { return -.infinity }
                return (try? RepulsionCheck(model: model).rise(over: step)) ?? -.infinity
            }, margin: 1e-4)
    }

    /// The structure of a scan step's pair at `x` (dimer distance or lattice constant, Å).
    func structure(_ step: ScanStep, at x: Double) -> Structure {
        let elements = [model.elements[step.first], model.elements[step.second]]
        if step.crystal {
            return Structure(
                cell: Matrix3.diagonal(Vec3(repeating: x)), positions: [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5) * x],
                elements: elements)
        }
        return Structure(
            cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(x, 0, 0)],
            elements: elements)
    }

    /// The energy of a scan step's structure at `x` (per atom for a crystal), of `terms` or all.
    func energy(_ step: ScanStep, at x: Double, _ evaluator: ModelEvaluator<Double>, terms: Range<Int>? = nil)
        throws -> Double
    {
        let s = structure(step, at: x)
        let e = evaluator.evaluate(
            species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff), terms: terms
        ).energy
        return step.crystal ? e / Double(s.count) : e
    }

    /// The first step (of 0.01 Å, from `start.from` down to `to`) where the energy does not rise.
    private func scan(_ name: String, _ start: ScanStep, to: Double) throws -> Failure? {
        let evaluator = ModelEvaluator<Double>(model: model)
        evaluator.energyOnly = true  // energies only: the three-body sums skip their position gradients
        let steps = Int(((start.from - to) / 0.01).rounded(.down))
        var step = start
        var e = try energy(step, at: step.from, evaluator)
        for _ in 0..<steps {
            let next = step.from - 0.01
            let en = try energy(step, at: next, evaluator)
            if !(en > e) {
                let changes = try model.terms.indices.map { t in
                    try energy(step, at: next, evaluator, terms: t..<t + 1)
                        - energy(step, at: step.from, evaluator, terms: t..<t + 1)
                }
                let worst = changes.indices.min { changes[$0] < changes[$1] }!
                return Failure(
                    structure: name, from: step.from, to: next, energyFrom: e, energyTo: en,
                    term: model.terms[worst].name, perAtom: step.crystal, step: step)
            }
            step.from = next
            e = en
        }
        return nil
    }
}
