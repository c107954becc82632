import Foundation

public typealias Vec3 = SIMD3<Double>

@inlinable public func dot(_ a: Vec3, _ b: Vec3) -> Double { (a * b).sum() }
@inlinable public func cross(_ a: Vec3, _ b: Vec3) -> Vec3 {
    Vec3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inlinable public func norm(_ a: Vec3) -> Double { dot(a, a).squareRoot() }

/// A 3x3 matrix stored by rows. For a simulation cell the rows are the lattice vectors a, b, c
/// and a Cartesian position is `x = f · M` for fractional coordinates `f`.
public struct Matrix3: Equatable, Sendable {
    public var rows: (Vec3, Vec3, Vec3)

    public init(_ a: Vec3, _ b: Vec3, _ c: Vec3) { rows = (a, b, c) }
    public init(rows: [[Double]]) {
        precondition(rows.count == 3 && rows.allSatisfy { $0.count == 3 })
        self.init(
            Vec3(rows[0][0], rows[0][1], rows[0][2]),
            Vec3(rows[1][0], rows[1][1], rows[1][2]),
            Vec3(rows[2][0], rows[2][1], rows[2][2]))
    }
    public static let identity = Matrix3(Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1))
    public static func diagonal(_ d: Vec3) -> Matrix3 {
        Matrix3(Vec3(d.x, 0, 0), Vec3(0, d.y, 0), Vec3(0, 0, d.z))
    }

    public subscript(row: Int) -> Vec3 {
        get { row == 0 ? rows.0 : (row == 1 ? rows.1 : rows.2) }
        set {
            switch row {
            case 0: rows.0 = newValue
            case 1: rows.1 = newValue
            default: rows.2 = newValue
            }
        }
    }
    public subscript(row: Int, column: Int) -> Double {
        get { self[row][column] }
        set {
            var r = self[row]
            r[column] = newValue
            self[row] = r
        }
    }
    public var a: Vec3 { rows.0 }
    public var b: Vec3 { rows.1 }
    public var c: Vec3 { rows.2 }

    public var determinant: Double { dot(rows.0, cross(rows.1, rows.2)) }
    public var transposed: Matrix3 {
        Matrix3(
            Vec3(rows.0.x, rows.1.x, rows.2.x), Vec3(rows.0.y, rows.1.y, rows.2.y),
            Vec3(rows.0.z, rows.1.z, rows.2.z))
    }
    /// The inverse, or nil when the matrix is (numerically) singular.
    public var inverse: Matrix3? {
        let det = determinant
        let scale = norm(rows.0) * norm(rows.1) * norm(rows.2)
        guard det.isFinite, scale > 0, abs(det) > 1e-12 * scale else { return nil }
        // Columns of the inverse are the reciprocal vectors.
        let r0 = cross(rows.1, rows.2) / det
        let r1 = cross(rows.2, rows.0) / det
        let r2 = cross(rows.0, rows.1) / det
        return Matrix3(r0, r1, r2).transposed
    }
    /// Row vector times matrix: `v · M`.
    @inlinable public func leftMultiply(_ v: Vec3) -> Vec3 { v.x * rows.0 + v.y * rows.1 + v.z * rows.2 }
    public static func * (lhs: Matrix3, rhs: Matrix3) -> Matrix3 {
        Matrix3(rhs.leftMultiply(lhs.rows.0), rhs.leftMultiply(lhs.rows.1), rhs.leftMultiply(lhs.rows.2))
    }
    public static func == (lhs: Matrix3, rhs: Matrix3) -> Bool {
        lhs.rows.0 == rhs.rows.0 && lhs.rows.1 == rhs.rows.1 && lhs.rows.2 == rhs.rows.2
    }
    public var flat: [Double] {
        [rows.0.x, rows.0.y, rows.0.z, rows.1.x, rows.1.y, rows.1.z, rows.2.x, rows.2.y, rows.2.z]
    }
}

/// A symmetric 3x3 tensor in Voigt order (xx, yy, zz, yz, xz, xy).
public struct SymmetricTensor: Equatable, Sendable {
    public var voigt: [Double]
    public init(voigt: [Double]) {
        precondition(voigt.count == 6)
        self.voigt = voigt
    }
    public init(xx: Double, yy: Double, zz: Double, yz: Double, xz: Double, xy: Double) {
        voigt = [xx, yy, zz, yz, xz, xy]
    }
    public static let zero = SymmetricTensor(voigt: [0, 0, 0, 0, 0, 0])
    public var xx: Double { voigt[0] }
    public var yy: Double { voigt[1] }
    public var zz: Double { voigt[2] }
    public var yz: Double { voigt[3] }
    public var xz: Double { voigt[4] }
    public var xy: Double { voigt[5] }
    public var trace: Double { voigt[0] + voigt[1] + voigt[2] }
    public func scaled(_ s: Double) -> SymmetricTensor { SymmetricTensor(voigt: voigt.map { $0 * s }) }
    /// The full matrix, row by row.
    public var matrix: [[Double]] { [[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]] }
}
