import MosaicCore

/// Born–Mayer short-range repulsion: E_i = ½ Σ_j A e^{−(r−r0)/ρ} fc(r), A, ρ > 0, r0 fixed.
public struct BornMayerTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let typeName = "born-mayer"
    public static let summary =
        "short-range repulsion ½ Σ_j A e^{−(r−r0)/ρ} fc(r); keys: amplitude (eV), rho (Å), r0, cutoff, width (Å)"
    public static let isBaseline = true

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var r0: Double
    public var amplitude: Double
    public var rho: Double

    public init(
        name: String = "repulsion", cutoff: Double, width: Double = 1.0, r0: Double, amplitude: Double, rho: Double
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.r0 = r0
        self.amplitude = amplitude
        self.rho = rho
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, r0, amplitude, rho }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "repulsion"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        r0 = try c.decode(Double.self, forKey: .r0)
        amplitude = try c.decode(Double.self, forKey: .amplitude)
        rho = try c.decode(Double.self, forKey: .rho)
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        [ParameterSpec("amplitude", amplitude, transform: .log), ParameterSpec("rho", rho, transform: .log)]
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        amplitude = v[0]
        rho = v[1]
    }

    public func validate(elements: [Element], location: String) throws { try validateCutoff(location: location) }

    public func applying(_ change: TermChange) throws -> BornMayerTerm {
        guard case .cutoff(let value) = change else {
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a Born–Mayer term does not support \(change)",
                fix: "change its cutoff")
        }
        var result = self
        result.cutoff = value
        return result
    }

    public static func examples(elements: [Element]) -> [BornMayerTerm] {
        [BornMayerTerm(cutoff: 4.0, width: 1.0, r0: 2.5, amplitude: 0.7, rho: 0.35)]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        Kernel(fc: SmoothCutoff(cutoff: cutoff, width: width), r0: r0)
    }

    public struct Kernel: TermKernel {
        let fc: SmoothCutoff
        let r0: Double

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            let amplitude = p[0]
            let inverseRho = T(1) / p[1]
            return env.pairSum(fc, gradient) { r in
                let phi = amplitude * T.exp(-((T(r) - r0) * inverseRho))
                return (phi, -(phi * inverseRho))
            }
        }
    }
}

extension Term {
    public static func bornMayer(_ term: BornMayerTerm) -> Term { Term(term) }
}
