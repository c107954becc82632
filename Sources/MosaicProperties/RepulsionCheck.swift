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

        public var description: String {
            String(
                format: "%@: energy falls from %.4g to %.4g %@ between %.2f and %.2f Å (term '%@' pulls it down)",
                structure as NSString, energyFrom, energyTo, (perAtom ? "eV/atom" : "eV") as NSString, from, to,
                term as NSString)
        }
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
            let dimer = { (r: Double) in
                Structure(
                    cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0), Vec3(r, 0, 0)],
                    elements: [a, b])
            }
            if let failure = try scan("\(key) dimer", from: start, to: 0.5, perAtom: false, dimer) {
                failures.append(failure)
            }
            let name = i == j ? "bcc \(a.symbol)" : "B2 \(a.symbol)\(b.symbol)"
            let cubic = { (lattice: Double) in
                Structure(
                    cell: Matrix3.diagonal(Vec3(repeating: lattice)),
                    positions: [Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5) * lattice],
                    elements: [a, b])
            }
            if let failure = try scan(name, from: 3.0, to: 1.0, perAtom: true, cubic) { failures.append(failure) }
        }
        return failures
    }

    /// Whether the model repels everywhere checked (`failures` empty; a check that cannot run does not pass).
    public func repels(shortest: [String: Double] = [:]) -> Bool {
        (try? failures(shortest: shortest).isEmpty) ?? false
    }

    /// `repels` as a condition on models (`Trainer.constraint`).
    public static func constraint(shortest: [String: Double]) -> (CompositeModel) -> Bool {
        { RepulsionCheck(model: $0).repels(shortest: shortest) }
    }

    /// The first step (of 0.01 Å, from `from` down to `to`) where the energy does not rise.
    private func scan(
        _ name: String, from: Double, to: Double, perAtom: Bool, _ structure: (Double) -> Structure
    ) throws -> Failure? {
        let evaluator = ModelEvaluator<Double>(model: model)
        evaluator.energyOnly = true  // energies only: the three-body sums skip their position gradients
        func energy(_ x: Double, terms: Range<Int>? = nil) throws -> Double {
            let s = structure(x)
            let e = evaluator.evaluate(
                species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff),
                terms: terms
            ).energy
            return perAtom ? e / Double(s.count) : e
        }
        let steps = Int(((from - to) / 0.01).rounded(.down))
        var x = from
        var e = try energy(x)
        for _ in 0..<steps {
            let next = x - 0.01
            let en = try energy(next)
            if !(en > e) {
                let changes = try model.terms.indices.map { t in
                    try energy(next, terms: t..<t + 1) - energy(x, terms: t..<t + 1)
                }
                let worst = changes.indices.min { changes[$0] < changes[$1] }!
                return Failure(
                    structure: name, from: x, to: next, energyFrom: e, energyTo: en, term: model.terms[worst].name,
                    perAtom: perAtom)
            }
            x = next
            e = en
        }
        return nil
    }
}
