import MosaicCore

/// MEAM-like angular embedding: E_i = −A (√(ρ̄_i + ε) − √(√ε + ε)) (zero for an isolated atom) with the
/// angular density ρ̄_i = √(S_0 e^Γ + ε), Γ = Σ_{l=1}^{L} t_l S_l / S_0 (Baskes' exponential form), and
/// S_l = Σ_j Σ_k g(r_ij) g(r_ik) P_l(cos θ_jik) (j = k included). Every S_l lies in [0, S_0] (addition
/// theorem: a sum of |Σ_j g_j Y_lm(r̂_ij)|², and |P_l| ≤ 1), S_0 = (Σ_j g_j)², so with all t_l = 0 this is
/// the Finnis–Sinclair embedding of density g; the t_l weigh the angular character of the neighbourhood
/// (S_1, S_2, S_3 vanish on a perfect bcc site, S_4 does not). The density stays positive and smooth for
/// any t_l (the form before 27 Nov 2026, √(S_0 + Σ t_l S_l), went negative for negative t_l and was
/// clamped, a kink fits got stuck on). Parameters: A > 0, t_1 … t_L, and g's.
public struct AngularEmbeddingTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let keyDocs: [KeyDoc] = [
        .name("angular-embedding"), .cutoff, .width,
        KeyDoc("amplitude", unit: "eV", "A > 0; fitted"),
        KeyDoc("weights", "[t_1 … t_L]: weights of the angular densities S_l; their count is L; fitted"),
        KeyDoc("density", "radial function g(r) of the angular densities S_l; fitted"),
    ]
    public static let typeName = "angular-embedding"
    public static let summary =
        "MEAM-like −A √(√(S_0 exp(Σ_l t_l S_l / S_0))) of angular densities S_l; keys: amplitude (eV), weights"
        + " [t1…tL], density, cutoff, width"

    public var name: String
    public var cutoff: Double
    public var width: Double
    /// A (eV).
    public var amplitude: Double
    /// t_1 … t_L: the Legendre order L is their count.
    public var weights: [Double]
    public var density: RadialFunction
    public var order: Int { weights.count }

    /// √(ρ̄ + ε) of an atom without neighbours (ρ̄ = √ε): subtracted so that its energy is zero.
    static let isolatedRoot = (EmbeddingTerm.epsilon.squareRoot() + EmbeddingTerm.epsilon).squareRoot()

    public init(
        name: String = "angular-embedding", cutoff: Double, width: Double = 1.0, amplitude: Double,
        weights: [Double], density: RadialFunction
    ) {
        self.name = name
        self.cutoff = cutoff
        self.width = width
        self.amplitude = amplitude
        self.weights = weights
        self.density = density
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, cutoff, width, amplitude, weights, density }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "angular-embedding"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        amplitude = try c.decode(Double.self, forKey: .amplitude)
        weights = try c.decode([Double].self, forKey: .weights)
        density = try c.decode(RadialFunction.self, forKey: .density)
    }

    public var label: String { "\(name)(L\(order),\(String(format: "%.1f", cutoff))Å)" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        [ParameterSpec("A", amplitude, transform: .log)]
            + weights.enumerated().map { ParameterSpec("t\($0 + 1)", $1) }
            + density.parameterSpecs(prefix: "density")
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        let v = Array(values)
        let n = weights.count
        amplitude = v[0]
        weights = Array(v[1...n])
        density.values = Array(v[(n + 1)...])
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        guard (1...7).contains(order) else {
            throw MosaicError(
                location: location, "\(order) weights: the Legendre order must be in 1...7",
                fix: "give weights: [t1, t2, t3, t4] (zeros to start)")
        }
        try density.validate(location: location + " density")
    }

    public func applying(_ change: TermChange) throws -> AngularEmbeddingTerm {
        var result = self
        switch change {
        case .resize(let size) where size >= 1:
            result.weights = (0..<size).map { $0 < weights.count ? weights[$0] : 0 }
        case .cutoff(let value):
            result.cutoff = value
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "an angular embedding does not support \(change)",
                fix: "resize it (order at least 1) or change its cutoff")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        order > 1 ? [.resize(order - 1)] : [.remove]
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        room >= 1 && order < 6 ? [.resize(order + 1)] : []
    }

    public static func examples(elements: [Element]) -> [AngularEmbeddingTerm] {
        [
            AngularEmbeddingTerm(
                cutoff: 4.3, width: 1.0, amplitude: 0.9, weights: [0.3, -0.2, 0.5, 0.1],
                density: .gaussian(center: 2.7, width: 0.8))
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        Kernel(
            cutoff: cutoff, order: order, density: density.shape(cutoff: SmoothCutoff(cutoff: cutoff, width: width)))
    }

    public struct Kernel: TermKernel {
        let cutoff: Double
        let order: Int
        let density: RadialFunction.Shape

        public var legendreOrder: Int { order }

        public func scratchCount(neighbours count: Int) -> Int { 2 * count + 2 * (order + 1) }

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            let m = env.selectNeighbours(within: cutoff)
            let g = scratch
            let dg = scratch + m
            let sums = dg + m
            let coefficients = sums + order + 1
            let densityParameters = p + 1 + order
            var diagonal = T(0)
            for a in 0..<m {
                let (value, slope) = density.evaluate(env.r[env.selection[a]], densityParameters)
                g[a] = value
                dg[a] = slope
                diagonal += value * value
            }
            // S_l = Σ_j g_j² + 2 Σ_{j<k} g_j g_k P_l(cos θ_jk).
            for l in 0...order { sums[l] = diagonal }
            env.prepareLegendre(order: order)
            for a in 0..<m {
                let ua = env.u[env.selection[a]]
                for b in (a + 1)..<m {
                    env.computeLegendre(dot(ua, env.u[env.selection[b]]), order: order)
                    let gg = g[a] * g[b] * 2
                    for l in 0...order { sums[l] += gg * env.legendre[l] }
                }
            }
            // No density: the isolated atom's energy, zero.
            guard m > 0, sums[0].value > 0 else { return T(0) }
            // x = S_0 e^Γ, Γ = Σ t_l S_l / S_0.
            var weighted = T(0)
            for l in 1...order { weighted += p[l] * sums[l] }
            let gamma = weighted / sums[0]
            let growth = T.exp(gamma)
            let x = sums[0] * growth
            let rho = T.sqrt(x + EmbeddingTerm.epsilon)
            let s = T.sqrt(rho + EmbeddingTerm.epsilon)
            let energy = -(p[0] * (s - AngularEmbeddingTerm.isolatedRoot))
            // dE/dS_0 = dE/dx · e^Γ (1 − Γ), dE/dS_l = dE/dx · e^Γ t_l; the pair sum enters S_l twice.
            let dEdx = -(p[0] * 0.25 / (s * rho))
            var diagonalWeight = dEdx * growth * (T(1) - gamma)
            coefficients[0] = diagonalWeight * 2
            for l in 1...order {
                let weight = dEdx * growth * p[l]
                coefficients[l] = weight * 2
                diagonalWeight += weight
            }
            for a in 0..<m {
                gradient[env.selection[a]].add(env.u[env.selection[a]], times: diagonalWeight * 2 * g[a] * dg[a])
            }
            _ = env.pairAngularSum(
                m: m, channelCount: 1, order: order, g: g, dg: dg, coefficients: coefficients, gradient)
            return energy
        }
    }
}

extension Term {
    public static func angularEmbedding(_ term: AngularEmbeddingTerm) -> Term { Term(term) }
}
