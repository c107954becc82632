import MosaicCore
import MosaicNumerics

/// A pair potential linear in cubic B-splines: E_i = ½ Σ_j Σ_k c_k B_k(r_ij) on [inner, cutoff].
public struct PairSplineTerm: TermType {
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    public static let typeName = "pair-spline"
    public static let summary =
        "pair potential ½ Σ_j Σ_k c_k B_k(r_ij), cubic B-splines on [inner, cutoff]; keys: inner, cutoff (Å),"
        + " size or coefficients"

    public var name: String
    public var inner: Double
    public var cutoff: Double
    public var coefficients: [Double]

    public init(name: String = "pair", inner: Double, cutoff: Double, coefficients: [Double]) {
        self.name = name
        self.inner = inner
        self.cutoff = cutoff
        self.coefficients = coefficients
    }

    /// Zero coefficients of the given basis size.
    public init(name: String = "pair", inner: Double, cutoff: Double, size: Int) {
        self.init(name: name, inner: inner, cutoff: cutoff, coefficients: Array(repeating: 0, count: size))
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, inner, cutoff, size, coefficients }

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
        try c.encode(name, forKey: .name)
        try c.encode(inner, forKey: .inner)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(coefficients, forKey: .coefficients)
    }

    public var label: String { "\(name)(\(coefficients.count))" }

    public func parameters(elements: [Element]) -> [ParameterSpec] {
        coefficients.enumerated().map { ParameterSpec("c\($0)", $1, linear: true) }
    }

    public mutating func setParameters(_ values: ArraySlice<Double>, elements: [Element]) {
        coefficients = Array(values)
    }

    public func validate(elements: [Element], location: String) throws {
        try validateCutoff(location: location)
        guard !coefficients.isEmpty else {
            throw MosaicError(location: location, "no coefficients", fix: "give coefficients: [...] (zeros to start)")
        }
        guard inner >= 0, inner < cutoff else {
            throw MosaicError(
                location: location, "inner \(inner) must be in [0, cutoff)",
                fix: "choose inner below the shortest distance in the data")
        }
    }

    public func applying(_ change: TermChange) throws -> PairSplineTerm {
        var result = self
        switch change {
        case .resize(let size):
            result.coefficients = projected(inner: inner, cutoff: cutoff, size: size)
        case .cutoff(let value):
            result.coefficients = projected(inner: inner, cutoff: value, size: coefficients.count)
            result.cutoff = value
        default:
            throw MosaicError(
                location: "term '\(name)' (\(Self.typeName))", "a pair spline does not support \(change)",
                fix: "resize it or change its cutoff")
        }
        return result
    }

    public func shrinkProposals(sloppy parameter: ParameterID) -> [TermChange] {
        coefficients.count > 6 ? [.resize(coefficients.count - 2)] : []
    }

    public func growProposals(room: Int, context: DesignContext) -> [TermChange] {
        room >= 4 ? [.resize(coefficients.count + 4)] : []
    }

    /// Least-squares projection onto a new basis (the same function on new knots).
    func projected(inner newInner: Double, cutoff newCutoff: Double, size: Int) -> [Double] {
        let oldBasis = CubicBSplineBasis(inner: inner, cutoff: cutoff, size: coefficients.count)
        let newBasis = CubicBSplineBasis(inner: newInner, cutoff: newCutoff, size: size)
        var a = [Double](repeating: 0, count: size * size)
        var b = [Double](repeating: 0, count: size)
        for k in 0..<400 {
            let r = newInner + (newCutoff - newInner) * (Double(k) + 0.5) / 400
            var value = 0.0
            oldBasis.forEachNonZero(r) { i, v, _ in value += coefficients[i] * v }
            var row: [(Int, Double)] = []
            newBasis.forEachNonZero(r) { i, v, _ in row.append((i, v)) }
            for (i, vi) in row {
                b[i] += vi * value
                for (j, vj) in row { a[i * size + j] += vi * vj }
            }
        }
        for i in 0..<size { a[i * size + i] += 1e-10 }
        return LinearAlgebra.solvePositiveDefinite(a, b) ?? Array(repeating: 0, count: size)
    }

    public static func examples(elements: [Element]) -> [PairSplineTerm] {
        [
            PairSplineTerm(
                inner: 1.8, cutoff: 5.3, coefficients: [0.31, -0.22, 0.17, 0.05, -0.12, 0.08, -0.03, 0.02, -0.01])
        ]
    }

    public func makeKernel(elements: [Element]) -> Kernel {
        Kernel(basis: CubicBSplineBasis(inner: inner, cutoff: cutoff, size: coefficients.count))
    }

    public struct Kernel: TermKernel {
        let basis: CubicBSplineBasis

        @inline(__always)
        public func atomEnergy<T: ModelScalar>(
            _ p: UnsafePointer<T>, _ env: AtomEnvironment, _ gradient: UnsafeMutablePointer<Vector3<T>>,
            _ scratch: UnsafeMutablePointer<T>
        ) -> T {
            var energy = T(0)
            for k in 0..<env.count where env.r[k] < basis.cutoff {
                var e = T(0)
                var slope = T(0)
                basis.forEachNonZero(env.r[k]) { index, b, db in
                    e += p[index] * b
                    slope += p[index] * db
                }
                energy += e
                gradient[k].add(env.u[k], times: slope * 0.5)
            }
            return energy * 0.5
        }
    }
}

extension Term {
    public static func pairSpline(_ term: PairSplineTerm) -> Term { Term(term) }
}
