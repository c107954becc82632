import MosaicCore

/// Morse pair potential: E_i = ½ Σ_j D [e^{−2α(r−r0)} − 2 e^{−α(r−r0)}] fc(r).
public struct MorseTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("morse"), .cutoff, .width,
        KeyDoc("depth", unit: "eV", "well depth D; fitted"),
        KeyDoc("alpha", unit: "1/Å", "stiffness α; fitted"),
        KeyDoc("r0", unit: "Å", "equilibrium distance; fitted"),
    ]
    public static let typeName = "morse"
    public static let isPairwise = true
    public static let summary =
        "Morse pair potential ½ Σ_j D[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] fc(r); keys: depth (eV),"
        + " alpha (1/Å), r0, cutoff, width (Å)"

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var depth: Double
    public var alpha: Double
    public var r0: Double

    public init(name: String = "morse", cutoff: Double, width: Double = 1.0, depth: Double, alpha: Double, r0: Double) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.depth = depth
        self.alpha = alpha
        self.r0 = r0
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, depth, alpha, r0 }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "morse"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        depth = try c.decode(Double.self, forKey: .depth)
        alpha = try c.decode(Double.self, forKey: .alpha)
        r0 = try c.decode(Double.self, forKey: .r0)
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        [
            ParameterSpec("depth", depth, transform: .log),
            ParameterSpec("alpha", alpha, transform: .log),
            ParameterSpec("r0", r0),
        ]
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        depth = v[0]
        alpha = v[1]
        r0 = v[2]
    }

    public func validate(elements: [Element], location: String) throws { try validateCutoff(location: location) }

    public func applying(_ change: TermChange) throws -> MorseTerm {
        guard case .cutoff(let value) = change else {
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a Morse term does not support \(change)",
                fix: "change its cutoff or remove it")
        }
        var result = self
        result.cutoff = value
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] { [.remove] }

    public static func examples(elements: [Element]) -> [MorseTerm] {
        [MorseTerm(cutoff: 5.0, width: 1.2, depth: 0.3, alpha: 1.4, r0: 3.0)]
    }

    public func makeKernel(elements: [Element]) -> Kernel { Kernel(fc: SmoothCutoff(cutoff: cutoff, width: width)) }

    public struct Kernel: TermKernel {
        let fc: SmoothCutoff

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            let depth = p[0]
            let alpha = p[1]
            let r0 = p[2]
            return env.pairSum(fc, gradient) { _, r in
                let e1 = T.exp(-(alpha * (T(r) - r0)))
                return (depth * (e1 * e1 - e1 * 2), depth * alpha * (e1 * 2 - e1 * e1 * 2))
            }
        }
    }
}

extension Term {
    public static func morse(_ term: MorseTerm) -> Term { Term(term) }
}
