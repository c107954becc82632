import MosaicCore

/// Per-element reference energies: E_i += e[element of i] (eV).
public struct ReferenceEnergyTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("reference"),
        KeyDoc(
            "energies", unit: "eV", default: "0 per element",
            "energy of an atom of each element, e.g. `{Nb: -10.2}`; fitted (linear), not regularised"),
    ]
    public static let typeName = "reference"
    public static let summary = "per-element reference energy e[Z] (eV); keys: energies {Nb: -10.2}"
    public static let isBaseline = true
    public static let isRegularised = false
    public static let isOnSite = true

    public var name: String
    /// eV per atom of each element; elements not listed start at 0.
    public var energies: [String: Double]

    public init(name: String = "reference", energies: [String: Double] = [:]) {
        self.name = name
        self.energies = energies
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, energies }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "reference"
        energies = try c.decodeIfPresent([String: Double].self, forKey: .energies) ?? [:]
    }

    public var cutoff: Double { 0 }
    public var label: String { "ref" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        elements.map { ParameterSpec($0.symbol, energies[$0.symbol] ?? 0, linear: true, species: [$0.symbol]) }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        for (element, value) in zip(elements, values) { energies[element.symbol] = value }
    }

    public static func examples(elements: [Element]) -> [ReferenceEnergyTerm] {
        [
            ReferenceEnergyTerm(
                energies: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { ($1.symbol, -9.5 - 0.8 * Double($0)) }))
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel { Kernel() }

    public struct Kernel: TermKernel {
        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            p[env.species]
        }
    }
}

extension Term {
    public static func reference(_ term: ReferenceEnergyTerm) -> Term { Term(term) }
}
