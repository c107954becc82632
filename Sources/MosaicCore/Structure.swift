import Foundation

/// One atomic configuration with optional DFT labels.
///
/// Conventions (used everywhere in Mosaic):
/// - `cell` rows are the lattice vectors a, b, c in Å; positions are Cartesian in Å.
/// - `energy` is the total energy in eV; `forces` in eV/Å.
/// - `stress` is σ = (1/V) ∂E/∂ε in eV/Å³, **positive = tensile** (ASE's sign). A cell that
///   is compressed and wants to expand has a negative trace. VASP and LAMMPS report the
///   pressure tensor, which is −σ; the virial W = −V σ (eV) has LAMMPS's sign.
public struct Structure: Sendable {
    public var cell: Matrix3
    public var pbc: [Bool]
    public var positions: [Vec3]
    public var elements: [Element]
    public var energy: Double?
    public var forces: [Vec3]?
    public var stress: SymmetricTensor?
    /// Hierarchical label such as "Nb_AIMD/Md_90/300K": file, block, temperature.
    public var group: String
    /// Where it came from: "file.json entry 12" or "file.xyz frame 3 (line 120)".
    public var source: String
    /// Free-form extra information (e.g. frame index inside a trajectory).
    public var info: [String: String]

    public init(
        cell: Matrix3, pbc: [Bool] = [true, true, true], positions: [Vec3], elements: [Element],
        energy: Double? = nil, forces: [Vec3]? = nil, stress: SymmetricTensor? = nil,
        group: String = "default", source: String = "", info: [String: String] = [:]
    ) {
        self.cell = cell
        self.pbc = pbc
        self.positions = positions
        self.elements = elements
        self.energy = energy
        self.forces = forces
        self.stress = stress
        self.group = group
        self.source = source
        self.info = info
    }

    public var count: Int { positions.count }

    /// The atom fraction of the element `symbol` (0 for an empty structure).
    public func fraction(of symbol: String) -> Double {
        Double(elements.filter { $0.symbol == symbol }.count) / Double(max(count, 1))
    }
    public var volume: Double { abs(cell.determinant) }
    public var isPeriodic: Bool { pbc.allSatisfy { $0 } }

    /// Checks the physical sanity of the structure: finite numbers, matching array sizes and an
    /// invertible cell when any direction is periodic.
    public func validate() throws {
        let whereItIs = source.isEmpty ? nil : source
        func fail(_ message: String, _ fix: String) -> MosaicError {
            MosaicError(location: whereItIs, message, fix: fix)
        }
        guard !positions.isEmpty else { throw fail("structure has no atoms", "remove the empty frame") }
        guard elements.count == positions.count else {
            throw fail("\(elements.count) elements for \(positions.count) positions", "give one element per atom")
        }
        let names = ["a", "b", "c"]
        for d in 0..<3 where pbc[d] && norm(cell[d]) == 0 {
            throw fail(
                "the cell's lattice vector \(names[d]) is zero but the structure is periodic along it",
                "for a slab or a molecule give that direction a vacuum-padded vector, or make it non-periodic"
                    + " (pbc=\"T T F\" in extended XYZ)")
        }
        if pbc.allSatisfy({ $0 }), cell.inverse == nil {
            throw fail(
                "the cell is not invertible (lattice vectors are linearly dependent)",
                "check the Lattice / lattice.matrix entry")
        }
        for (i, p) in positions.enumerated() where !(p.x.isFinite && p.y.isFinite && p.z.isFinite) {
            throw fail("position of atom \(i) is not finite", "check the coordinates")
        }
        if let energy, !energy.isFinite { throw fail("energy is not finite (\(energy))", "drop this frame") }
        if let forces {
            guard forces.count == positions.count else {
                throw fail("\(forces.count) forces for \(positions.count) atoms", "give one force per atom")
            }
            for (i, f) in forces.enumerated() where !(f.x.isFinite && f.y.isFinite && f.z.isFinite) {
                throw fail("force on atom \(i) is not finite", "drop this frame or fix its forces")
            }
        }
        if let stress, !stress.voigt.allSatisfy(\.isFinite) {
            throw fail("stress is not finite", "drop this frame or its stress")
        }
        if let (i, j, distance) = closestOverlap(within: Structure.overlapDistance) {
            throw fail(
                "atoms \(i) and \(j) overlap (\(String(format: "%.2e", distance)) Å apart, periodic images included)",
                "remove the duplicated atom or fix the coordinates")
        }
    }

    /// Atoms closer than this (Å) are an error: no physical structure has them, and every potential
    /// is singular there.
    public static let overlapDistance = 0.01

    /// The first pair of atoms (i < j, or an atom and its own image) closer than `distance`.
    public func closestOverlap(within distance: Double) -> (Int, Int, Double)? {
        let list = NeighbourList(self, cutoff: distance)
        for i in 0..<count {
            for k in list.neighbours(of: i) {
                let j = Int(list.index[k])
                if j >= i { return (i, j, norm(list.delta[k])) }
            }
        }
        return nil
    }

    /// The same structure with every atom and the cell transformed by `x -> x · M`
    /// (a homogeneous deformation; the labels are dropped, they no longer apply).
    public func deformed(by matrix: Matrix3) -> Structure {
        var copy = self
        copy.cell = cell * matrix
        copy.positions = positions.map { matrix.leftMultiply($0) }
        copy.energy = nil
        copy.forces = nil
        copy.stress = nil
        return copy
    }

    /// An explicit supercell n0 x n1 x n2 (labels scaled: energy extensive, forces repeated, stress kept).
    public func supercell(_ n0: Int, _ n1: Int, _ n2: Int) -> Structure {
        var copy = self
        copy.positions = []
        copy.elements = []
        var newForces: [Vec3] = []
        for i in 0..<n0 {
            for j in 0..<n1 {
                for k in 0..<n2 {
                    let shift = Double(i) * cell.a + Double(j) * cell.b + Double(k) * cell.c
                    copy.positions += positions.map { $0 + shift }
                    copy.elements += elements
                    if let forces { newForces += forces }
                }
            }
        }
        copy.cell = Matrix3(Double(n0) * cell.a, Double(n1) * cell.b, Double(n2) * cell.c)
        copy.energy = energy.map { $0 * Double(n0 * n1 * n2) }
        copy.forces = forces == nil ? nil : newForces
        return copy
    }
}
