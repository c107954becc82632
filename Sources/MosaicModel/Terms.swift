import Foundation
import MosaicCore

// Single-term models. Each is a Codable description (hyper-parameters + natural parameter
// values, as written in model and potential files) with a kernel that returns the atomic
// energy E_i and adds dE_i/d(r_j − r_i) to `gradient[k]` for every neighbour k of atom i.
//
// All terms here are element-agnostic (one parameter set for every pair of elements) except
// the reference energy; multi-element parameter sets are future work.

/// Per-element reference energies: E_i += e[element of i] (eV).
public struct ReferenceEnergyTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, energies }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "reference"
        energies = try c.decodeIfPresent([String: Double].self, forKey: .energies) ?? [:]
    }
    public var name: String = "reference"
    /// eV per atom of each element; elements not listed start at 0.
    public var energies: [String: Double] = [:]
    public init(name: String = "reference", energies: [String: Double] = [:]) {
        self.name = name; self.energies = energies
    }
}

/// A pair potential linear in cubic B-splines: E_i = ½ Σ_j Σ_k c_k B_k(r_ij) on [inner, cutoff].
public struct PairSplineTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, inner, cutoff, size, coefficients }
    /// Files give either `coefficients` or a basis `size` (zeros).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "pair"
        inner = try c.decode(Double.self, forKey: .inner)
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        if let given = try c.decodeIfPresent([Double].self, forKey: .coefficients) {
            coefficients = given
        } else {
            coefficients = Array(repeating: 0, count: try c.decode(Int.self, forKey: .size))
        }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(inner, forKey: .inner)
        try c.encode(cutoff, forKey: .cutoff); try c.encode(coefficients, forKey: .coefficients)
    }
    public var name: String = "pair"
    public var inner: Double
    public var cutoff: Double
    public var coefficients: [Double]
    public init(name: String = "pair", inner: Double, cutoff: Double, coefficients: [Double]) {
        self.name = name; self.inner = inner; self.cutoff = cutoff; self.coefficients = coefficients
    }
    /// Zero coefficients of the given basis size.
    public init(name: String = "pair", inner: Double, cutoff: Double, size: Int) {
        self.init(name: name, inner: inner, cutoff: cutoff, coefficients: Array(repeating: 0, count: size))
    }
}

/// Morse pair potential: E_i = ½ Σ_j D [e^{−2α(r−r0)} − 2 e^{−α(r−r0)}] fc(r).
public struct MorseTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, cutoff, width, depth, alpha, r0 }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "morse"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        depth = try c.decode(Double.self, forKey: .depth)
        alpha = try c.decode(Double.self, forKey: .alpha)
        r0 = try c.decode(Double.self, forKey: .r0)
    }
    public var name: String = "morse"
    public var cutoff: Double
    public var width: Double = 1.0
    public var depth: Double
    public var alpha: Double
    public var r0: Double
    public init(name: String = "morse", cutoff: Double, width: Double = 1.0, depth: Double, alpha: Double, r0: Double) {
        self.name = name; self.cutoff = cutoff; self.width = width; self.depth = depth; self.alpha = alpha; self.r0 = r0
    }
}

/// Born–Mayer short-range repulsion: E_i = ½ Σ_j A e^{−(r−r0)/ρ} fc(r), A, ρ > 0, r0 fixed.
public struct BornMayerTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, cutoff, width, r0, amplitude, rho }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "repulsion"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        r0 = try c.decode(Double.self, forKey: .r0)
        amplitude = try c.decode(Double.self, forKey: .amplitude)
        rho = try c.decode(Double.self, forKey: .rho)
    }
    public var name: String = "repulsion"
    public var cutoff: Double
    public var width: Double = 1.0
    public var r0: Double
    public var amplitude: Double
    public var rho: Double
    public init(name: String = "repulsion", cutoff: Double, width: Double = 1.0, r0: Double, amplitude: Double, rho: Double) {
        self.name = name; self.cutoff = cutoff; self.width = width; self.r0 = r0; self.amplitude = amplitude; self.rho = rho
    }
}

/// Embedding (EAM / Finnis–Sinclair): E_i = F(ρ_i), ρ_i = Σ_j f(r_ij).
/// - `sqrt`: F = −A (√(ρ + ε) − √ε) + Σ_{k≥2} b_k ρ^k, coefficients [A, b_2, b_3, …] (Finnis–Sinclair
///   with optional higher-order corrections), A > 0, ε = 1e-4 keeps F′ ≤ 50 A at ρ = 0;
/// - `polynomial`: F = Σ_{k≥1} a_k ρ^k, coefficients [a_1, a_2, …].
public struct EmbeddingTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, cutoff, width, form, coefficients, density }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "embedding"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        form = try c.decode(Form.self, forKey: .form)
        coefficients = try c.decode([Double].self, forKey: .coefficients)
        density = try c.decode(RadialFunction.self, forKey: .density)
    }
    public enum Form: String, Codable, Sendable { case sqrt, polynomial }
    public var name: String = "embedding"
    public var cutoff: Double
    public var width: Double = 1.0
    public var form: Form
    public var coefficients: [Double]
    public var density: RadialFunction
    public init(name: String = "embedding", cutoff: Double, width: Double = 1.0, form: Form, coefficients: [Double], density: RadialFunction) {
        self.name = name; self.cutoff = cutoff; self.width = width; self.form = form
        self.coefficients = coefficients; self.density = density
    }
    static let epsilon = 1e-4
}

/// Angular 3-body term: E_i = Σ_n Σ_{j<k} g_n(r_ij) g_n(r_ik) Σ_{l=0}^{L} c_{nl} P_l(cos θ_jik),
/// one radial channel g_n per entry of `channels`, Legendre polynomials P_l.
public struct ThreeBodyTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, cutoff, width, order, channels, coefficients }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let order = try c.decode(Int.self, forKey: .order)
        let channels = try c.decode([RadialFunction].self, forKey: .channels)
        self.init(name: try c.decodeIfPresent(String.self, forKey: .name) ?? "angular",
                  cutoff: try c.decode(Double.self, forKey: .cutoff),
                  width: try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0,
                  order: order, channels: channels,
                  coefficients: try c.decodeIfPresent([[Double]].self, forKey: .coefficients))
    }
    public var name: String = "angular"
    public var cutoff: Double
    public var width: Double = 1.0
    public var order: Int
    public var channels: [RadialFunction]
    /// c_{nl}: one row of order+1 numbers per channel (zeros when omitted).
    public var coefficients: [[Double]]
    public init(name: String = "angular", cutoff: Double, width: Double = 1.0, order: Int, channels: [RadialFunction], coefficients: [[Double]]? = nil) {
        self.name = name; self.cutoff = cutoff; self.width = width; self.order = order; self.channels = channels
        self.coefficients = coefficients ?? Array(repeating: Array(repeating: 0, count: order + 1), count: channels.count)
    }
}

/// MEAM-like angular embedding: E_i = −A (√(ρ̄_i + ε) − √(√ε + ε)) (zero for an isolated atom) with the angular density
/// ρ̄_i = √(S_0 + Σ_{l=1}^{L} t_l S_l + ε), S_l = Σ_j Σ_k g(r_ij) g(r_ik) P_l(cos θ_jik) (j = k included).
/// Every S_l ≥ 0 (addition theorem: a sum of |Σ_j g_j Y_lm(r̂_ij)|²) and S_0 = (Σ_j g_j)², so with all
/// t_l = 0 this is the Finnis–Sinclair embedding of density g; the t_l weigh the angular character of
/// the neighbourhood (S_1, S_2, S_3 vanish on a perfect bcc site, S_4 does not). A negative sum is
/// clamped at 0. Parameters: A > 0, t_1 … t_L, and g's.
public struct AngularEmbeddingTerm: Codable, Sendable, Equatable {
    enum CodingKeys: String, CodingKey { case name, cutoff, width, amplitude, weights, density }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "angular-embedding"
        cutoff = try c.decode(Double.self, forKey: .cutoff)
        width = try c.decodeIfPresent(Double.self, forKey: .width) ?? 1.0
        amplitude = try c.decode(Double.self, forKey: .amplitude)
        weights = try c.decode([Double].self, forKey: .weights)
        density = try c.decode(RadialFunction.self, forKey: .density)
    }
    public var name: String = "angular-embedding"
    public var cutoff: Double
    public var width: Double = 1.0
    /// A (eV).
    public var amplitude: Double
    /// t_1 … t_L: the Legendre order L is their count.
    public var weights: [Double]
    public var density: RadialFunction
    public var order: Int { weights.count }
    /// √(ρ̄ + ε) of an atom without neighbours (ρ̄ = √ε): subtracted so that its energy is zero.
    static let isolatedRoot = (EmbeddingTerm.epsilon.squareRoot() + EmbeddingTerm.epsilon).squareRoot()
    public init(name: String = "angular-embedding", cutoff: Double, width: Double = 1.0, amplitude: Double, weights: [Double], density: RadialFunction) {
        self.name = name; self.cutoff = cutoff; self.width = width; self.amplitude = amplitude; self.weights = weights; self.density = density
    }
}

/// One single-term model of a composite. In files: a mapping with `type:` and the term's keys.
public enum Term: Codable, Sendable, Equatable {
    case reference(ReferenceEnergyTerm)
    case pairSpline(PairSplineTerm)
    case morse(MorseTerm)
    case bornMayer(BornMayerTerm)
    case embedding(EmbeddingTerm)
    case threeBody(ThreeBodyTerm)
    case angularEmbedding(AngularEmbeddingTerm)

    public static let typeNames = ["reference", "pair-spline", "morse", "born-mayer", "embedding", "three-body", "angular-embedding"]
    enum TypeKey: String, CodingKey { case type }

    public init(from decoder: Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "reference": self = .reference(try ReferenceEnergyTerm(from: decoder))
        case "pair-spline": self = .pairSpline(try PairSplineTerm(from: decoder))
        case "morse": self = .morse(try MorseTerm(from: decoder))
        case "born-mayer": self = .bornMayer(try BornMayerTerm(from: decoder))
        case "embedding": self = .embedding(try EmbeddingTerm(from: decoder))
        case "three-body": self = .threeBody(try ThreeBodyTerm(from: decoder))
        case "angular-embedding": self = .angularEmbedding(try AngularEmbeddingTerm(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: try decoder.container(keyedBy: TypeKey.self),
                debugDescription: "unknown term type '\(type)' (known: \(Term.typeNames.joined(separator: ", ")))")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .reference(let t): try t.encode(to: encoder)
        case .pairSpline(let t): try t.encode(to: encoder)
        case .morse(let t): try t.encode(to: encoder)
        case .bornMayer(let t): try t.encode(to: encoder)
        case .embedding(let t): try t.encode(to: encoder)
        case .threeBody(let t): try t.encode(to: encoder)
        case .angularEmbedding(let t): try t.encode(to: encoder)
        }
    }

    public var typeName: String {
        switch self {
        case .reference: return "reference"
        case .pairSpline: return "pair-spline"
        case .morse: return "morse"
        case .bornMayer: return "born-mayer"
        case .embedding: return "embedding"
        case .threeBody: return "three-body"
        case .angularEmbedding: return "angular-embedding"
        }
    }

    public var name: String {
        switch self {
        case .reference(let t): return t.name
        case .pairSpline(let t): return t.name
        case .morse(let t): return t.name
        case .bornMayer(let t): return t.name
        case .embedding(let t): return t.name
        case .threeBody(let t): return t.name
        case .angularEmbedding(let t): return t.name
        }
    }

    /// The largest distance at which this term sees a neighbour (Å); 0 for on-site terms.
    public var cutoff: Double {
        switch self {
        case .reference: return 0
        case .pairSpline(let t): return t.cutoff
        case .morse(let t): return t.cutoff
        case .bornMayer(let t): return t.cutoff
        case .embedding(let t): return t.cutoff
        case .threeBody(let t): return t.cutoff
        case .angularEmbedding(let t): return t.cutoff
        }
    }

    /// Parameter names without the term prefix, in parameter-vector order.
    public func parameterNames(elements: [Element]) -> [String] {
        switch self {
        case .reference: return elements.map(\.symbol)
        case .pairSpline(let t): return t.coefficients.indices.map { "c\($0)" }
        case .morse: return ["depth", "alpha", "r0"]
        case .bornMayer: return ["amplitude", "rho"]
        case .embedding(let t):
            let outer = t.form == .sqrt ? ["A"] + t.coefficients.indices.dropFirst().map { "b\($0 + 1)" }
                : t.coefficients.indices.map { "a\($0 + 1)" }
            return outer + t.density.parameterNames.map { "density.\($0)" }
        case .threeBody(let t):
            return t.channels.enumerated().flatMap { n, g in
                g.parameterNames.map { "g\(n).\($0)" } + (0...t.order).map { "c\(n)_\($0)" }
            }
        case .angularEmbedding(let t):
            return ["A"] + t.weights.indices.map { "t\($0 + 1)" } + t.density.parameterNames.map { "density.\($0)" }
        }
    }

    public func transforms(elements: [Element]) -> [ParameterTransform] {
        switch self {
        case .reference: return elements.map { _ in .identity }
        case .pairSpline(let t): return t.coefficients.map { _ in .identity }
        case .morse: return [.log, .log, .identity]
        case .bornMayer: return [.log, .log]
        case .embedding(let t):
            let outer: [ParameterTransform] = t.coefficients.indices.map { t.form == .sqrt && $0 == 0 ? .log : .identity }
            return outer + t.density.transforms
        case .threeBody(let t):
            return t.channels.flatMap { g in g.transforms + Array(repeating: .identity, count: t.order + 1) }
        case .angularEmbedding(let t):
            return [.log] + t.weights.map { _ in .identity } + t.density.transforms
        }
    }

    /// Which parameters enter the energy linearly (coefficients of fixed functions), in vector order.
    public func linearParameters(elements: [Element]) -> [Bool] {
        switch self {
        case .reference: return elements.map { _ in true }
        case .pairSpline(let t): return t.coefficients.map { _ in true }
        case .morse: return [false, false, false]
        case .bornMayer: return [false, false]
        case .embedding(let t):
            return t.coefficients.indices.map { t.form == .polynomial || $0 > 0 } + t.density.values.map { _ in false }
        case .threeBody(let t):
            return t.channels.flatMap { g in g.values.map { _ in false } + Array(repeating: true, count: t.order + 1) }
        case .angularEmbedding(let t):
            return Array(repeating: false, count: 1 + t.weights.count + t.density.values.count)
        }
    }

    /// Natural parameter values, in parameter-vector order.
    public func parameterValues(elements: [Element]) -> [Double] {
        switch self {
        case .reference(let t): return elements.map { t.energies[$0.symbol] ?? 0 }
        case .pairSpline(let t): return t.coefficients
        case .morse(let t): return [t.depth, t.alpha, t.r0]
        case .bornMayer(let t): return [t.amplitude, t.rho]
        case .embedding(let t): return t.coefficients + t.density.values
        case .threeBody(let t):
            return zip(t.channels, t.coefficients).flatMap { g, c in g.values + c }
        case .angularEmbedding(let t): return [t.amplitude] + t.weights + t.density.values
        }
    }

    /// Sets natural parameter values (the inverse of `parameterValues`).
    public mutating func setParameterValues(_ v: [Double], elements: [Element]) {
        switch self {
        case .reference(var t):
            for (e, value) in zip(elements, v) { t.energies[e.symbol] = value }
            self = .reference(t)
        case .pairSpline(var t): t.coefficients = v; self = .pairSpline(t)
        case .morse(var t): t.depth = v[0]; t.alpha = v[1]; t.r0 = v[2]; self = .morse(t)
        case .bornMayer(var t): t.amplitude = v[0]; t.rho = v[1]; self = .bornMayer(t)
        case .embedding(var t):
            let n = t.coefficients.count
            t.coefficients = Array(v[0..<n]); t.density.values = Array(v[n...]); self = .embedding(t)
        case .threeBody(var t):
            var k = 0
            for n in t.channels.indices {
                let m = t.channels[n].values.count
                t.channels[n].values = Array(v[k..<k + m]); k += m
                t.coefficients[n] = Array(v[k..<k + t.order + 1]); k += t.order + 1
            }
            self = .threeBody(t)
        case .angularEmbedding(var t):
            let n = t.weights.count
            t.amplitude = v[0]; t.weights = Array(v[1...n]); t.density.values = Array(v[(n + 1)...])
            self = .angularEmbedding(t)
        }
    }

    /// Checks hyper-parameters and values; errors name the term.
    public func validate(elements: [Element]) throws {
        let location = "term '\(name)' (\(typeName))"
        func fail(_ message: String, _ fix: String) -> MosaicError { MosaicError(location: location, message, fix: fix) }
        for (n, v) in zip(parameterNames(elements: elements), parameterValues(elements: elements)) where !v.isFinite {
            throw fail("parameter \(n) is not finite", "give a finite starting value")
        }
        for (n, v, t) in zip3(parameterNames(elements: elements), parameterValues(elements: elements), transforms(elements: elements)) where t == .log && v <= 0 {
            throw fail("parameter \(n) must be positive, found \(v)", "use a positive value")
        }
        if case .reference = self { return }
        guard cutoff > 0, cutoff < 20 else { throw fail("cutoff \(cutoff) Å is outside (0, 20)", "use a cutoff of a few Å") }
        switch self {
        case .pairSpline(let t):
            guard !t.coefficients.isEmpty else { throw fail("no coefficients", "give coefficients: [...] (zeros to start)") }
            guard t.inner >= 0, t.inner < t.cutoff else { throw fail("inner \(t.inner) must be in [0, cutoff)", "choose inner below the shortest distance in the data") }
        case .embedding(let t):
            if t.form == .sqrt, t.coefficients.isEmpty { throw fail("sqrt embedding needs coefficients [A] or [A, b2, ...]", "coefficients: [A]") }
            if t.form == .polynomial, t.coefficients.isEmpty { throw fail("polynomial embedding needs coefficients", "coefficients: [a1, a2, ...]") }
            if t.form == .sqrt, t.density.family == .spline { throw fail("sqrt embedding needs a positive density (exponential or gaussian)", "use density.family exponential or gaussian") }
            try t.density.validate(location: location + " density")
        case .threeBody(let t):
            guard t.order >= 0, t.order <= 7 else { throw fail("order \(t.order) must be in 0...7", "use a Legendre order of a few") }
            guard !t.channels.isEmpty else { throw fail("no radial channels", "add channels: [...]") }
            guard t.coefficients.count == t.channels.count, t.coefficients.allSatisfy({ $0.count == t.order + 1 }) else {
                throw fail("coefficients must be one row of order+1 = \(t.order + 1) numbers per channel", "fix coefficients or omit them")
            }
            for (n, g) in t.channels.enumerated() { try g.validate(location: location + " channel \(n)") }
        case .angularEmbedding(let t):
            guard (1...7).contains(t.order) else {
                throw fail("\(t.order) weights: the Legendre order must be in 1...7", "give weights: [t1, t2, t3, t4] (zeros to start)")
            }
            try t.density.validate(location: location + " density")
        default: break
        }
    }
}

func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] {
    (0..<min(a.count, b.count, c.count)).map { (a[$0], b[$0], c[$0]) }
}
