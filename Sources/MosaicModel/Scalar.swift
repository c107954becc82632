import Foundation

/// The scalar a model is evaluated in: `Double` for energies and forces (what LAMMPS calls),
/// `Dual` to carry derivatives with respect to a chunk of parameters alongside.
///
/// Positions and distances stay `Double`; only parameter-dependent quantities are `Self`.
/// (swift-numerics' `Real` refines `FloatingPoint`, which a dual number cannot honestly
/// implement — ordering, ulp, rounding — so Mosaic uses this small protocol instead.)
public protocol ModelScalar: Sendable {
    init(_ value: Double)
    /// The primal value.
    var value: Double { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static func * (a: Self, b: Double) -> Self
    static func + (a: Self, b: Double) -> Self
    static prefix func - (a: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    /// Whether values of this type carry parameter derivatives (`Dual`), whose evaluations are read for their
    /// tangents only: a kernel may skip an atom whose result would carry none.
    static var carriesDerivatives: Bool { get }
    /// Whether this value depends on a seeded parameter (a non-zero tangent); false for `Double`.
    var hasTangent: Bool { get }
    /// Calls the kernel's entry point for this scalar (the evaluator's term loop dispatches here,
    /// so every kernel runs specialised for `Double` and for `Dual`).
    static func atomEnergy(
        _ kernel: any TermKernel, _ p: UnsafePointer<Self>, _ env: AtomEnvironment,
        _ gradient: UnsafeMutablePointer<Vector3<Self>>, _ scratch: UnsafeMutablePointer<Self>
    ) -> Self
}

extension ModelScalar {
    @inline(__always) static func += (a: inout Self, b: Self) { a = a + b }
    @inline(__always) static func -= (a: inout Self, b: Self) { a = a - b }
    @inline(__always) static func * (a: Double, b: Self) -> Self { b * a }
    @inline(__always) static func - (a: Self, b: Double) -> Self { a + (-b) }
    static var zero: Self { Self(0) }
}

extension Double: ModelScalar {
    public var value: Double { self }
    public static var carriesDerivatives: Bool { false }
    public var hasTangent: Bool { false }
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func atomEnergy(
        _ kernel: any TermKernel, _ p: UnsafePointer<Double>, _ env: AtomEnvironment,
        _ gradient: UnsafeMutablePointer<Vector3<Double>>, _ scratch: UnsafeMutablePointer<Double>
    ) -> Double {
        kernel.energy(p, env, gradient, scratch)
    }
}

/// A forward-mode dual number carrying the derivatives with respect to up to 8 parameters.
public struct Dual: ModelScalar {
    /// How many parameter derivatives one evaluation carries.
    public static let width = 8
    public var value: Double
    public var tangent: SIMD8<Double>
    public static var carriesDerivatives: Bool { true }
    @inline(__always) public var hasTangent: Bool { tangent != .zero }

    @inline(__always) public init(_ value: Double) {
        self.value = value
        tangent = .zero
    }
    @inline(__always) public init(_ value: Double, tangent: SIMD8<Double>) {
        self.value = value
        self.tangent = tangent
    }
    /// A variable: value with derivative 1 in slot `slot`.
    public static func variable(_ value: Double, slot: Int) -> Dual {
        var t = SIMD8<Double>.zero
        t[slot] = 1
        return Dual(value, tangent: t)
    }

    @inline(__always) public static func + (a: Dual, b: Dual) -> Dual {
        Dual(a.value + b.value, tangent: a.tangent + b.tangent)
    }
    @inline(__always) public static func - (a: Dual, b: Dual) -> Dual {
        Dual(a.value - b.value, tangent: a.tangent - b.tangent)
    }
    @inline(__always) public static func * (a: Dual, b: Dual) -> Dual {
        Dual(a.value * b.value, tangent: a.tangent * b.value + b.tangent * a.value)
    }
    @inline(__always) public static func / (a: Dual, b: Dual) -> Dual {
        let inv = 1 / b.value
        let q = a.value * inv
        return Dual(q, tangent: (a.tangent - b.tangent * q) * inv)
    }
    @inline(__always) public static func * (a: Dual, b: Double) -> Dual { Dual(a.value * b, tangent: a.tangent * b) }
    @inline(__always) public static func + (a: Dual, b: Double) -> Dual { Dual(a.value + b, tangent: a.tangent) }
    @inline(__always) public static prefix func - (a: Dual) -> Dual { Dual(-a.value, tangent: -a.tangent) }
    @inline(__always) public static func exp(_ x: Dual) -> Dual {
        let e = Foundation.exp(x.value)
        return Dual(e, tangent: x.tangent * e)
    }
    @inline(__always) public static func sqrt(_ x: Dual) -> Dual {
        let s = x.value.squareRoot()
        return Dual(s, tangent: x.tangent * (0.5 / s))
    }
    @inline(__always) public static func log(_ x: Dual) -> Dual {
        Dual(Foundation.log(x.value), tangent: x.tangent * (1 / x.value))
    }
    @inline(__always) public static func atomEnergy(
        _ kernel: any TermKernel, _ p: UnsafePointer<Dual>, _ env: AtomEnvironment,
        _ gradient: UnsafeMutablePointer<Vector3<Dual>>, _ scratch: UnsafeMutablePointer<Dual>
    ) -> Dual {
        kernel.energy(p, env, gradient, scratch)
    }
}

/// A 3-vector of model scalars (a gradient or force carrying parameter derivatives).
public struct Vector3<T: ModelScalar>: Sendable {
    public var x: T, y: T, z: T
    @inline(__always) public init(_ x: T, _ y: T, _ z: T) {
        self.x = x
        self.y = y
        self.z = z
    }
    public static var zero: Vector3 { Vector3(T(0), T(0), T(0)) }
    /// self += s * v
    @inline(__always) mutating func add(_ v: SIMD3<Double>, times s: T) {
        x += s * v.x
        y += s * v.y
        z += s * v.z
    }
    @inline(__always) mutating func add(_ v: Vector3) {
        x += v.x
        y += v.y
        z += v.z
    }
    @inline(__always) mutating func subtract(_ v: Vector3) {
        x -= v.x
        y -= v.y
        z -= v.z
    }
    public var values: SIMD3<Double> { SIMD3(x.value, y.value, z.value) }
}
