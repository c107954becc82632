import MosaicCore

/// Evaluation on a neighbour list in LAMMPS's layout (the path `pair_style mosaic` takes).
/// Atoms are local or ghost; forces on ghosts are left for LAMMPS's reverse communication
/// (newton pair on). Virial components are in LAMMPS order: xx, yy, zz, xy, xz, yz.
public struct FullNeighbourList {
    public var inum: Int
    public var ilist: UnsafePointer<Int32>
    public var numneigh: UnsafePointer<Int32>
    public var firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>
    /// Mask applied to neighbour indices (LAMMPS's NEIGHMASK: upper bits flag special bonds).
    public var neighbourMask: Int32
    /// Local + ghost atoms.
    public var atomCount: Int
    /// 3 doubles per atom.
    public var positions: UnsafePointer<Double>
    /// LAMMPS atom types (1-based).
    public var types: UnsafePointer<Int32>
    /// Model species of each LAMMPS type, indexed 1...typeCount (−1: not handled by this style).
    public var speciesOfType: UnsafePointer<Int32>
    public var typeCount: Int

    public init(inum: Int, ilist: UnsafePointer<Int32>, numneigh: UnsafePointer<Int32>,
                firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>, neighbourMask: Int32, atomCount: Int,
                positions: UnsafePointer<Double>, types: UnsafePointer<Int32>, speciesOfType: UnsafePointer<Int32>, typeCount: Int) {
        self.inum = inum; self.ilist = ilist; self.numneigh = numneigh; self.firstneigh = firstneigh
        self.neighbourMask = neighbourMask; self.atomCount = atomCount; self.positions = positions
        self.types = types; self.speciesOfType = speciesOfType; self.typeCount = typeCount
    }
}

/// Where results go (nil: not requested). Everything is accumulated (+=), as LAMMPS expects.
public struct FullListOutput {
    public var forces: UnsafeMutablePointer<Double>
    public var energy: UnsafeMutablePointer<Double>?
    public var atomEnergies: UnsafeMutablePointer<Double>?
    public var virial: UnsafeMutablePointer<Double>?
    public var atomVirials: UnsafeMutablePointer<Double>?

    public init(forces: UnsafeMutablePointer<Double>, energy: UnsafeMutablePointer<Double>?, atomEnergies: UnsafeMutablePointer<Double>?,
                virial: UnsafeMutablePointer<Double>?, atomVirials: UnsafeMutablePointer<Double>?) {
        self.forces = forces; self.energy = energy; self.atomEnergies = atomEnergies
        self.virial = virial; self.atomVirials = atomVirials
    }
}

extension ModelEvaluator where T == Double {
    /// Adds energies, forces and virials of the atoms in `list` to `output`. Throws (never traps)
    /// on inconsistent input: an atom type outside 1...typeCount or a neighbour index out of range.
    public func evaluate(_ list: FullNeighbourList, into output: FullListOutput) throws {
        let cutoff2 = cutoff * cutoff
        var energySum = 0.0
        var virial = [Double](repeating: 0, count: 6)
        for ii in 0..<list.inum {
            let i = Int(list.ilist[ii])
            guard i >= 0, i < list.atomCount else { throw MosaicError("atom index \(i) outside 0..<\(list.atomCount)", fix: "report this as a bug") }
            let type = Int(list.types[i])
            guard type >= 1, type <= list.typeCount else { throw MosaicError("atom \(i) has type \(type) outside 1...\(list.typeCount)", fix: "check pair_coeff") }
            let species = Int(list.speciesOfType[type])
            if species < 0 { continue }
            let xi = SIMD3(list.positions[3 * i], list.positions[3 * i + 1], list.positions[3 * i + 2])
            let count = Int(list.numneigh[i])
            guard count > 0, let neighbours = list.firstneigh[i] else {
                // No neighbours: only on-site terms.
                let energy = atomEnergy(species: species, count: 0, terms: 0..<kernels.count)
                energySum += energy
                output.atomEnergies?[i] += energy
                continue
            }
            reserve(count)
            var loaded = 0
            for k in 0..<count {
                let j = Int(neighbours[k] & list.neighbourMask)
                guard j >= 0, j < list.atomCount else { throw MosaicError("neighbour index \(j) outside 0..<\(list.atomCount)", fix: "report this as a bug") }
                let neighbourType = Int(list.types[j])
                guard neighbourType >= 1, neighbourType <= list.typeCount else {
                    throw MosaicError("atom \(j) has type \(neighbourType) outside 1...\(list.typeCount)", fix: "check pair_coeff")
                }
                if list.speciesOfType[neighbourType] < 0 { continue }
                let d = SIMD3(list.positions[3 * j], list.positions[3 * j + 1], list.positions[3 * j + 2]) - xi
                if (d * d).sum() < cutoff2 {
                    setNeighbour(loaded, displacement: d)
                    source[loaded] = j
                    loaded += 1
                }
            }
            let energy = atomEnergy(species: species, count: loaded, terms: 0..<kernels.count)
            energySum += energy
            output.atomEnergies?[i] += energy
            for c in 0..<loaded {
                let j = source[c]
                let g = gradient[c]
                let d = u[c] * r[c]
                output.forces[3 * i] += g.x; output.forces[3 * i + 1] += g.y; output.forces[3 * i + 2] += g.z
                output.forces[3 * j] -= g.x; output.forces[3 * j + 1] -= g.y; output.forces[3 * j + 2] -= g.z
                // −d ⊗ g in LAMMPS order xx, yy, zz, xy, xz, yz.
                let v0 = -d.x * g.x, v1 = -d.y * g.y, v2 = -d.z * g.z
                let v3 = -d.x * g.y, v4 = -d.x * g.z, v5 = -d.y * g.z
                if output.virial != nil {
                    virial[0] += v0; virial[1] += v1; virial[2] += v2; virial[3] += v3; virial[4] += v4; virial[5] += v5
                }
                if let atomVirials = output.atomVirials {
                    // Half to each end of the pair.
                    let vi = atomVirials + 6 * i, vj = atomVirials + 6 * j
                    vi[0] += 0.5 * v0; vi[1] += 0.5 * v1; vi[2] += 0.5 * v2; vi[3] += 0.5 * v3; vi[4] += 0.5 * v4; vi[5] += 0.5 * v5
                    vj[0] += 0.5 * v0; vj[1] += 0.5 * v1; vj[2] += 0.5 * v2; vj[3] += 0.5 * v3; vj[4] += 0.5 * v4; vj[5] += 0.5 * v5
                }
            }
        }
        output.energy?.pointee += energySum
        if let out = output.virial { for k in 0..<6 { out[k] += virial[k] } }
    }
}
