import Foundation
import MosaicCore
import MosaicFiles

/// DFT energies of the competing lattices against bcc, E(phase) − E(bcc) in eV/atom per element, from a file
/// such as `data/phases/NbMoTaW-gpaw.json` (written by `examples/dft/phase-references.py`).
///
/// The MVL data hold bcc cells only, so they cannot say how far fcc, hcp or A15 lie above bcc; a model fitted to
/// them can put another lattice below bcc. With these references `mosaic properties` reports each difference's
/// error and the property score counts them.
///
/// File layout: `{"format": 1, "method": "...", "elements": {"Nb": {"fcc": 0.32, "hcp": 0.29, "A15": 0.08}}}`;
/// other keys of an element (e.g. "fcc volume") are ignored.
public struct PhaseReferences: Sendable, Equatable {
    /// The highest file format this version reads.
    public static let format = 1
    /// The lattices a reference may name (those `PropertyCalculator.phaseDifferences` computes).
    public static let phases = ["fcc", "hcp", "A15"]

    /// E(phase) − E(bcc) (eV/atom) by element symbol and phase name.
    public var differences: [String: [String: Double]]
    /// Where the numbers come from (the file and its method), shown as the entries' reference source.
    public var source: String

    public init(differences: [String: [String: Double]], source: String) {
        self.differences = differences
        self.source = source
    }

    /// The reference of `phase` for `element`, if the file has one.
    public func difference(element: String, phase: String) -> Double? {
        differences[element]?[phase]
    }

    /// Reads a phase-reference file; every problem names the file, the entry and the fix.
    public static func load(_ path: String) throws -> PhaseReferences {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MosaicError(
                file: path, "cannot read the phase references",
                fix: "give a file written by examples/dft/phase-references.py, e.g. data/phases/NbMoTaW-gpaw.json")
        }
        guard case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw MosaicError(file: path, "not a JSON object", fix: "check the file: it must be one JSON object")
        }
        if let format = root["format"] {
            guard case .number(let number) = format, number == number.rounded(), number >= 1 else {
                throw MosaicError(
                    file: path, location: "format", "not a format number: \(describe(format))",
                    fix: "give \"format\": \(Self.format), or leave the key out")
            }
            guard number <= Double(Self.format) else {
                throw MosaicError(
                    file: path, location: "format",
                    "format \(Int(number)) is newer than this Mosaic reads (\(Self.format))",
                    fix: "update Mosaic, or rewrite the file in format \(Self.format)")
            }
        }
        guard case .object(let elements)? = root["elements"], !elements.isEmpty else {
            throw MosaicError(
                file: path, location: "elements", "no element entries",
                fix: "give \"elements\": {\"Nb\": {\"fcc\": …, \"hcp\": …, \"A15\": …}} in eV/atom")
        }
        var differences: [String: [String: Double]] = [:]
        for (symbol, value) in elements {
            guard Element(symbol: symbol) != nil else {
                throw MosaicError(
                    file: path, location: "elements.\(symbol)", "unknown element '\(symbol)'",
                    fix: "use chemical symbols such as Nb")
            }
            guard case .object(let entry) = value else {
                throw MosaicError(
                    file: path, location: "elements.\(symbol)", "not an object of phase energies",
                    fix: "give {\"fcc\": …, \"hcp\": …, \"A15\": …} in eV/atom")
            }
            var phases: [String: Double] = [:]
            for phase in Self.phases {
                guard let field = entry[phase] else { continue }
                guard case .number(let number) = field, number.isFinite else {
                    throw MosaicError(
                        file: path, location: "elements.\(symbol).\(phase)", "not a finite number: \(describe(field))",
                        fix: "give E(\(phase)) − E(bcc) in eV/atom")
                }
                phases[phase] = number
            }
            guard !phases.isEmpty else {
                throw MosaicError(
                    file: path, location: "elements.\(symbol)", "none of \(Self.phases.joined(separator: ", "))",
                    fix: "give at least one of them in eV/atom")
            }
            differences[symbol] = phases
        }
        var method: String? = nil
        if case .string(let text)? = root["method"] { method = text.split(separator: ",").first.map(String.init) }
        let name = (path as NSString).lastPathComponent
        return PhaseReferences(differences: differences, source: method.map { "\($0) (\(name))" } ?? name)
    }

    /// A JSON value in an error message.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .number(let number): return String(number)
        case .string(let text): return "\"\(text)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
