import Foundation
import MosaicCore
import MosaicModel

/// Formation (mixing) energies of alloy cells against each element's bcc reference, by DFT and by the
/// model on the same geometries: E_f = (E − Σ_e n_e ε_e) / N, with ε_e the energy per atom of element e's
/// unstrained bcc cell (DFT: its energy; model: its prediction of that cell). Cells tagged `relax`
/// (the DFT-relaxed cells of the MVL solid-solution sets) are used when any cell is tagged so; otherwise
/// every cell with an energy.
public struct MixingEnergies: Sendable, Encodable {
    /// One composition: the mean formation energies of its cells (eV/atom) and the RMS model − DFT difference.
    public struct Row: Sendable, Encodable {
        public var composition: String
        /// Atom fraction of the first element of `elements`.
        public var fraction: Double
        public var cells: Int
        public var dft: Double
        public var model: Double
        public var rmse: Double
    }

    /// The alloy's elements in alphabetical order (fractions are of the first).
    public var elements: [String]
    public var rows: [Row]
    /// Every cell: fraction, DFT and model formation energy (eV/atom).
    public var cells: [Cell]

    public struct Cell: Sendable, Encodable {
        public var fraction: Double
        public var dft: Double
        public var model: Double
    }

    /// `references`: each element's strained cells (its unstrained cubic cell is the reference).
    public static func compute(model: CompositeModel, cells: [Structure], references: [[Structure]]) throws
        -> MixingEnergies
    {
        var reference: [String: (dft: Double, model: Double)] = [:]
        for set in references {
            let cell = try PropertyReport.unstrainedCell(set)
            guard let energy = cell.energy, Set(cell.elements).count == 1 else {
                throw MosaicError(
                    location: cell.source, "the reference cell needs a DFT energy and one element",
                    fix: "give each element's strained cells (e.g. data/nb/Nb_Elastic.json) with --references")
            }
            let n = Double(cell.count)
            reference[cell.elements[0].symbol] = (energy / n, try model.predict(cell).energy / n)
        }
        let tagged = cells.filter { ($0.info["tags"] ?? "").split(separator: ",").contains("relax") }
        let used = (tagged.isEmpty ? cells : tagged).filter { $0.energy != nil }
        let elements = Set(used.flatMap { $0.elements.map(\.symbol) }).sorted()
        guard elements.count >= 2 else {
            throw MosaicError(
                location: "--mixing", "the cells hold \(elements.count) element(s)", fix: "give alloy cells")
        }
        if let missing = elements.first(where: { reference[$0] == nil }) {
            throw MosaicError(
                location: "--references", "no reference cell of \(missing)",
                fix: "add \(missing)'s strained cells (its *_Elastic data) to --references")
        }
        var byComposition: [String: [Cell]] = [:]
        var fractionOf: [String: Double] = [:]
        var all: [Cell] = []
        for s in used {
            let counts = elements.map { e in s.elements.filter { $0.symbol == e }.count }
            let n = Double(s.count)
            let dftReference = zip(elements, counts).reduce(0) { $0 + Double($1.1) * reference[$1.0]!.dft }
            let modelReference = zip(elements, counts).reduce(0) { $0 + Double($1.1) * reference[$1.0]!.model }
            let cell = Cell(
                fraction: Double(counts[0]) / n, dft: (s.energy! - dftReference) / n,
                model: (try model.predict(s).energy - modelReference) / n)
            let name = zip(elements, counts).filter { $0.1 > 0 }.map { "\($0.0)\($0.1)" }.joined()
            byComposition[name, default: []].append(cell)
            fractionOf[name] = cell.fraction
            all.append(cell)
        }
        let rows = byComposition.map { name, cells -> Row in
            let k = Double(cells.count)
            return Row(
                composition: name, fraction: fractionOf[name]!, cells: cells.count,
                dft: cells.reduce(0) { $0 + $1.dft } / k, model: cells.reduce(0) { $0 + $1.model } / k,
                rmse: (cells.reduce(0) { $0 + ($1.model - $1.dft) * ($1.model - $1.dft) } / k).squareRoot())
        }.sorted { $0.fraction < $1.fraction }
        return MixingEnergies(elements: elements, rows: rows, cells: all)
    }

    /// One `MixingEnergies` per alloy system among `cells` (cells grouped by their set of elements, e.g. the
    /// six binaries of Nb–Mo–Ta–W given at once), in the order of their element lists; cells of one element
    /// are left out when there are alloy cells.
    public static func bySystem(model: CompositeModel, cells: [Structure], references: [[Structure]]) throws
        -> [MixingEnergies]
    {
        let systems = Dictionary(grouping: cells.filter { $0.energy != nil }) {
            Set($0.elements.map(\.symbol)).sorted()
        }
        let alloys = systems.filter { $0.key.count >= 2 }
        guard !alloys.isEmpty else { return [try compute(model: model, cells: cells, references: references)] }
        return try alloys.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
            try compute(model: model, cells: $0.value, references: references)
        }
    }

    /// The system's name, e.g. "Mo–Nb".
    public var system: String { elements.joined(separator: "–") }

    /// The table: composition, cells, DFT and model mean formation energy and RMS difference (meV/atom).
    public func table() -> String {
        var out = "mixing energies of \(system) (formation energy vs each element's bcc cell; meV/atom)\n"
        out += "composition      x(\(elements[0]))  cells      DFT    model   RMS diff\n"
        for row in rows {
            out += row.composition.padding(toLength: 16, withPad: " ", startingAt: 0)
            out += String(
                format: "%7.3f %6d %8.1f %8.1f %10.1f\n", row.fraction, row.cells, 1000 * row.dft, 1000 * row.model,
                1000 * row.rmse)
        }
        let n = Double(cells.count)
        let rmse = (cells.reduce(0) { $0 + ($1.model - $1.dft) * ($1.model - $1.dft) } / n).squareRoot()
        out += String(format: "all %d cells: RMS difference %.1f meV/atom", cells.count, 1000 * rmse)
        return out
    }
}
