import Foundation
import MosaicCore
import MosaicModel

/// A fitted potential as written to `potentials/*.json`: format name and version, units,
/// elements and masses, cutoff, the composite model with its parameter values, free-form
/// provenance (data hashes, split, weights, metrics), and a SHA-256 content hash.
///
/// The hash covers the canonical JSON (sorted keys) of everything but the hash itself, so a
/// damaged or hand-edited file is detected when it is read.
public struct PotentialFile: Codable, Sendable {
    public static let formatName = "mosaic-potential"
    /// The major format version this Mosaic writes and the newest it reads. Version 2 added the
    /// `zbl-core` term and the `uncertainty` section; version 3 the active sets of the extrapolation grade
    /// (`UncertaintyData.Span.activeSet`); version 4 the compact layout of the uncertainty section (upper
    /// triangles, base64 doubles, each element's span over the coordinates it moves; `PackedNumbers`); version 5
    /// spans in relative coordinates (`UncertaintyData.gradeScales`). Versions 3 and 4 load and grade as they
    /// were written; version 2 files with their older grade (the normalised leverage), version 1 files without
    /// grades.
    public static let formatVersion = 5
    public static let mosaicVersion = "0.1.0"
    /// The version of the C ABI (`mosaic_abi_version`, MOSAIC_ABI_VERSION in include/mosaic_capi.h).
    public static let cABIVersion: Int32 = 3

    public struct ElementEntry: Codable, Sendable, Equatable {
        public var symbol: String
        public var mass: Double
    }

    public var format: String
    public var version: Int
    public var units: String
    public var elements: [ElementEntry]
    public var cutoff: Double
    public var model: CompositeModel
    /// Free-form, JSON-encodable record of how the potential was made.
    public var provenance: JSONValue
    /// Parameter covariance and training spans for per-atom σ and extrapolation grades; nil in files
    /// written before format 2 or by hand.
    public var uncertainty: UncertaintyData?
    public var sha256: String?

    public init(model: CompositeModel, provenance: JSONValue, uncertainty: UncertaintyData? = nil) {
        format = Self.formatName
        version = Self.formatVersion
        units = "metal"
        elements = model.elements.map { ElementEntry(symbol: $0.symbol, mass: $0.mass) }
        cutoff = model.cutoff
        self.model = model
        self.provenance = provenance
        self.uncertainty = uncertainty
        sha256 = nil
    }

    /// The canonical encoder of a file of format `version` (the uncertainty section's layout depends on it).
    static func encoder(version: Int) -> JSONEncoder {
        let encoder = JSONEncoder.mosaic
        encoder.outputFormatting.insert(.withoutEscapingSlashes)
        encoder.userInfo[PackedNumbers.formatVersionKey] = version
        return encoder
    }

    static func decoder(version: Int = formatVersion) -> JSONDecoder {
        let decoder = JSONDecoder.mosaic
        decoder.userInfo[PackedNumbers.formatVersionKey] = version
        return decoder
    }

    /// SHA-256 (hex) of the canonical encoding without the hash.
    public func contentHash() throws -> String {
        var copy = self
        copy.sha256 = nil
        let data = try Self.encoder(version: version).encode(copy)
        return sha256Hex(data)
    }

    /// The file's bytes, hash included: the canonical encoding with every array of plain numbers on one line
    /// (the uncertainty block's matrices took 3 of the alloy file's 8 MB as one number per line). The hash is
    /// still that of the canonical encoding, so files written before keep their hashes.
    public func encoded() throws -> Data {
        var copy = self
        copy.sha256 = try contentHash()
        let pretty = String(decoding: try Self.encoder(version: version).encode(copy), as: UTF8.self)
        return Data((Self.joiningNumberArrays(pretty) + "\n").utf8)
    }

    /// `text` (pretty-printed JSON) with each array whose elements are all numbers written on one line. A linear
    /// scan: a regular expression over an array of 35,000 numbers overruns ICU's backtracking limits.
    public static func joiningNumberArrays(_ text: String) -> String {
        let bytes = Array(text.utf8)
        func isNumberByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var k = 0
        while k < bytes.count {
            guard bytes[k] == 0x5B else {
                output.append(bytes[k])
                k += 1
                continue
            }
            // An array: collect its elements while they are numbers; give up at anything else.
            var items: [ArraySlice<UInt8>] = []
            var q = k + 1
            var closed = false
            while q < bytes.count {
                while q < bytes.count, isSpace(bytes[q]) { q += 1 }
                let start = q
                while q < bytes.count, isNumberByte(bytes[q]) { q += 1 }
                guard q > start else { break }
                items.append(bytes[start..<q])
                while q < bytes.count, isSpace(bytes[q]) { q += 1 }
                if q < bytes.count, bytes[q] == 0x2C {
                    q += 1
                } else {
                    closed = q < bytes.count && bytes[q] == 0x5D
                    break
                }
            }
            guard closed, !items.isEmpty else {
                output.append(bytes[k])
                k += 1
                continue
            }
            output.append(0x5B)
            for (n, item) in items.enumerated() {
                if n > 0 { output += [0x2C, 0x20] }
                output += item
            }
            output.append(0x5D)
            k = q + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Writes atomically (temp file + rename).
    public func write(to path: String) throws {
        try AtomicFile.write(try encoded(), to: path)
    }

    /// Reads and checks a potential file: format name, version, hash, and the model itself.
    public static func read(path: String) throws -> PotentialFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MosaicError(
                file: path, "cannot read the potential file",
                fix: "check the path (potentials are in potentials/*.json)")
        }
        return try parse(data, name: path)
    }

    public static func parse(_ data: Data, name: String) throws -> PotentialFile {
        // Look at format and version first, so a newer file gets the right message.
        struct Header: Decodable {
            let format: String?
            let version: Int?
        }
        let header: Header
        do { header = try decoder().decode(Header.self, from: data) } catch {
            if let problem = JSONDiagnosis.describe(Array(data)) {
                throw MosaicError(
                    file: name, "not a JSON potential file: \(problem)",
                    fix: "the file is damaged; export it again with mosaic fit")
            }
            throw MosaicError(
                file: name, "not a JSON potential file (\(error.localizedDescription))",
                fix: "the file is damaged; export it again with mosaic fit")
        }
        guard header.format == formatName else {
            throw MosaicError(
                file: name, "format is '\(header.format ?? "missing")', expected '\(formatName)'",
                fix: "pass a potential written by mosaic fit")
        }
        guard let version = header.version else {
            throw MosaicError(
                file: name, "missing format version", fix: "the file is damaged; export it again with mosaic fit")
        }
        guard version <= formatVersion else {
            throw MosaicError(
                file: name, "format version \(version) is newer than this Mosaic reads (up to \(formatVersion))",
                fix: "update Mosaic to a version that writes format \(version)")
        }
        let file: PotentialFile
        do {
            file = try decoder(version: version).decode(PotentialFile.self, from: data)
        } catch let error as DecodingError {
            throw MosaicError(
                file: name, describeDecodingError(error), fix: "the file is damaged; export it again with mosaic fit")
        }
        guard let stored = file.sha256 else {
            throw MosaicError(
                file: name, "missing sha256 content hash", fix: "export the potential again with mosaic fit")
        }
        let actual = try file.contentHash()
        guard stored == actual else {
            throw MosaicError(
                file: name,
                "content hash mismatch (stored \(stored.prefix(12))…, computed \(actual.prefix(12))…): the file"
                    + " was changed or damaged",
                fix: "export the potential again with mosaic fit instead of editing it")
        }
        guard file.units == "metal" else {
            throw MosaicError(
                file: name, "units '\(file.units)' are not supported", fix: "Mosaic potentials use metal units")
        }
        do { try file.model.validate() } catch let error as MosaicError { throw error.inFile(name) }
        try file.checkHeader(name: name)
        if let uncertainty = file.uncertainty {
            do { try uncertainty.validate(for: file.model) } catch let error as MosaicError { throw error.inFile(name) }
        }
        return file
    }

    /// The header must agree with the model it describes: LAMMPS takes masses and the neighbour cutoff
    /// from it.
    func checkHeader(name: String) throws {
        let symbols = elements.map(\.symbol)
        let modelSymbols = model.elements.map(\.symbol)
        guard symbols == modelSymbols else {
            throw MosaicError(
                file: name, location: "elements",
                "the header lists \(symbols.joined(separator: " ")) but the model's elements are"
                    + " \(modelSymbols.joined(separator: " "))",
                fix: "export the potential again with mosaic fit instead of editing it")
        }
        for entry in elements where !(entry.mass.isFinite && entry.mass > 0) {
            throw MosaicError(
                file: name, location: "elements, \(entry.symbol)", "mass \(entry.mass) is not a positive number",
                fix: "give the mass in g/mol (amu), e.g. \(Element(symbol: entry.symbol)?.mass ?? 1)")
        }
        guard cutoff.isFinite, abs(cutoff - model.cutoff) <= 1e-12 * max(1, model.cutoff) else {
            throw MosaicError(
                file: name, location: "cutoff",
                "the header's cutoff \(cutoff) Å is not the model's largest term cutoff \(model.cutoff) Å",
                fix: "export the potential again with mosaic fit instead of editing it")
        }
    }
}

/// A JSON value, for free-form provenance that must round-trip exactly.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Any Encodable value as a JSON value (through the potential-file encoder).
    public static func from<T: Encodable>(_ value: T) throws -> JSONValue {
        try PotentialFile.decoder().decode(
            JSONValue.self, from: try PotentialFile.encoder(version: PotentialFile.formatVersion).encode(value))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}
