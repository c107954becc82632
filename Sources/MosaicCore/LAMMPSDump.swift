import Foundation

/// Reads LAMMPS text dumps (`dump custom`, e.g. `id type x y z` or `id element xu yu zu`): one
/// structure per snapshot, orthogonal or triclinic boxes, periodic where the box bounds say `pp`.
/// Atom elements come from an `element` column, or from `elements` (the element of each atom type,
/// type 1 first). Atoms are sorted by id when an `id` column is present.
public struct LAMMPSDump {
    /// The element of each atom type (type 1 first); used when the dump has no `element` column.
    public var elements: [Element]

    public init(elements: [Element] = []) { self.elements = elements }

    public func read(path: String) throws -> [Structure] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MosaicError(file: path, "cannot read the dump", fix: "check the path")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: path)
    }

    public func parse(_ text: String, name: String) throws -> [Structure] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var structures: [Structure] = []
        var k = 0
        func fail(_ line: Int, _ message: String, _ fix: String) -> MosaicError {
            MosaicError(file: name, location: "line \(line + 1)", message, fix: fix)
        }
        func numbers(_ line: Int, count: Int) throws -> [Double] {
            let values = lines[line].split(separator: " ").compactMap { Double($0) }
            guard values.count >= count, values.allSatisfy(\.isFinite) else {
                throw fail(line, "expected \(count) numbers", "the dump is truncated or damaged")
            }
            return values
        }
        while k < lines.count {
            if lines[k].isEmpty {
                k += 1
                continue
            }
            guard lines[k].hasPrefix("ITEM: TIMESTEP"), k + 1 < lines.count else {
                throw fail(k, "expected 'ITEM: TIMESTEP'", "give a text dump written by dump custom")
            }
            let step = Int(lines[k + 1]) ?? -1
            guard k + 3 < lines.count, lines[k + 2].hasPrefix("ITEM: NUMBER OF ATOMS"), let n = Int(lines[k + 3]), n > 0
            else { throw fail(k + 2, "expected 'ITEM: NUMBER OF ATOMS' and a positive count", "check the dump") }
            let boxLine = k + 4
            guard boxLine + 3 < lines.count, lines[boxLine].hasPrefix("ITEM: BOX BOUNDS") else {
                throw fail(boxLine, "expected 'ITEM: BOX BOUNDS'", "check the dump")
            }
            let flags = lines[boxLine].split(separator: " ").dropFirst(3).map(String.init)
            let triclinic = flags.first == "xy"
            let pbc = (triclinic ? Array(flags.dropFirst(3)) : flags).prefix(3).map { $0 == "pp" }
            let bounds = try (1...3).map { try numbers(boxLine + $0, count: triclinic ? 3 : 2) }
            let (xy, xz, yz) = triclinic ? (bounds[0][2], bounds[1][2], bounds[2][2]) : (0.0, 0.0, 0.0)
            // Bounding box to box edges (LAMMPS's documented conversion for triclinic dumps).
            let xlo = bounds[0][0] - min(0, xy, xz, xy + xz)
            let xhi = bounds[0][1] - max(0, xy, xz, xy + xz)
            let ylo = bounds[1][0] - min(0, yz)
            let yhi = bounds[1][1] - max(0, yz)
            let zlo = bounds[2][0]
            let zhi = bounds[2][1]
            let cell = Matrix3(Vec3(xhi - xlo, 0, 0), Vec3(xy, yhi - ylo, 0), Vec3(xz, yz, zhi - zlo))
            let atomsLine = boxLine + 4
            guard atomsLine + n < lines.count, lines[atomsLine].hasPrefix("ITEM: ATOMS")
            else { throw fail(atomsLine, "expected 'ITEM: ATOMS' and \(n) atom lines", "the dump is truncated") }
            let columns = lines[atomsLine].split(separator: " ").dropFirst(2).map(String.init)
            func column(_ names: [String]) -> Int? { names.lazy.compactMap { columns.firstIndex(of: $0) }.first }
            guard let x = column(["x", "xu"]), let y = column(["y", "yu"]), let z = column(["z", "zu"]) else {
                throw fail(
                    atomsLine,
                    "the dump has no x y z (or xu yu zu) columns (it has: \(columns.joined(separator: " ")))",
                    "dump custom ... id type x y z")
            }
            let elementColumn = columns.firstIndex(of: "element")
            let typeColumn = columns.firstIndex(of: "type")
            guard elementColumn != nil || (typeColumn != nil && !elements.isEmpty) else {
                throw fail(
                    atomsLine, "the dump names no elements (no element column)",
                    "give --elements (one per atom type, type 1 first) or dump an element column"
                        + " (dump_modify ID element Nb ...)")
            }
            let idColumn = columns.firstIndex(of: "id")
            var atoms: [(id: Int, element: Element, position: Vec3)] = []
            for line in (atomsLine + 1)...(atomsLine + n) {
                let fields = lines[line].split(separator: " ").map(String.init)
                guard fields.count >= columns.count else {
                    throw fail(line, "expected \(columns.count) columns", "the dump is truncated or damaged")
                }
                guard let px = Double(fields[x]), let py = Double(fields[y]), let pz = Double(fields[z]),
                    px.isFinite, py.isFinite, pz.isFinite
                else { throw fail(line, "position is not three finite numbers", "the dump is damaged") }
                let element: Element
                if let elementColumn {
                    guard let e = Element(symbol: fields[elementColumn]) else {
                        throw fail(line, "unknown element '\(fields[elementColumn])'", "use element symbols")
                    }
                    element = e
                } else {
                    guard let t = Int(fields[typeColumn!]), t >= 1, t <= elements.count else {
                        throw fail(
                            line,
                            "atom type \(fields[typeColumn!]) has no element (--elements gives \(elements.count))",
                            "give one element per atom type")
                    }
                    element = elements[t - 1]
                }
                let id = idColumn.flatMap { Int(fields[$0]) } ?? line
                atoms.append((id, element, Vec3(px - xlo, py - ylo, pz - zlo)))
            }
            atoms.sort { $0.id < $1.id }
            structures.append(
                Structure(
                    cell: cell, pbc: pbc.count == 3 ? pbc : [true, true, true], positions: atoms.map(\.position),
                    elements: atoms.map(\.element), group: "dump",
                    source: "\((name as NSString).lastPathComponent) step \(step)"))
            k = atomsLine + n + 1
        }
        for s in structures { try s.validate() }
        return structures
    }
}
