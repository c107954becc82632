import Foundation

/// Writes structures as LAMMPS data files (atom_style atomic, metal units).
///
/// LAMMPS wants a along x and b in the xy plane, so the cell is rotated into that frame;
/// `rotation` maps Mosaic vectors to LAMMPS vectors (v_lammps = v · rotation) — forces and
/// positions alike; stresses transform as Rᵀ σ R.
public struct LAMMPSData {
    public let structure: Structure
    public let rotation: Matrix3
    /// The cell in LAMMPS form: rows (lx,0,0), (xy,ly,0), (xz,yz,lz).
    public let cell: Matrix3

    public init(_ structure: Structure) throws {
        guard structure.isPeriodic, let inverse = structure.cell.inverse else {
            throw MosaicError(
                location: structure.source, "LAMMPS data needs a periodic, invertible cell",
                fix: "use a periodic structure")
        }
        self.structure = structure
        let a = structure.cell.a
        let b = structure.cell.b
        let c = structure.cell.c
        let lx = norm(a)
        let ahat = a / lx
        let xy = dot(b, ahat)
        let ly = (dot(b, b) - xy * xy).squareRoot()
        let xz = dot(c, ahat)
        let yz = (dot(b, c) - xy * xz) / ly
        let lz = (dot(c, c) - xz * xz - yz * yz).squareRoot()
        cell = Matrix3(Vec3(lx, 0, 0), Vec3(xy, ly, 0), Vec3(xz, yz, lz))
        // x_lammps = f · cell_lammps = x · A⁻¹ · cell_lammps
        rotation = inverse * cell
    }

    /// The data file text, atom types numbered by `elements` (1-based).
    public func text(elements: [Element]) throws -> String {
        let s = structure
        var out = "# \(s.source.isEmpty ? "Mosaic structure" : s.source), written by Mosaic\n\n"
        out += "\(s.count) atoms\n\(elements.count) atom types\n\n"
        out += "0.0 \(fmt(cell[0, 0])) xlo xhi\n0.0 \(fmt(cell[1, 1])) ylo yhi\n0.0 \(fmt(cell[2, 2])) zlo zhi\n"
        out += "\(fmt(cell[1, 0])) \(fmt(cell[2, 0])) \(fmt(cell[2, 1])) xy xz yz\n\nMasses\n\n"
        for (k, e) in elements.enumerated() { out += "\(k + 1) \(e.mass)\n" }
        out += "\nAtoms # atomic\n\n"
        let inverse = cell.inverse!
        for i in 0..<s.count {
            guard let type = elements.firstIndex(of: s.elements[i]) else {
                throw MosaicError(
                    location: s.source, "element \(s.elements[i]) is not among the data-file types",
                    fix: "list it in elements")
            }
            // Wrap into the box so LAMMPS needs no remapping.
            var f = inverse.leftMultiply(rotation.leftMultiply(s.positions[i]))
            for d in 0..<3 { f[d] -= f[d].rounded(.down) }
            let x = cell.leftMultiply(f)
            out += "\(i + 1) \(type + 1) \(fmt(x.x)) \(fmt(x.y)) \(fmt(x.z))\n"
        }
        return out
    }

    func fmt(_ x: Double) -> String { "\(x)" }
}
