import MosaicCore
import MosaicModel

/// The residual rows of one structure, defined once for the loss, the metrics, the Fisher
/// information and the design loop: one energy row (if the structure has an energy label), three
/// force rows per atom (if it has forces), then six stress rows in Voigt order xx, yy, zz, yz, xz, xy
/// (if it has a stress and is periodic).
public struct ResidualRows: Sendable, Equatable {
    public let hasEnergy: Bool
    public let hasForces: Bool
    public let hasStress: Bool
    public let atoms: Int

    public init(_ s: Structure) {
        hasEnergy = s.energy != nil
        hasForces = s.forces != nil
        hasStress = s.stress != nil && s.isPeriodic
        atoms = s.count
    }

    /// Number of rows.
    public var count: Int { (hasEnergy ? 1 : 0) + (hasForces ? 3 * atoms : 0) + (hasStress ? 6 : 0) }

    /// Number of rows of every structure of `data`.
    public static func count(_ data: Dataset) -> Int { data.structures.reduce(0) { $0 + ResidualRows($1).count } }
    var forceStart: Int { hasEnergy ? 1 : 0 }
    var stressStart: Int { forceStart + (hasForces ? 3 * atoms : 0) }

    /// Multipliers that turn raw differences (model − DFT: total energy in eV, force components in
    /// eV/Å, virial-based stress in eV) into weighted residuals.
    public struct Scales: Sendable {
        public var energy: Double
        public var force: Double
        public var stress: Double
    }

    /// Weighted residuals of a prediction, in row order.
    public func residuals(_ s: Structure, _ p: Prediction<Double>, scales w: Scales) -> [Double] {
        var r: [Double] = []
        r.reserveCapacity(count)
        if hasEnergy, let e = s.energy { r.append(w.energy * (p.energy - e)) }
        if hasForces, let forces = s.forces {
            for i in 0..<atoms {
                let d = p.forces[i].values - forces[i]
                r.append(w.force * d.x)
                r.append(w.force * d.y)
                r.append(w.force * d.z)
            }
        }
        if hasStress, let stress = s.stress {
            // σ = −W/V; the stress scale holds 1/V.
            for v in 0..<6 { r.append(w.stress * (-p.virial[v] - stress.voigt[v] * s.volume)) }
        }
        return r
    }

    /// d(row)/dθ_q from a structure's Jacobian.
    @inline(__always)
    public func derivative(_ row: Int, _ q: Int, _ j: StructureJacobian, scales w: Scales) -> Double {
        if hasEnergy, row == 0 { return w.energy * j.energy[q] }
        if row < stressStart { return w.force * j.forces[(row - forceStart) * j.parameterCount + q] }
        return -w.stress * j.virial[(row - stressStart) * j.parameterCount + q]
    }
}
