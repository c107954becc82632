import Foundation
import MosaicCore
import MosaicModel
import MosaicNumerics

/// One element's properties in a multi-element report (`mosaic properties` with an --elastic file per element).
public struct ElementProperties: Codable, Sendable {
    public var element: String
    public var properties: PropertyReport

    public init(element: String, properties: PropertyReport) {
        self.element = element
        self.properties = properties
    }

    /// The properties a summary row shows, in order, with their short column names.
    static let summaryColumns: [(name: String, label: String)] = [
        ("lattice constant", "a Å"), ("bulk modulus (EOS)", "B GPa"), ("C11", "C11 GPa"), ("C12", "C12 GPa"),
        ("C44", "C44 GPa"),
    ]

    /// A row per element: each summary property as "model (error %)", the surfaces' mean absolute relative error,
    /// the vacancy formation energy and E(fcc) − E(bcc) of the model.
    public static func summary(_ elements: [ElementProperties]) -> String {
        let widths = [17, 17, 17, 17, 17, 10]
        let header = summaryColumns.map(\.label) + ["surfaces |err|"]
        var lines = [TextTable.pad("element", 8) + TextTable.right(header, widths)]
        lines.append(String(repeating: "-", count: lines[0].count))
        for e in elements {
            let entries = e.properties.entries
            let cells = summaryColumns.map { column -> String in
                guard let entry = entries.first(where: { $0.name == column.name }) else { return "–" }
                let error = entry.relativeError.map { String(format: " (%+.1f%%)", 100 * $0) } ?? ""
                return String(format: column.name == "lattice constant" ? "%.4f" : "%.1f", entry.model) + error
            }
            let surfaces = entries.filter { $0.name.hasPrefix("surface") }.compactMap(\.relativeError)
            let surfaceError =
                surfaces.isEmpty
                ? "–" : String(format: "%.1f%%", 100 * surfaces.map(abs).reduce(0, +) / Double(surfaces.count))
            lines.append(TextTable.pad(e.element, 8) + TextTable.right(cells + [surfaceError], widths))
        }
        lines.append("(model value, in brackets its error against the element's DFT cells)")
        return lines.joined(separator: "\n")
    }
}

/// The lattice constant of the model's random equiatomic bcc alloy of the report's elements, against Vegard's
/// law of their DFT lattice constants and of the model's own.
public struct AlloyLattice: Codable, Sendable, CustomStringConvertible {
    public var elements: [String]
    public var atoms: Int
    public var latticeConstant: Double
    public var vegardDFT: Double
    public var vegardModel: Double

    public static func compute(model: CompositeModel, perElement: [ElementProperties]) throws -> AlloyLattice {
        func lattice(_ e: ElementProperties) -> (model: Double, dft: Double) {
            let entry = e.properties.entries.first { $0.name == "lattice constant" }!
            return (entry.model, entry.reference ?? entry.model)
        }
        let elements = try perElement.map { e -> Element in
            guard let element = Element(symbol: e.element) else {
                throw MosaicError("unknown element \(e.element)", fix: "use the element symbols of the model")
            }
            return element
        }
        let alloy = RandomAlloy(model: model, elements: elements)
        let vegardModel = RandomAlloy.vegard(perElement.map { lattice($0).model })
        return AlloyLattice(
            elements: perElement.map(\.element), atoms: alloy.cell(a: 3).count,
            latticeConstant: try alloy.latticeConstant(guess: vegardModel),
            vegardDFT: RandomAlloy.vegard(perElement.map { lattice($0).dft }), vegardModel: vegardModel)
    }

    public var description: String {
        String(
            format: "random equiatomic %@ bcc (%d atoms, relaxed): a = %.4f Å; Vegard's law of the DFT lattice"
                + " constants %.4f Å (%+.2f%%), of the model's own %.4f Å",
            elements.joined() as NSString, atoms, latticeConstant, vegardDFT,
            100 * (latticeConstant / vegardDFT - 1), vegardModel)
    }
}
