import Foundation

/// Extended XYZ as ASE and libAtoms write it.
///
/// Frame layout: a line with the atom count, a comment line of `key=value` pairs
/// (`Lattice="ax ay az bx by bz cx cy cz"`, `Properties=species:S:1:pos:R:3:forces:R:3`,
/// `energy=...`, `stress="..."` as 9 numbers or Voigt 6 (xx yy zz yz xz xy) in eV/Å³ with ASE's
/// sign (positive = tensile), `virial="..."` 9 numbers in eV, `pbc="T T T"`), then one line per atom.
public struct ExtXYZ {
    /// Names of the label keys; change them for files written with other conventions
    /// (e.g. `energy: "dft_energy"`, `forces: "dft_forces"`).
    public struct Keys: Sendable {
        public var energy = "energy"
        public var forces = "forces"
        public var stress = "stress"
        public var virial = "virial"
        public var group = "config_type"
        public init(
            energy: String = "energy", forces: String = "forces", stress: String = "stress",
            virial: String = "virial", group: String = "config_type"
        ) {
            self.energy = energy
            self.forces = forces
            self.stress = stress
            self.virial = virial
            self.group = group
        }
    }

    public var keys: Keys
    public var requireForces: Bool
    /// Refuse a file in which no frame has an energy or forces under `keys` (a fit or an evaluation
    /// has nothing to compare); the error lists the keys the file does have.
    public var requireLabels: Bool

    public init(keys: Keys = Keys(), requireForces: Bool = false, requireLabels: Bool = false) {
        self.keys = keys
        self.requireForces = requireForces
        self.requireLabels = requireLabels
    }

    /// Reads all frames of a file.
    public func read(path: String) throws -> [Structure] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MosaicError(file: path, "cannot read the file", fix: "check the path")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MosaicError(file: path, "not UTF-8 text", fix: "convert the file to UTF-8")
        }
        do {
            return try parse(text, name: (path as NSString).lastPathComponent)
        } catch let error as MosaicError {
            throw error.inFile(path)
        }
    }

    /// Parses the text of an extended XYZ file; `name` labels the structures and errors.
    public func parse(_ text: String, name: String) throws -> [Structure] {
        // Any line ending: "\r\n" is one Character in Swift, so split on isNewline, not on "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var structures: [Structure] = []
        var line = 0
        let stem = (name as NSString).deletingPathExtension
        var headerKeys = Set<String>()
        var columnNames = Set<String>()
        while line < lines.count {
            if lines[line].isEmpty {
                line += 1
                continue
            }
            let frame = structures.count
            func fail(_ at: Int, _ message: String, _ fix: String) -> MosaicError {
                MosaicError(location: "frame \(frame), line \(at + 1)", message, fix: fix)
            }
            guard let count = Int(lines[line]), count > 0 else {
                throw fail(
                    line, "expected the number of atoms, found '\(lines[line].prefix(60))'",
                    "each frame starts with a positive atom count")
            }
            guard line + 1 < lines.count else {
                throw fail(line, "file ends after the atom count", "complete or remove the last frame")
            }
            let header = try Self.keyValues(String(lines[line + 1])).mapError {
                fail(line + 1, $0, "quote values that contain spaces")
            }
            let properties = try Self.properties(header["Properties"] ?? "species:S:1:pos:R:3")
                .mapError { fail(line + 1, $0, "write Properties=name:type:columns:...") }
            headerKeys.formUnion(header.keys)
            columnNames.formUnion(properties.map(\.name))
            let expectedColumns = properties.reduce(0) { $0 + $1.columns }
            var columns: [String: [[Substring]]] = [:]
            for atom in 0..<count {
                let at = line + 2 + atom
                guard at < lines.count, !lines[at].isEmpty else {
                    throw fail(at - 1, "file ends after \(atom) of \(count) atoms", "complete or remove the last frame")
                }
                let fields = lines[at].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count == expectedColumns else {
                    throw fail(
                        at, "\(fields.count) columns, Properties announces \(expectedColumns)",
                        "make every atom line match Properties")
                }
                var offset = 0
                for property in properties {
                    columns[property.name, default: []].append(Array(fields[offset..<offset + property.columns]))
                    offset += property.columns
                }
            }
            func numbers(_ name: String) throws -> [Vec3]? {
                guard let rows = columns[name] else { return nil }
                return try rows.enumerated().map { atom, row in
                    let v = row.compactMap { Double($0) }
                    guard v.count == 3 else {
                        throw fail(
                            line + 2 + atom, "'\(name)' needs 3 numbers, found '\(row.joined(separator: " "))'",
                            "fix the numbers")
                    }
                    return Vec3(v[0], v[1], v[2])
                }
            }
            guard let positions = try numbers("pos") else {
                throw fail(line + 1, "Properties has no 'pos'", "add pos:R:3")
            }
            var elements: [Element] = []
            if let species = columns["species"] {
                for (atom, row) in species.enumerated() {
                    elements.append(
                        try Element.named(String(row[0]), location: "frame \(frame), line \(line + 3 + atom)"))
                }
            } else if let numbersZ = columns["Z"] {
                for (atom, row) in numbersZ.enumerated() {
                    guard let z = Int(row[0]), z >= 1, z <= Element.symbols.count else {
                        throw fail(line + 2 + atom, "bad atomic number '\(row[0])'", "use 1...\(Element.symbols.count)")
                    }
                    elements.append(Element(symbol: Element.symbols[z - 1])!)
                }
            } else {
                throw fail(line + 1, "Properties has neither 'species' nor 'Z'", "add species:S:1")
            }
            let forces = try numbers(keys.forces)
            if requireForces && forces == nil {
                throw fail(
                    line + 1, "no '\(keys.forces)' column", "add forces:R:3 to Properties or choose the forces key")
            }
            var pbc = [false, false, false]
            var cell = Matrix3.identity
            if let lattice = header["Lattice"] {
                let v = lattice.split(separator: " ").compactMap { Double($0) }
                guard v.count == 9 else {
                    throw fail(
                        line + 1, "Lattice needs 9 numbers, found '\(lattice)'",
                        "write Lattice=\"ax ay az bx by bz cx cy cz\"")
                }
                cell = Matrix3(Vec3(v[0], v[1], v[2]), Vec3(v[3], v[4], v[5]), Vec3(v[6], v[7], v[8]))
                pbc = [true, true, true]
            }
            if let flags = header["pbc"] {
                let parsed = flags.split(separator: " ").map { ["T", "True", "true", "1"].contains(String($0)) }
                guard parsed.count == 3 else {
                    throw fail(line + 1, "pbc needs 3 flags, found '\(flags)'", "write pbc=\"T T T\"")
                }
                guard header["Lattice"] != nil || !parsed.contains(true) else {
                    throw fail(
                        line + 1, "pbc=\"\(flags)\" is periodic but the frame has no Lattice",
                        "add Lattice=\"ax ay az bx by bz cx cy cz\" or write pbc=\"F F F\"")
                }
                pbc = parsed
            }
            var energy: Double? = nil
            if let e = header[keys.energy] {
                guard let value = Double(e) else {
                    throw fail(line + 1, "\(keys.energy)='\(e)' is not a number", "fix the energy")
                }
                energy = value
            }
            var stress: SymmetricTensor? = nil
            if let s = header[keys.stress] {
                let v = s.split(separator: " ").compactMap { Double($0) }
                switch v.count {
                case 9:
                    stress = SymmetricTensor(
                        xx: v[0], yy: v[4], zz: v[8], yz: 0.5 * (v[5] + v[7]), xz: 0.5 * (v[2] + v[6]),
                        xy: 0.5 * (v[1] + v[3]))
                case 6: stress = SymmetricTensor(voigt: v)
                default:
                    throw fail(
                        line + 1, "\(keys.stress) needs 9 or 6 numbers, found \(v.count)",
                        "write a 3x3 or Voigt stress in eV/Å³")
                }
            } else if let w = header[keys.virial] {
                let v = w.split(separator: " ").compactMap { Double($0) }
                guard v.count == 9 else {
                    throw fail(line + 1, "\(keys.virial) needs 9 numbers, found \(v.count)", "write a 3x3 virial in eV")
                }
                let volume = abs(cell.determinant)
                guard volume > 0, pbc.allSatisfy({ $0 }) else {
                    throw fail(line + 1, "a virial needs a periodic cell", "add Lattice")
                }
                let virial = SymmetricTensor(
                    xx: v[0], yy: v[4], zz: v[8], yz: 0.5 * (v[5] + v[7]), xz: 0.5 * (v[2] + v[6]),
                    xy: 0.5 * (v[1] + v[3]))
                stress = virial.scaled(-1 / volume)
            }
            var info: [String: String] = [:]
            for (k, v) in header
            where !["Lattice", "Properties", "pbc", keys.energy, keys.stress, keys.virial].contains(k) { info[k] = v }
            let group = header[keys.group].map { "\(stem)/\($0)" } ?? stem
            let structure = Structure(
                cell: cell, pbc: pbc, positions: positions, elements: elements, energy: energy,
                forces: forces, stress: stress, group: group,
                source: "\(name) frame \(frame) (line \(line + 1))", info: info)
            try structure.validate()
            structures.append(structure)
            line += 2 + count
        }
        if requireLabels, !structures.contains(where: { $0.energy != nil || $0.forces != nil }) {
            throw MosaicError(
                "no frame has an energy '\(keys.energy)' or forces '\(keys.forces)'; the comment lines have: "
                    + headerKeys.sorted().joined(separator: ", ") + "; the atom columns: "
                    + columnNames.sorted().joined(separator: ", "),
                fix: "name the labels with --energy-key and --forces-key (e.g. --energy-key REF_energy"
                    + " --forces-key REF_forces)")
        }
        return structures
    }

    /// Writes frames in the layout `parse` reads (stress as 9 numbers, ASE sign).
    public static func format(_ structures: [Structure]) -> String {
        var out = ""
        for s in structures {
            out += "\(s.count)\n"
            var header = "Lattice=\"\(s.cell.flat.map { fmt($0) }.joined(separator: " "))\" "
            header += "Properties=species:S:1:pos:R:3" + (s.forces != nil ? ":forces:R:3" : "")
            if let e = s.energy { header += " energy=\(fmt(e))" }
            if let t = s.stress {
                header += " stress=\"\(t.matrix.flatMap { $0 }.map { fmt($0) }.joined(separator: " "))\""
            }
            header += " pbc=\"\(s.pbc.map { $0 ? "T" : "F" }.joined(separator: " "))\""
            out += header + "\n"
            for i in 0..<s.count {
                var line =
                    "\(s.elements[i].symbol) \(fmt(s.positions[i].x)) \(fmt(s.positions[i].y)) \(fmt(s.positions[i].z))"
                if let f = s.forces?[i] { line += " \(fmt(f.x)) \(fmt(f.y)) \(fmt(f.z))" }
                out += line + "\n"
            }
        }
        return out
    }

    static func fmt(_ x: Double) -> String { "\(x)" }

    /// Splits `a=1 b="x y" c` into keys and values (a bare key means "T").
    static func keyValues(_ line: String) -> Result<[String: String], ParseFailure> {
        var result: [String: String] = [:]
        var chars = Array(line)
        chars.append(" ")
        var i = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count else { break }
            var key = ""
            while i < chars.count, chars[i] != "=", chars[i] != " " {
                key.append(chars[i])
                i += 1
            }
            guard i < chars.count, chars[i] == "=" else {
                result[key] = "T"
                continue
            }
            i += 1
            var value = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    value.append(chars[i])
                    i += 1
                }
                guard i < chars.count else {
                    return .failure(ParseFailure(message: "unterminated quote in the value of '\(key)'"))
                }
                i += 1
            } else {
                while i < chars.count, chars[i] != " " {
                    value.append(chars[i])
                    i += 1
                }
            }
            result[key] = value.trimmingCharacters(in: .whitespaces)
        }
        return .success(result)
    }

    struct Property {
        let name: String
        let type: Character
        let columns: Int
    }

    static func properties(_ spec: String) -> Result<[Property], ParseFailure> {
        let parts = spec.split(separator: ":")
        guard parts.count % 3 == 0 else {
            return .failure(ParseFailure(message: "Properties '\(spec)' is not a list of name:type:columns"))
        }
        var result: [Property] = []
        for k in stride(from: 0, to: parts.count, by: 3) {
            guard let columns = Int(parts[k + 2]), columns > 0, let type = parts[k + 1].first else {
                return .failure(
                    ParseFailure(message: "Properties entry '\(parts[k]):\(parts[k + 1]):\(parts[k + 2])' is malformed")
                )
            }
            result.append(Property(name: String(parts[k]), type: type, columns: columns))
        }
        return .success(result)
    }
}

/// A parse problem before its place in the file is known.
struct ParseFailure: Error { let message: String }

extension Result where Failure == ParseFailure {
    func mapError(_ transform: (String) -> MosaicError) throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let failure): throw transform(failure.message)
        }
    }
}
