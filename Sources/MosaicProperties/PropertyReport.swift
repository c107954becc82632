import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// The property table of a model against DFT references derived from the data.
///
/// References (all from the shipped DFT data, nothing from memory):
/// - C11, C12: slopes of σ against ε = sym(A0⁻¹A) − I over the strained cells with |ε| ≤ 2%;
/// - C44: curvature of the DFT energy against the shear γ over the sheared cells with |γ| ≤ 2% (the energies a
///   conservative model reproduces; the DFT shear stresses of Nb disagree with them), the model's from its stresses;
/// - bulk modulus: (C11 + 2 C12)/3 of those slopes;
/// - lattice constant: the unstrained cell, corrected by its residual pressure: a0 (1 − P/(3B));
/// - energy per atom at equilibrium: the unstrained cell's energy per atom;
/// - surface energies: (E_slab − N e_bulk)/2A with the DFT slab energies and e_bulk of the unstrained cell.
/// The vacancy formation energy and the other lattices' energies (fcc, hcp, A15 against bcc) have no reference in
/// the data; the latter take theirs from a `PhaseReferences` file when one is given.
public struct PropertyReport: Codable, Sendable {
    public var entries: [PropertyEntry]
    /// Model equation of state: volumes (Å³/atom) and energies (eV/atom).
    public var eosVolumes: [Double]
    public var eosEnergies: [Double]
    /// DFT equilibrium point (Å³/atom, eV/atom).
    public var referenceVolume: Double
    public var referenceEnergy: Double
    /// The relaxed slabs and vacancy cell behind the relaxed entries, by entry name (not saved):
    /// `PropertyGradients` differentiates at these geometries instead of relaxing again.
    public var relaxedStructures: [String: Structure] = [:]
    /// The strained DFT cells behind the elastic constants: volume (Å³/atom), DFT and model energy (eV/atom)
    /// (not saved; drawn beside the equation of state).
    public var strainedCells: [(volume: Double, dft: Double, model: Double)] = []
    /// The model's bcc E(V) over the volumes of the equation of state and of the strained cells, for plots
    /// (not saved).
    public var energyVolumeCurve: [(volume: Double, energy: Double)] = []

    enum CodingKeys: String, CodingKey { case entries, eosVolumes, eosEnergies, referenceVolume, referenceEnergy }

    public init(
        entries: [PropertyEntry], eosVolumes: [Double], eosEnergies: [Double], referenceVolume: Double,
        referenceEnergy: Double
    ) {
        self.entries = entries
        self.eosVolumes = eosVolumes
        self.eosEnergies = eosEnergies
        self.referenceVolume = referenceVolume
        self.referenceEnergy = referenceEnergy
    }

    /// The unstrained cubic cell among the strained cells (the reference of every strain).
    public static func unstrainedCell(_ elastic: [Structure]) throws -> Structure {
        guard
            let cell = elastic.first(where: { s in
                let c = s.cell
                return abs(c.a.x - c.b.y) < 1e-9 && abs(c.b.y - c.c.z) < 1e-9
                    && abs(c.a.y) + abs(c.a.z) + abs(c.b.x) + abs(c.b.z) + abs(c.c.x) + abs(c.c.y) < 1e-9
            })
        else {
            throw MosaicError(
                "no unstrained cubic cell among the strained cells",
                fix: "pass the element's strained cells including the zero-strain cell (the *_Elastic data sets)")
        }
        return cell
    }

    /// The design loop's properties of several elements at once: `elastic` and `surfaces` may hold the cells of
    /// several elements; each element's strained cells (and its own slabs) give one report without the vacancy,
    /// and the entries of all are pooled (so `PropertyScore` counts each kind of property once, as the RMS over the
    /// elements). The first element's equation of state is kept. Throws if any element has no stable bcc lattice.
    public static func pooled(
        model: CompositeModel, elastic: [Structure], surfaces: [Structure], phases: PhaseReferences? = nil
    ) throws -> PropertyReport {
        var order: [String] = []
        for s in elastic where !order.contains(s.elements[0].symbol) { order.append(s.elements[0].symbol) }
        var pooled: PropertyReport? = nil
        for symbol in order {
            let report = try compute(
                model: model, elastic: elastic.filter { $0.elements[0].symbol == symbol },
                surfaces: surfaces.filter { $0.elements.first?.symbol == symbol }, vacancyCells: 0, phases: phases)
            if pooled == nil { pooled = report } else { pooled!.entries += report.entries }
        }
        guard let pooled else { throw MosaicError("no strained cells", fix: "give strained cells for the score") }
        return pooled
    }

    /// `vacancyCells` = 0 skips the vacancy (the design loop does not score it). `phases` gives the other lattices'
    /// energies their DFT references.
    public static func compute(
        model: CompositeModel, elastic: [Structure], surfaces: [Structure],
        vacancyCells: Int = 4, phases: PhaseReferences? = nil, progress: (String) -> Void = { _ in }
    ) throws -> PropertyReport {
        let unstrained = try unstrainedCell(elastic)
        // The element of the strained cells (a multi-element model's first element need not be it).
        let calculator = PropertyCalculator(model: model, element: unstrained.elements[0])
        guard let referenceEnergyTotal = unstrained.energy else {
            throw MosaicError(
                location: unstrained.source, "the unstrained cell has no DFT energy", fix: "use data with energies")
        }
        let aReference = unstrained.cell.a.x
        let eBulkDFT = referenceEnergyTotal / Double(unstrained.count)
        progress("elastic constants (DFT and model, same \(elastic.count) cells)")
        let dft = try CubicElasticConstants.fit(cells: elastic, reference: unstrained.cell, maxStrain: 0.02) { s in
            guard let stress = s.stress else {
                throw MosaicError(location: s.source, "strained cell without stress", fix: "use data with stresses")
            }
            return stress
        }
        let modelElastic = try CubicElasticConstants.fit(cells: elastic, reference: unstrained.cell, maxStrain: 0.02) {
            s in
            try model.predict(s).stress(volume: s.volume)
        }
        // The DFT C44 comes from the energies: a model's stress is its energy's strain derivative, so no model
        // can follow DFT shear stresses that disagree with DFT's own energies (Nb: 2.4 against 14.7 GPa).
        let c44DFT = try CubicElasticConstants.shearModulusFromEnergies(
            cells: elastic, reference: unstrained, maxStrain: 0.02
        ) { s in
            guard let energy = s.energy else {
                throw MosaicError(location: s.source, "strained cell without energy", fix: "use data with energies")
            }
            return energy / Double(s.count)
        }
        let aDFT = aReference * (1 - dft.referencePressure / (3 * dft.bulkModulus))
        progress("lattice constant, equation of state")
        let a0 = try calculator.latticeConstant(guess: aReference)
        let eos = try calculator.equationOfState(a0: a0)
        let fromData = "\(groupName(of: elastic)) stress–strain, |ε| ≤ 2%"
        var entries = [
            PropertyEntry(
                name: "lattice constant", unit: "Å", model: a0, reference: aDFT,
                referenceSource:
                    "unstrained DFT cell, corrected by its pressure"
                    + " \(String(format: "%.3f", dft.referencePressure)) GPa"
            ),
            PropertyEntry(
                name: "energy at equilibrium", unit: "eV/atom", model: try calculator.bccEnergy(a: a0),
                reference: eBulkDFT,
                referenceSource: "unstrained DFT cell"),
            PropertyEntry(
                name: "bulk modulus (EOS)", unit: "GPa", model: eos.bulkModulus, reference: dft.bulkModulus,
                referenceSource: "(C11 + 2 C12)/3, " + fromData),
            PropertyEntry(
                name: "C11", unit: "GPa", model: modelElastic.c11, reference: dft.c11, referenceSource: fromData),
            PropertyEntry(
                name: "C12", unit: "GPa", model: modelElastic.c12, reference: dft.c12, referenceSource: fromData),
            PropertyEntry(
                name: "C44", unit: "GPa", model: modelElastic.c44, reference: c44DFT,
                referenceSource:
                    "\(groupName(of: elastic)) energy–shear curvature, |γ| ≤ 2% (DFT's shear stresses give "
                    + String(format: "%.1f", dft.c44) + " GPa)"),
        ]
        let eBulkModelAtDFTLattice = try calculator.bccEnergy(a: aReference)
        var relaxedStructures: [String: Structure] = [:]
        for slab in surfaces {
            guard let energy = slab.energy else { continue }
            let facet = PropertyCalculator.facetName(slab)
            progress("surface (\(facet)): relaxing \(slab.count) atoms")
            let relaxed = try calculator.relaxation.relax(slab, model: model)
            relaxedStructures["surface (\(facet))"] = relaxed.structure
            entries.append(
                PropertyEntry(
                    name: "surface (\(facet))", unit: "J/m²",
                    model: PropertyCalculator.surfaceEnergy(
                        slab: slab, energy: relaxed.energy, bulkEnergyPerAtom: eBulkModelAtDFTLattice),
                    reference: PropertyCalculator.surfaceEnergy(
                        slab: slab, energy: energy, bulkEnergyPerAtom: eBulkDFT),
                    referenceSource: "relaxed DFT slab (\(groupName(of: [slab]))) vs unstrained bulk cell"))
        }
        if vacancyCells > 0 {
            progress("vacancy (\(2 * vacancyCells * vacancyCells * vacancyCells) sites, relaxed)")
            let vacancy = try calculator.vacancyFormationEnergy(a0: a0, cells: vacancyCells)
            relaxedStructures["vacancy formation"] = vacancy.relaxed
            entries.append(
                PropertyEntry(
                    name: "vacancy formation", unit: "eV", model: vacancy.energy, reference: nil,
                    referenceSource: "no reference in the data"))
        }
        for phase in try calculator.phaseDifferences(a0: a0) {
            let reference = phases?.difference(element: calculator.element.symbol, phase: phase.name)
            entries.append(
                PropertyEntry(
                    name: "E(\(phase.name)) − E(bcc)", unit: "eV/atom", model: phase.energy, reference: reference,
                    referenceSource: reference == nil
                        ? "no reference in the data (bcc must be lower: positive; give --phases)" : phases!.source))
        }
        // The isolated atom: all interaction terms vanish, leaving the reference energy.
        let isolated = try model.predict(
            Structure(
                cell: Matrix3.identity, pbc: [false, false, false], positions: [Vec3(0, 0, 0)],
                elements: [calculator.element])
        ).energy
        entries.append(
            PropertyEntry(
                name: "cohesive energy", unit: "eV/atom", model: isolated - (try calculator.bccEnergy(a: a0)),
                reference: nil,
                referenceSource:
                    "not constrained: the data have no isolated atom, so the model's isolated-atom energy is free"))
        var report = PropertyReport(
            entries: entries, eosVolumes: eos.volumes, eosEnergies: eos.energies,
            referenceVolume: aDFT * aDFT * aDFT / 2, referenceEnergy: eBulkDFT)
        report.relaxedStructures = relaxedStructures
        report.strainedCells = try elastic.compactMap { cell in
            guard let energy = cell.energy else { return nil }
            let n = Double(cell.count)
            return (cell.volume / n, energy / n, try model.predict(cell).energy / n)
        }
        let volumes = eos.volumes + report.strainedCells.map(\.volume)
        if let low = volumes.min(), let high = volumes.max() {
            report.energyVolumeCurve = try (0...40).map { k in
                let v = low + (high - low) * Double(k) / 40
                return (v, try calculator.bccEnergy(a: pow(2 * v, 1.0 / 3)))
            }
        }
        return report
    }

    /// A fixed-width table: property, model (± σ when `sigmas` has the property, marked * when
    /// `flagged`), DFT, error, error %.
    public func table(sigmas: [String: Double] = [:], flagged: Set<String> = []) -> String {
        let columns =
            sigmas.isEmpty
            ? ["unit", "model", "DFT", "error", "error %"] : ["unit", "model", "± σ", "DFT", "error", "error %"]
        let widths = sigmas.isEmpty ? [9, 12, 12, 11, 9] : [9, 12, 10, 12, 11, 9]
        var lines = [TextTable.pad("property", 24) + TextTable.right(columns, widths)]
        lines.append(String(repeating: "-", count: lines[0].count))
        for e in entries {
            var cells = [e.unit, String(format: "%.4f", e.model)]
            if !sigmas.isEmpty {
                cells.append(
                    sigmas[e.name].map { String(format: "%.4f", $0) + (flagged.contains(e.name) ? "*" : "") } ?? "–")
            }
            cells += [
                e.reference.map { String(format: "%.4f", $0) } ?? "–",
                e.absoluteError.map { String(format: "%+.4f", $0) } ?? "–",
                e.relativeError.map { String(format: "%+.1f", 100 * $0) } ?? "–",
            ]
            lines.append(TextTable.pad(e.name, 24) + TextTable.right(cells, widths))
        }
        return lines.joined(separator: "\n")
    }
}

/// The top-level group the structures come from ("Nb_Elastic"), or "the data" when they are mixed.
func groupName(of structures: [Structure]) -> String {
    let tops = Set(structures.map { String($0.group.split(separator: "/").first ?? "") })
    return tops.count == 1 ? tops.first! : "the data"
}
