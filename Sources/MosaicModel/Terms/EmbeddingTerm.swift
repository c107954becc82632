import MosaicCore

/// Embedding (EAM / Finnis–Sinclair): E_i = F(ρ_i), ρ_i = Σ_j f(r_ij).
/// - `sqrt`: F = −A (√(ρ + ε) − √ε) + Σ_{k≥2} b_k ρ^k, coefficients [A, b_2, b_3, …]
///   (Finnis–Sinclair with optional higher-order corrections), A > 0, ε = 1e-4 keeps F′ ≤ 50 A at ρ = 0;
/// - `polynomial`: F = Σ_{k≥1} a_k ρ^k, coefficients [a_1, a_2, …].
/// Shared by all species, or resolved by element as in EAM/alloy (`species: {Nb: {coefficients,
/// density}, Mo: {...}}`): F of the centre's element, and each neighbour contributes the density of its
/// own element, E_i = F_{s_i}(Σ_j f_{s_j}(r_ij)).
public struct EmbeddingTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("embedding"), .cutoff, .width,
        KeyDoc(
            "form",
            "`sqrt`: F = −A(√(ρ + ε) − √ε) + Σ_k≥2 b_k ρ^k (Finnis–Sinclair);"
                + " `polynomial`: F = Σ_k≥1 a_k ρ^k"),
        KeyDoc(
            "coefficients", unit: "eV", default: "required unless `species`",
            "sqrt: [A, b_2, b_3, …] (A > 0); polynomial: [a_1, a_2, …]; ρ is dimensionless; fitted"),
        KeyDoc("density", default: "required unless `species`", "radial function f(r): ρ_i = Σ_j f(r_ij)"),
        KeyDoc(
            "species", default: "shared",
            "`{El: {coefficients, density}}` per element (EAM/alloy: F of the centre's element, each neighbour adds"
                + " its own element's density); instead of coefficients and density"),
    ]
    public static let typeName = "embedding"
    public static let summary =
        "embedding F(ρ_i) of the density ρ_i = Σ_j f(r_ij); keys: form (sqrt|polynomial), coefficients, density"
        + " (shared) or species {El: {coefficients, density}} (EAM/alloy), cutoff, width"

    public enum Form: String, Codable, Sendable { case sqrt, polynomial }

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var form: Form
    /// The shared F coefficients (empty when `species` is given).
    public var coefficients: [Double]
    /// The shared density (when `species` is given: that of the alphabetically first element, unused).
    public var density: RadialFunction
    /// F and density of one element.
    public struct Species: Codable, Sendable, Equatable {
        public var coefficients: [Double]
        public var density: RadialFunction

        public init(coefficients: [Double], density: RadialFunction) {
            self.coefficients = coefficients
            self.density = density
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case coefficients, density }

        public init(from decoder: Decoder) throws {
            try KeyCheck.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "an embedding's element entry")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            coefficients = try c.decode([Double].self, forKey: .coefficients)
            density = try c.decode(RadialFunction.self, forKey: .density)
        }
    }
    /// One F and density per element symbol; nil when shared.
    public var species: [String: Species]?

    public init(
        name: String = "embedding", cutoff: Double, width: Double = 1.0, form: Form, coefficients: [Double],
        density: RadialFunction, species: [String: Species]? = nil
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.form = form
        self.coefficients = species == nil ? coefficients : []
        self.density = species.flatMap { $0.min { $0.key < $1.key }?.value.density } ?? density
        self.species = species
    }

    /// The number of F coefficients (the same for every element).
    var coefficientCount: Int { species?.values.first?.coefficients.count ?? coefficients.count }

    static let epsilon = 1e-4

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, form, coefficients, density, species }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let species = try c.decodeIfPresent([String: Species].self, forKey: .species)
        if species != nil, c.contains(.coefficients) || c.contains(.density) {
            throw DecodingError.dataCorruptedError(
                forKey: .species, in: c,
                debugDescription: "give either coefficients and density (shared) or species, not both")
        }
        let density: RadialFunction
        if let first = species?.min(by: { $0.key < $1.key })?.value.density {
            density = first
        } else {
            density = try c.decode(RadialFunction.self, forKey: .density)
        }
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "embedding",
            cutoff: try c.decode(Double.self, forKey: .cutoff),
            width: try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0,
            form: try c.decode(Form.self, forKey: .form),
            coefficients: species == nil ? try c.decode([Double].self, forKey: .coefficients) : [],
            density: density, species: species)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(width, forKey: .width)
        try c.encode(form, forKey: .form)
        if let species {
            try c.encode(species, forKey: .species)
        } else {
            try c.encode(coefficients, forKey: .coefficients)
            try c.encode(density, forKey: .density)
        }
    }

    public var label: String {
        let size = coefficientCount
        let shape = form == .polynomial ? "poly\(size)" : "√\(size > 1 ? "+ρ^2…\(size)" : "")"
        return "\(name)(\(shape)\(species == nil ? "" : " per element"))"
    }

    /// The F coefficients' parameters, named with `prefix`.
    func coefficientSpecs(_ values: [Double], prefix: String, species: [String]) -> [ParameterSpec] {
        values.enumerated().map { k, value -> ParameterSpec in
            switch form {
            case .sqrt:
                return k == 0
                    ? ParameterSpec(prefix + "A", value, transform: .log, species: species, amplitude: true)
                    : ParameterSpec(prefix + "b\(k + 1)", value, linear: true, species: species)
            case .polynomial: return ParameterSpec(prefix + "a\(k + 1)", value, linear: true, species: species)
            }
        }
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        guard let species else {
            return coefficientSpecs(coefficients, prefix: "", species: [])
                + density.parameterSpecs(prefix: "density")
        }
        return elements.flatMap { element -> [ParameterSpec] in
            guard let entry = species[element.symbol] else { return [] }
            return coefficientSpecs(entry.coefficients, prefix: "\(element.symbol).", species: [element.symbol])
                + entry.density.parameterSpecs(prefix: "\(element.symbol).density").map {
                    var spec = $0
                    spec.species = [element.symbol]
                    return spec
                }
        }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        guard species != nil else {
            let n = coefficients.count
            coefficients = Array(v[0..<n])
            density.values = Array(v[n...])
            return
        }
        var k = 0
        for element in elements {
            guard var entry = species![element.symbol] else { continue }
            let n = entry.coefficients.count
            let m = entry.density.values.count
            entry.coefficients = Array(v[k..<k + n])
            entry.density.values = Array(v[k + n..<k + n + m])
            species![element.symbol] = entry
            k += n + m
        }
        density = species!.min { $0.key < $1.key }!.value.density
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        if let species {
            try PairBlocks.validateKeys(
                species.keys, expected: elements.map(\.symbol), what: "species", entry: "element", location: location,
                fix: "give one entry per element: \(elements.map(\.symbol).joined(separator: ", "))")
            let first = species.values.first!
            for (symbol, entry) in species.sorted(by: { $0.key < $1.key }) {
                guard entry.coefficients.count == first.coefficients.count,
                    entry.density.family == first.density.family,
                    entry.density.values.count == first.density.values.count
                else {
                    throw MosaicError(
                        location: location + " species \(symbol)",
                        "every element needs the same number of coefficients and the same density family and size",
                        fix: "make the entries alike (values may differ)")
                }
                var shared = self
                shared.species = nil
                shared.coefficients = entry.coefficients
                shared.density = entry.density
                try shared.validate(elements: elements, location: location + " species \(symbol)")
            }
            return
        }
        if form == .sqrt, coefficients.isEmpty {
            throw MosaicError(
                location: location, "sqrt embedding needs coefficients [A] or [A, b2, ...]", fix: "coefficients: [A]")
        }
        if form == .polynomial, coefficients.isEmpty {
            throw MosaicError(
                location: location, "polynomial embedding needs coefficients", fix: "coefficients: [a1, a2, ...]")
        }
        if form == .sqrt, density.family == .spline {
            throw MosaicError(
                location: location, "sqrt embedding needs a positive density (exponential or gaussian)",
                fix: "use density.family exponential or gaussian")
        }
        try density.validate(location: location + " density")
    }

    public func applying(_ change: TermChange) throws -> EmbeddingTerm {
        var result = self
        switch change {
        case .resize(let size) where size >= 1:
            func resized(_ values: [Double]) -> [Double] { (0..<size).map { $0 < values.count ? values[$0] : 0 } }
            if species == nil {
                result.coefficients = resized(coefficients)
            } else {
                result.species = species!.mapValues {
                    Species(coefficients: resized($0.coefficients), density: $0.density)
                }
            }
        case .cutoff(let value):
            result.cutoff = value
        case .splitBySpecies(let elements) where species == nil && elements.count > 1:
            result.species = Dictionary(
                uniqueKeysWithValues: elements.map {
                    ($0.symbol, Species(coefficients: coefficients, density: density))
                })
            result.coefficients = []
        case .fuseSpecies where species != nil:
            // The mean in the fit's coordinates (log for positive scales) of every parameter.
            let entries = species!.sorted { $0.key < $1.key }.map(\.value)
            let transforms =
                coefficientSpecs(entries[0].coefficients, prefix: "", species: []).map(\.transform)
                + entries[0].density.transforms
            let blocks = entries.map { $0.coefficients + $0.density.values }
            let mean = transforms.indices.map { k in
                transforms[k].naturalValue(
                    blocks.reduce(0) { $0 + transforms[k].internalValue($1[k]) } / Double(blocks.count))
            }
            let n = entries[0].coefficients.count
            result.coefficients = Array(mean[0..<n])
            result.density = entries[0].density
            result.density.values = Array(mean[n...])
            result.species = nil
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "an embedding does not support \(change)",
                fix: "resize it (at least one coefficient), change its cutoff, split a shared one by element or fuse a"
                    + " split one")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        (species != nil ? [.fuseSpecies] : []) + (coefficientCount > 1 ? [.resize(coefficientCount - 1)] : [.remove])
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        let blocks = species?.count ?? 1
        var changes: [TermChange] =
            room >= blocks && coefficientCount < (form == .polynomial ? 4 : 3) ? [.resize(coefficientCount + 1)] : []
        let blockSize = coefficientCount + density.values.count
        if species == nil, context.elements.count > 1, room >= blockSize * (context.elements.count - 1) {
            changes.append(.splitBySpecies(elements: context.elements))
        }
        return changes
    }

    /// A Finnis–Sinclair √ embedding of an exponential density decaying from the nearest-neighbour distance.
    public static func starter(nearestNeighbour r1: Double, cutoff: Double) -> EmbeddingTerm? {
        EmbeddingTerm(
            cutoff: cutoff, width: 1.5, form: .sqrt, coefficients: [1.0], density: .exponential(beta: 3.0, r0: r1))
    }

    public static func examples(elements: [Element]) -> [EmbeddingTerm] {
        [
            EmbeddingTerm(
                cutoff: 5.2, width: 1.3, form: .sqrt, coefficients: [1.7, 0.004, -0.0002],
                density: .exponential(beta: 2.5, r0: 2.86)),
            EmbeddingTerm(
                name: "embedding-polynomial", cutoff: 4.8, width: 1.0, form: .polynomial,
                coefficients: [-0.3, 0.02, -0.001], density: .gaussian(center: 2.9, width: 0.7)),
            EmbeddingTerm(
                name: "embedding-spline", cutoff: 5.0, width: 1.0, form: .polynomial, coefficients: [-0.2, 0.03],
                density: .spline(inner: 1.5, weights: [0.4, 0.3, 0.5, 0.2, 0.35, 0.1])),
            // EAM/alloy form: F and density per element, each different.
            EmbeddingTerm(
                name: "embedding-by-species", cutoff: 5.2, width: 1.3, form: .sqrt, coefficients: [],
                density: .exponential(beta: 2.5, r0: 2.86),
                species: Dictionary(
                    uniqueKeysWithValues: elements.enumerated().map { k, element in
                        (
                            element.symbol,
                            Species(
                                coefficients: [1.7 + 0.4 * Double(k), 0.004 - 0.002 * Double(k)],
                                density: .exponential(beta: 2.5 + 0.6 * Double(k), r0: 2.86 - 0.1 * Double(k)))
                        )
                    })),
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        let fc = SmoothCutoff(cutoff: cutoff, width: width)
        let entries = elements.map { element -> Species in
            species?[element.symbol] ?? Species(coefficients: coefficients, density: density)
        }
        let blockSize = coefficientCount + entries[0].density.values.count
        return Kernel(
            densities: entries.map { $0.density.shape(cutoff: fc) }, isSqrt: form == .sqrt,
            coefficientCount: coefficientCount,
            offsets: elements.indices.map { species == nil ? 0 : $0 * blockSize }, cutoff: cutoff)
    }

    public struct Kernel: TermKernel {
        /// F(ρ) and F′(ρ) for the coefficients at `c` (the centre's block).
        @inline(__always)
        func embedding<T: ModelScalar>(_ rho: T, _ c: UnsafePointer<T>) -> (T, T) {
            var energy: T
            var slope: T
            if isSqrt {
                let s = T.sqrt(rho + EmbeddingTerm.epsilon)
                energy = -(c[0] * (s - EmbeddingTerm.epsilon.squareRoot()))
                slope = -(c[0] * 0.5 / s)
                if coefficientCount > 1 {
                    // ρ² (b_2 + b_3 ρ + …) by Horner, with its slope.
                    var e = T(0)
                    var d = T(0)
                    for k in stride(from: coefficientCount - 1, through: 1, by: -1) {
                        d = d * rho + e
                        e = e * rho + c[k]
                    }
                    energy += rho * rho * e
                    slope += rho * (e * 2 + rho * d)
                }
            } else {
                // Horner for F and F'.
                energy = T(0)
                slope = T(0)
                for k in stride(from: coefficientCount - 1, through: 0, by: -1) {
                    slope = slope * rho + energy
                    energy = energy * rho + c[k]
                }
                slope = slope * rho + energy
                energy = energy * rho
            }
            return (energy, slope)
        }

        /// F of a centre of `species` at density ρ (natural parameters `p` of the term): for tabulation.
        public func embeddingEnergy(_ rho: Double, species: Int, _ p: UnsafePointer<Double>) -> Double {
            embedding(rho, p + offsets[species]).0
        }

        /// The density a neighbour of `species` at distance r contributes (cutoff function included).
        public func density(_ r: Double, species: Int, _ p: UnsafePointer<Double>) -> Double {
            r < cutoff ? densities[species].evaluate(r, p + offsets[species] + coefficientCount).0 : 0
        }

        /// The density of each species (the same shape for all when shared).
        let densities: [RadialFunction.Shape]
        let isSqrt: Bool
        let coefficientCount: Int
        /// Parameter offset of each species' block (F coefficients, then density parameters); zeros when shared.
        let offsets: [Int]
        let cutoff: Double

        public func scratchCount(neighbours count: Int) -> Int { count }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            var rho = T(0)
            for k in 0..<env.count {
                if env.r[k] < cutoff {
                    let s = Int(env.neighbourSpecies[k])
                    let (f, df) = densities[s].evaluate(env.r[k], p + offsets[s] + coefficientCount)
                    rho += f
                    scratch[k] = df
                } else {
                    scratch[k] = T(0)
                }
            }
            let (energy, slope) = embedding(rho, p + offsets[env.species])
            for k in 0..<env.count where env.r[k] < cutoff {
                gradient[k].add(env.u[k], times: slope * scratch[k])
            }
            return energy
        }
    }
}

extension Term {
    public static func embedding(_ term: EmbeddingTerm) -> Term { Term(term) }
}
