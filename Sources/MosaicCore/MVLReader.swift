import Foundation

/// Reads the Materials Virtual Lab JSON format (a list of pymatgen structures with VASP outputs),
/// as in `data/nb/*.json` (from materialsvirtuallab/snap).
///
/// Stresses there are in kbar in VASP order (xx, yy, zz, xy, yz, zx) with VASP's sign
/// (positive = compressive); they are converted to Mosaic's σ in eV/Å³, positive = tensile.
/// Groups are named after the file stem; AIMD frames (`notes: {"Md_90": "300-12"}`) get
/// "stem/Md_90/300K" so that temperature and volume blocks can be held out together.
public enum MVLReader {
    struct Entry: Decodable {
        struct Species: Decodable {
            let element: String
            /// Site occupancy (pymatgen's `occu`); a potential needs fully occupied sites.
            let occu: Double?
        }
        struct Site: Decodable {
            let species: [Species]
            let abc: [Double]
        }
        struct Lattice: Decodable { let matrix: [[Double]] }
        struct PymatgenStructure: Decodable {
            let lattice: Lattice
            let sites: [Site]
        }
        struct Outputs: Decodable {
            let energy: Double?
            let forces: [[Double]]?
            let stress: [Double]?
        }
        let structure: PymatgenStructure
        let outputs: Outputs
        let notes: [String: String]?
        /// A list of strings in most files; one upstream file (Mo_Surface.json) stores one string.
        let tags: [String]?

        enum CodingKeys: String, CodingKey { case structure, outputs, notes, tags }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            structure = try c.decode(PymatgenStructure.self, forKey: .structure)
            outputs = try c.decode(Outputs.self, forKey: .outputs)
            notes = try c.decodeIfPresent([String: String].self, forKey: .notes)
            if let single = try? c.decodeIfPresent(String.self, forKey: .tags) {
                tags = [single]
            } else {
                tags = try c.decodeIfPresent([String].self, forKey: .tags)
            }
        }
    }

    /// Reads every entry of `path`. Throws a `MosaicError` naming the file and entry on bad input.
    public static func read(path: String, requireForces: Bool = true) throws -> [Structure] {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MosaicError(file: path, "cannot read the file", fix: "check the path")
        }
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch let error as DecodingError {
            if let problem = JSONDiagnosis.describe(Array(data)) {
                throw MosaicError(file: path, "not valid JSON: \(problem)", fix: "repair or re-export the file")
            }
            throw MosaicError(
                file: path, describeDecodingError(error),
                fix: "each entry needs structure.lattice.matrix, structure.sites and outputs")
        }
        let stem = (name as NSString).deletingPathExtension
        return try entries.enumerated().map { index, entry in
            try structure(from: entry, stem: stem, path: path, index: index, requireForces: requireForces)
        }
    }

    static func structure(
        from entry: Entry, stem: String, path: String, index: Int,
        requireForces: Bool
    ) throws -> Structure {
        let location = "entry \(index)"
        func fail(_ message: String, _ fix: String) -> MosaicError {
            MosaicError(file: path, location: location, message, fix: fix)
        }
        let matrix = entry.structure.lattice.matrix
        guard matrix.count == 3, matrix.allSatisfy({ $0.count == 3 }) else {
            throw fail("lattice.matrix must be 3x3", "give three lattice vectors of three numbers")
        }
        let cell = Matrix3(rows: matrix)
        var positions: [Vec3] = []
        var elements: [Element] = []
        for (k, site) in entry.structure.sites.enumerated() {
            guard site.abc.count == 3 else { throw fail("site \(k): abc must have 3 numbers", "fix the site") }
            guard let species = site.species.first else { throw fail("site \(k) has no species", "fix the site") }
            guard site.species.count == 1, abs((species.occu ?? 1) - 1) < 1e-6 else {
                let described = site.species.map { "\($0.element)\($0.occu.map { String(format: "%g", $0) } ?? "")" }
                throw fail(
                    "site \(k) is partially occupied (\(described.joined(separator: " ")))",
                    "an interatomic potential needs one element per site: use an ordered (e.g. SQS) cell")
            }
            elements.append(try Element.named(species.element, file: path, location: "\(location), site \(k)"))
            positions.append(cell.leftMultiply(Vec3(site.abc[0], site.abc[1], site.abc[2])))
        }
        guard let energy = entry.outputs.energy else {
            throw fail("missing outputs.energy", "drop the entry or add its DFT energy")
        }
        var forces: [Vec3]? = nil
        if let raw = entry.outputs.forces, !raw.isEmpty {
            guard raw.count == positions.count, raw.allSatisfy({ $0.count == 3 }) else {
                throw fail(
                    "outputs.forces has \(raw.count) rows for \(positions.count) atoms (3 numbers each expected)",
                    "give one force vector per site")
            }
            forces = raw.map { Vec3($0[0], $0[1], $0[2]) }
        } else if requireForces {
            throw fail("missing outputs.forces", "add the DFT forces or read with forces optional")
        }
        var stress: SymmetricTensor? = nil
        if let s = entry.outputs.stress, !s.isEmpty {
            guard s.count == 6 else {
                throw fail("outputs.stress has \(s.count) numbers, 6 expected", "give xx yy zz xy yz zx in kbar")
            }
            // VASP kbar (xx, yy, zz, xy, yz, zx), compressive positive -> eV/Å³, tensile positive.
            let k = -Units.kbarInGPa / Units.eVPerCubicAngstromInGPa
            stress = SymmetricTensor(xx: k * s[0], yy: k * s[1], zz: k * s[2], yz: k * s[4], xz: k * s[5], xy: k * s[3])
        }
        var group = stem
        var info: [String: String] = [:]
        if let tags = entry.tags, !tags.isEmpty { info["tags"] = tags.joined(separator: ",") }
        for (key, value) in entry.notes ?? [:] { info[key] = value }
        if let (key, value) = entry.notes?.first(where: { $0.key.hasPrefix("Md") }) {
            let parts = value.split(separator: "-")
            if parts.count == 2 {
                group += "/\(key)/\(parts[0])K"
                info["frame"] = String(parts[1])
            }
        }
        let result = Structure(
            cell: cell, positions: positions, elements: elements, energy: energy,
            forces: forces, stress: stress, group: group,
            source: "\((path as NSString).lastPathComponent) entry \(index)", info: info)
        do { try result.validate() } catch let error as MosaicError { throw error.inFile(path) }
        return result
    }
}
