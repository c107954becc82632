import Foundation
import MosaicCore

/// A C² switch from 1 to 0 over [cutoff − width, cutoff] (the "smootherstep" polynomial),
/// so energies, forces and force derivatives all vanish continuously at the cutoff.
public struct SmoothCutoff: Sendable, Equatable {
    public var cutoff: Double
    public var width: Double

    public init(cutoff: Double, width: Double) {
        self.cutoff = cutoff
        self.width = min(width, cutoff)
    }

    /// (f, df/dr) at r.
    @inline(__always) public func callAsFunction(_ r: Double) -> (Double, Double) {
        let t = (r - (cutoff - width)) / width
        if t <= 0 { return (1, 0) }
        if t >= 1 { return (0, 0) }
        let t2 = t * t
        let f = 1 - t2 * t * (10 - 15 * t + 6 * t2)
        let df = -30 * t2 * (1 - t) * (1 - t) / width
        return (f, df)
    }
}

/// Uniform cubic B-splines B_0 … B_{size−1} on [inner, cutoff]. Every function and its first two
/// derivatives vanish at both ends, so a sum of them needs no cutoff function and is exactly
/// zero below `inner` (short-range behaviour then comes from a repulsive term).
public struct CubicBSplineBasis: Sendable, Equatable {
    public let inner: Double
    public let cutoff: Double
    public let size: Int
    /// Knot spacing.
    public let spacing: Double

    public init(inner: Double, cutoff: Double, size: Int) {
        self.inner = inner
        self.cutoff = cutoff
        self.size = size
        spacing = (cutoff - inner) / Double(size + 3)
    }

    /// Calls `body(k, B_k(r), dB_k/dr)` for the (at most four) non-zero functions at r.
    @inline(__always) public func forEachNonZero(_ r: Double, _ body: (Int, Double, Double) -> Void) {
        let x = (r - inner) / spacing
        guard x > 0, x < Double(size + 3) else { return }
        let m = Int(x)
        let u = x - Double(m)
        let v = 1 - u
        let u2 = u * u
        let u3 = u2 * u
        let invH = 1 / spacing
        let values = (v * v * v / 6, (3 * u3 - 6 * u2 + 4) / 6, (-3 * u3 + 3 * u2 + 3 * u + 1) / 6, u3 / 6)
        let slopes = (-v * v / 2 * invH, (3 * u2 - 4 * u) / 2 * invH, (-3 * u2 + 2 * u + 1) / 2 * invH, u2 / 2 * invH)
        if m - 3 >= 0, m - 3 < size { body(m - 3, values.0, slopes.0) }
        if m - 2 >= 0, m - 2 < size { body(m - 2, values.1, slopes.1) }
        if m - 1 >= 0, m - 1 < size { body(m - 1, values.2, slopes.2) }
        if m < size { body(m, values.3, slopes.3) }
    }
}

/// How a parameter is represented during fitting: the optimiser sees θ, the model uses
/// value = transform(θ). `log` keeps positive scales (widths, decay rates, amplitudes) positive.
public enum ParameterTransform: String, Codable, Sendable {
    case identity
    case log

    @inline(__always) func natural<T: ModelScalar>(_ theta: T) -> T {
        switch self {
        case .identity: return theta
        case .log: return T.exp(theta)
        }
    }
    /// The natural value of an internal one (the inverse of `internalValue`).
    public func naturalValue(_ theta: Double) -> Double { natural(theta) }
    public func internalValue(_ natural: Double) -> Double {
        switch self {
        case .identity: return natural
        case .log: return Foundation.log(natural)
        }
    }
    /// d value / d θ at a natural value.
    public func derivative(atNatural value: Double) -> Double {
        switch self {
        case .identity: return 1
        case .log: return value
        }
    }
}

/// A radial function with trainable parameters, used as the EAM density f(r) and the
/// 3-body radial factor g(r). Families:
/// - `exponential`: exp(−β (r/r0 − 1)) · fc(r), parameter β > 0 (r0 fixed);
/// - `gaussian`: exp(−((r − c)/w)²) · fc(r), parameters c and w > 0;
/// - `spline`: Σ_k w_k B_k(r) on [inner, cutoff], parameters w_k (no fc needed).
public struct RadialFunction: Codable, Sendable, Equatable {
    public enum Family: String, Codable, Sendable { case exponential, gaussian, spline }
    public var family: Family
    /// exponential: reference distance r0 (Å).
    public var r0: Double?
    /// spline: inner end of the basis (Å).
    public var inner: Double?
    /// Natural parameter values: exponential [β]; gaussian [c, w]; spline [w_0 … w_{n−1}].
    public var values: [Double]

    enum CodingKeys: String, CodingKey, CaseIterable { case family, r0, inner, values }

    public init(from decoder: Decoder) throws {
        try KeyCheck.rejectUnknownKeys(
            in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a radial function")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decode(Family.self, forKey: .family)
        r0 = try c.decodeIfPresent(Double.self, forKey: .r0)
        inner = try c.decodeIfPresent(Double.self, forKey: .inner)
        values = try c.decode([Double].self, forKey: .values)
    }

    public init(family: Family, r0: Double? = nil, inner: Double? = nil, values: [Double]) {
        self.family = family
        self.r0 = r0
        self.inner = inner
        self.values = values
    }

    public static func exponential(beta: Double, r0: Double) -> RadialFunction {
        RadialFunction(family: .exponential, r0: r0, values: [beta])
    }
    public static func gaussian(center: Double, width: Double) -> RadialFunction {
        RadialFunction(family: .gaussian, values: [center, width])
    }
    public static func spline(inner: Double, weights: [Double]) -> RadialFunction {
        RadialFunction(family: .spline, inner: inner, values: weights)
    }

    func validate(location: String) throws {
        let expected: Int? = family == .exponential ? 1 : (family == .gaussian ? 2 : nil)
        if let expected, values.count != expected {
            throw MosaicError(
                location: location,
                "\(family.rawValue) radial function needs \(expected) value(s), found \(values.count)",
                fix: family == .exponential ? "values: [beta]" : "values: [center, width]")
        }
        if family == .spline, values.isEmpty || inner == nil {
            throw MosaicError(
                location: location, "spline radial function needs 'inner' and at least one weight",
                fix: "add inner: and values: [...]")
        }
        if family == .exponential, r0 == nil {
            throw MosaicError(
                location: location, "exponential radial function needs r0",
                fix: "add r0: (Å), e.g. the nearest-neighbour distance")
        }
        for (k, v) in values.enumerated() where !v.isFinite {
            throw MosaicError(location: location, "value \(k) is not finite", fix: "give finite numbers")
        }
        if family != .spline, values.last! <= 0 {
            throw MosaicError(
                location: location, "the last value (a width or decay rate) must be positive",
                fix: "use a positive number")
        }
    }

    var parameterNames: [String] {
        switch family {
        case .exponential: return ["beta"]
        case .gaussian: return ["center", "width"]
        case .spline: return values.indices.map { "w\($0)" }
        }
    }
    var transforms: [ParameterTransform] {
        switch family {
        case .exponential: return [.log]
        case .gaussian: return [.identity, .log]
        case .spline: return Array(repeating: .identity, count: values.count)
        }
    }

    /// The function's parameters as a term declares them, named "\(prefix).beta" etc.
    func parameterSpecs(prefix: String, channel: Int? = nil) -> [ParameterSpec] {
        zip(zip(parameterNames, values), transforms).map { named, transform in
            ParameterSpec(
                "\(prefix).\(named.0)", named.1, transform: transform, channel: channel,
                spline: family == .spline ? prefix : nil)
        }
    }

    /// Evaluation data that does not depend on parameter values.
    struct Shape {
        let family: Family
        let r0: Double
        let basis: CubicBSplineBasis?
        let cutoff: SmoothCutoff
    }
    func shape(cutoff: SmoothCutoff) -> Shape {
        Shape(
            family: family, r0: r0 ?? 1,
            basis: family == .spline
                ? CubicBSplineBasis(inner: inner ?? 0, cutoff: cutoff.cutoff, size: values.count) : nil,
            cutoff: cutoff)
    }
}

extension RadialFunction.Shape {
    /// (f(r), df/dr) for natural parameters `p`.
    @inline(__always) func evaluate<T: ModelScalar>(_ r: Double, _ p: UnsafePointer<T>) -> (T, T) {
        switch family {
        case .exponential:
            let (fc, dfc) = cutoff(r)
            let e = T.exp(p[0] * (1 - r / r0))
            let slope = p[0] * (-1 / r0)
            return (e * fc, e * (slope * fc + T(dfc)))
        case .gaussian:
            let (fc, dfc) = cutoff(r)
            let invW = T(1) / p[1]
            let x = (T(r) - p[0]) * invW
            let e = T.exp(-(x * x))
            return (e * fc, e * (x * invW * (-2 * fc) + T(dfc)))
        case .spline:
            var f = T(0)
            var df = T(0)
            basis!.forEachNonZero(r) { k, b, db in
                f += p[k] * b
                df += p[k] * db
            }
            return (f, df)
        }
    }
}

extension RadialFunction.Shape {
    /// Number of parameters of the function.
    var parameterCount: Int {
        switch family {
        case .exponential: return 1
        case .gaussian: return 2
        case .spline: return basis!.size
        }
    }
}
