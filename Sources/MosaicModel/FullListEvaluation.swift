import Foundation
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
    /// LAMMPS atom IDs (for messages), or nil.
    public var tags: UnsafePointer<Int32>?

    public init(
        inum: Int, ilist: UnsafePointer<Int32>, numneigh: UnsafePointer<Int32>,
        firstneigh: UnsafePointer<UnsafeMutablePointer<Int32>?>, neighbourMask: Int32, atomCount: Int,
        positions: UnsafePointer<Double>, types: UnsafePointer<Int32>, speciesOfType: UnsafePointer<Int32>,
        typeCount: Int, tags: UnsafePointer<Int32>? = nil
    ) {
        self.inum = inum
        self.ilist = ilist
        self.numneigh = numneigh
        self.firstneigh = firstneigh
        self.neighbourMask = neighbourMask
        self.atomCount = atomCount
        self.positions = positions
        self.types = types
        self.speciesOfType = speciesOfType
        self.typeCount = typeCount
        self.tags = tags
    }
}

/// Where results go (nil: not requested). Everything is accumulated (+=), as LAMMPS expects.
public struct FullListOutput {
    public var forces: UnsafeMutablePointer<Double>
    public var energy: UnsafeMutablePointer<Double>?
    public var atomEnergies: UnsafeMutablePointer<Double>?
    public var virial: UnsafeMutablePointer<Double>?
    public var atomVirials: UnsafeMutablePointer<Double>?

    public init(
        forces: UnsafeMutablePointer<Double>, energy: UnsafeMutablePointer<Double>?,
        atomEnergies: UnsafeMutablePointer<Double>?,
        virial: UnsafeMutablePointer<Double>?, atomVirials: UnsafeMutablePointer<Double>?
    ) {
        self.forces = forces
        self.energy = energy
        self.atomEnergies = atomEnergies
        self.virial = virial
        self.atomVirials = atomVirials
    }
}

/// Writes the core's contributions into LAMMPS's arrays (virials in LAMMPS order xx, yy, zz, xy, xz, yz).
struct FullListSink: EvaluationSink {
    let output: FullListOutput
    var energy = 0.0
    var virial = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    @inline(__always) mutating func addEnergy(_ e: Double, atom i: Int) {
        energy += e
        output.atomEnergies?[i] += e
    }

    @inline(__always) mutating func addPair(
        _ i: Int, _ j: Int, gradient g: Vector3<Double>, displacement d: SIMD3<Double>
    ) {
        let f = output.forces
        f[3 * i] += g.x
        f[3 * i + 1] += g.y
        f[3 * i + 2] += g.z
        f[3 * j] -= g.x
        f[3 * j + 1] -= g.y
        f[3 * j + 2] -= g.z
        guard output.virial != nil || output.atomVirials != nil else { return }
        let v = pairVirial(g, d)
        // Voigt (xx, yy, zz, yz, xz, xy) to LAMMPS (xx, yy, zz, xy, xz, yz).
        let lammps = (v.0, v.1, v.2, v.5, v.4, v.3)
        virial.0 += lammps.0
        virial.1 += lammps.1
        virial.2 += lammps.2
        virial.3 += lammps.3
        virial.4 += lammps.4
        virial.5 += lammps.5
        if let atomVirials = output.atomVirials {
            // Half to each end of the pair.
            func addHalf(_ atom: Int) {
                let target = atomVirials + 6 * atom
                target[0] += 0.5 * lammps.0
                target[1] += 0.5 * lammps.1
                target[2] += 0.5 * lammps.2
                target[3] += 0.5 * lammps.3
                target[4] += 0.5 * lammps.4
                target[5] += 0.5 * lammps.5
            }
            addHalf(i)
            addHalf(j)
        }
    }
}

extension ModelEvaluator {
    /// Loads the neighbours of atom i of a LAMMPS list (skipping types this style does not handle);
    /// returns its species and neighbour count, or nil if the style does not handle atom i. Throws
    /// (never traps) on an atom type outside 1...typeCount, an index out of range, or overlapping atoms.
    @inline(__always) func loadAtom(_ i: Int, of list: FullNeighbourList) throws -> (species: Int, count: Int)? {
        guard i >= 0, i < list.atomCount else {
            throw MosaicError("atom index \(i) outside 0..<\(list.atomCount)", fix: "report this as a bug")
        }
        let species = try list.species(of: i)
        if species < 0 { return nil }
        let xi = list.position(i)
        let count = Int(list.numneigh[i])
        var loaded = 0
        if count > 0, let neighbours = list.firstneigh[i] {
            reserve(count)
            for k in 0..<count {
                let j = Int(neighbours[k] & list.neighbourMask)
                guard j >= 0, j < list.atomCount else {
                    throw MosaicError("neighbour index \(j) outside 0..<\(list.atomCount)", fix: "report this as a bug")
                }
                let neighbourSpecies = try list.species(of: j)
                if neighbourSpecies < 0 { continue }
                let d = list.position(j) - xi
                let distance2 = load(&loaded, atom: j, species: neighbourSpecies, displacement: d, centre: species)
                if distance2 < Structure.overlapDistance * Structure.overlapDistance {
                    let distance = String(format: "%.2e", distance2.squareRoot())
                    throw MosaicError(
                        "atoms \(list.id(i)) and \(list.id(j)) overlap (\(distance) Å apart)",
                        fix: "no potential is defined there: check the data file, the time step or the velocities")
                }
            }
        }
        return (species, loaded)
    }
}

extension ModelEvaluator where T == Double {
    /// Adds energies, forces and virials of the atoms in `list` to `output`. Throws (never traps)
    /// on inconsistent input: an atom type outside 1...typeCount or a neighbour index out of range.
    public func evaluate(_ list: FullNeighbourList, into output: FullListOutput) throws {
        var sink = FullListSink(output: output)
        let allTerms = 0..<kernels.count
        for ii in 0..<list.inum {
            let i = Int(list.ilist[ii])
            guard let (species, count) = try loadAtom(i, of: list) else { continue }
            finishAtom(i, species: species, count: count, terms: allTerms, into: &sink)
        }
        output.energy?.pointee += sink.energy
        if let out = output.virial {
            out[0] += sink.virial.0
            out[1] += sink.virial.1
            out[2] += sink.virial.2
            out[3] += sink.virial.3
            out[4] += sink.virial.4
            out[5] += sink.virial.5
        }
    }
}

extension FullNeighbourList {
    @inline(__always) func position(_ i: Int) -> SIMD3<Double> {
        SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2])
    }

    /// Atom i's LAMMPS ID, or its index when no IDs were given.
    func id(_ i: Int) -> String { tags.map { "\($0[i])" } ?? "with index \(i)" }

    /// The model species of atom i (−1: a type this style does not handle).
    @inline(__always) func species(of i: Int) throws -> Int {
        let type = Int(types[i])
        guard type >= 1, type <= typeCount else {
            throw MosaicError("atom \(i) has type \(type) outside 1...\(typeCount)", fix: "check pair_coeff")
        }
        return Int(speciesOfType[type])
    }
}
