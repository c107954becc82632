import MosaicCore

/// Embedding (EAM / Finnis–Sinclair): E_i = F(ρ_i), ρ_i = Σ_j f(r_ij).
/// - `sqrt`: F = −A (√(ρ + ε) − √ε) + Σ_{k≥2} b_k ρ^k, coefficients [A, b_2, b_3, …] (Finnis–Sinclair
///   with optional higher-order corrections), A > 0, ε = 1e-4 keeps F′ ≤ 50 A at ρ = 0;
/// - `polynomial`: F = Σ_{k≥1} a_k ρ^k, coefficients [a_1, a_2, …].
public struct EmbeddingTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let typeName = "embedding"
    public static let summary =
        "embedding F(ρ_i) of the density ρ_i = Σ_j f(r_ij); keys: form (sqrt|polynomial), coefficients, density,"
        + " cutoff, width"

    public enum Form: String, Codable, Sendable { case sqrt, polynomial }

    public var name: String
    public var cutoff: Double
    public var width: Double
    public var form: Form
    public var coefficients: [Double]
    public var density: RadialFunction

    public init(
        name: String = "embedding", cutoff: Double, width: Double = 1.0, form: Form, coefficients: [Double],
        density: RadialFunction
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.form = form
        self.coefficients = coefficients
        self.density = density
    }

    static let epsilon = 1e-4

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, form, coefficients, density }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "embedding"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        form = try c.decode(Form.self, forKey: .form)
        coefficients = try c.decode([Double].self, forKey: .coefficients)
        density = try c.decode(RadialFunction.self, forKey: .density)
    }

    public var label: String {
        form == .polynomial
            ? "\(name)(poly\(coefficients.count))"
            : "\(name)(√\(coefficients.count > 1 ? "+ρ^2…\(coefficients.count)" : ""))"
    }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        let outer = coefficients.enumerated().map { k, value -> ParameterSpec in
            switch form {
            case .sqrt:
                return k == 0
                    ? ParameterSpec("A", value, transform: .log) : ParameterSpec("b\(k + 1)", value, linear: true)
            case .polynomial: return ParameterSpec("a\(k + 1)", value, linear: true)
            }
        }
        return outer + density.parameterSpecs(prefix: "density")
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        let n = coefficients.count
        coefficients = Array(v[0..<n])
        density.values = Array(v[n...])
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
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
            result.coefficients = (0..<size).map { $0 < coefficients.count ? coefficients[$0] : 0 }
        case .cutoff(let value):
            result.cutoff = value
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "an embedding does not support \(change)",
                fix: "resize it (at least one coefficient) or change its cutoff")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        coefficients.count > 1 ? [.resize(coefficients.count - 1)] : [.remove]
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        room >= 1 && coefficients.count < (form == .polynomial ? 4 : 3) ? [.resize(coefficients.count + 1)] : []
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
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        Kernel(
            density: density.shape(cutoff: SmoothCutoff(cutoff: cutoff, width: width)), isSqrt: form == .sqrt,
            coefficientCount: coefficients.count)
    }

    public struct Kernel: TermKernel {
        let density: RadialFunction.Shape
        let isSqrt: Bool
        let coefficientCount: Int

        public func scratchCount(neighbours count: Int) -> Int { count }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            var rho = T(0)
            let q = p + coefficientCount
            for k in 0..<env.count {
                if env.r[k] < density.cutoff.cutoff {
                    let (f, df) = density.evaluate(env.r[k], q)
                    rho += f
                    scratch[k] = df
                } else {
                    scratch[k] = T(0)
                }
            }
            var energy: T
            var slope: T
            if isSqrt {
                let s = T.sqrt(rho + EmbeddingTerm.epsilon)
                energy = -(p[0] * (s - EmbeddingTerm.epsilon.squareRoot()))
                slope = -(p[0] * 0.5 / s)
                if coefficientCount > 1 {
                    // ρ² (b_2 + b_3 ρ + …) by Horner, with its slope.
                    var e = T(0)
                    var d = T(0)
                    for k in stride(from: coefficientCount - 1, through: 1, by: -1) {
                        d = d * rho + e
                        e = e * rho + p[k]
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
                    energy = energy * rho + p[k]
                }
                slope = slope * rho + energy
                energy = energy * rho
            }
            for k in 0..<env.count where env.r[k] < density.cutoff.cutoff {
                gradient[k].add(env.u[k], times: slope * scratch[k])
            }
            return energy
        }
    }
}

extension Term {
    public static func embedding(_ term: EmbeddingTerm) -> Term { Term(term) }
}
