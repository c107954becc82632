/// Metal units, as LAMMPS `units metal`: eV, Å, ps, amu; stresses internally in eV/Å³.
public enum Units {
    /// 1 eV/Å³ in GPa.
    public static let eVPerCubicAngstromInGPa = 160.21766208
    /// 1 kbar in GPa.
    public static let kbarInGPa = 0.1
    /// 1 J/m² in eV/Å².
    public static let joulePerSquareMetreInEVPerSquareAngstrom = 0.062415091258832580

    /// Converts a stress in eV/Å³ to GPa.
    public static func gigapascal(_ eVPerA3: Double) -> Double { eVPerA3 * eVPerCubicAngstromInGPa }
}
