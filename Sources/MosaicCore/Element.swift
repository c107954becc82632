/// A chemical element: symbol, atomic number and standard atomic mass (amu).
public struct Element: Hashable, Sendable, CustomStringConvertible, Codable {
    public let symbol: String
    public let atomicNumber: Int
    public var mass: Double { Element.masses[atomicNumber - 1] }
    public var description: String { symbol }

    /// The element with this symbol (case as written in the periodic table), or nil.
    public init?(symbol: String) {
        guard let index = Element.symbols.firstIndex(of: symbol) else { return nil }
        self.symbol = symbol
        self.atomicNumber = index + 1
    }

    /// Looks an element up and throws a clear error for unknown symbols.
    public static func named(_ symbol: String, file: String? = nil, location: String? = nil) throws -> Element {
        guard let element = Element(symbol: symbol) else {
            throw MosaicError(
                file: file, location: location, "unknown element '\(symbol)'",
                fix: "use a chemical symbol such as Nb, Mo, Ta or W")
        }
        return element
    }

    public init(from decoder: Decoder) throws {
        let symbol = try decoder.singleValueContainer().decode(String.self)
        guard let element = Element(symbol: symbol) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown element '\(symbol)'"))
        }
        self = element
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(symbol)
    }

    static let symbols = [
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
        "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga",
        "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd",
        "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm",
        "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os",
        "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa",
        "U", "Np", "Pu",
    ]
    /// Standard atomic weights (IUPAC, abridged), in amu.
    static let masses: [Double] = [
        1.008, 4.0026, 6.94, 9.0122, 10.81, 12.011, 14.007, 15.999, 18.998, 20.180, 22.990,
        24.305, 26.982, 28.085, 30.974, 32.06, 35.45, 39.948, 39.098, 40.078, 44.956, 47.867,
        50.942, 51.996, 54.938, 55.845, 58.933, 58.693, 63.546, 65.38, 69.723, 72.630, 74.922,
        78.971, 79.904, 83.798, 85.468, 87.62, 88.906, 91.224, 92.906, 95.95, 97.0, 101.07,
        102.91, 106.42, 107.87, 112.41, 114.82, 118.71, 121.76, 127.60, 126.90, 131.29, 132.91,
        137.33, 138.91, 140.12, 140.91, 144.24, 145.0, 150.36, 151.96, 157.25, 158.93, 162.50,
        164.93, 167.26, 168.93, 173.05, 174.97, 178.49, 180.95, 183.84, 186.21, 190.23, 192.22,
        195.08, 196.97, 200.59, 204.38, 207.2, 208.98, 209.0, 210.0, 222.0, 223.0, 226.0,
        227.0, 232.04, 231.04, 238.03, 237.0, 244.0,
    ]
}
