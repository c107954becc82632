import CLAPACK
import MosaicCore

/// Small dense linear algebra through OpenBLAS/LAPACK. Matrices are square, row-major
/// `[Double]` of n*n (symmetric ones are the same in either order).
public enum LinearAlgebra {
    /// Keeps OpenBLAS single-threaded: Mosaic parallelises over structures itself.
    public static func useSerialBLAS() { openblas_set_num_threads(1) }

    /// A += Jᵀ J for a row-major J of `rows` x `n` (upper triangle updated, then mirrored by `symmetrize`).
    public static func addGram(_ a: inout [Double], _ j: [Double], rows: Int, n: Int) {
        guard rows > 0, n > 0 else { return }
        var uplo = Int8(UInt8(ascii: "L"))
        var trans = Int8(UInt8(ascii: "N"))
        var nn = Int32(n)
        var k = Int32(rows)
        var lda = Int32(n)
        var ldc = Int32(n)
        var alpha = 1.0
        var beta = 1.0
        // Row-major J is column-major X = Jᵀ (n x rows); X Xᵀ = JᵀJ. Column-major lower = row-major upper.
        j.withUnsafeBufferPointer { jp in
            a.withUnsafeMutableBufferPointer { ap in
                dsyrk_(&uplo, &trans, &nn, &k, &alpha, jp.baseAddress, &lda, &beta, ap.baseAddress, &ldc)
            }
        }
    }

    /// g += Jᵀ r.
    public static func addTransposeProduct(_ g: inout [Double], _ j: [Double], _ r: [Double], rows: Int, n: Int) {
        guard rows > 0, n > 0 else { return }
        var trans = Int8(UInt8(ascii: "N"))
        var m = Int32(n)
        var nn = Int32(rows)
        var lda = Int32(n)
        var inc = Int32(1)
        var alpha = 1.0
        var beta = 1.0
        j.withUnsafeBufferPointer { jp in
            r.withUnsafeBufferPointer { rp in
                g.withUnsafeMutableBufferPointer { gp in
                    dgemv_(
                        &trans, &m, &nn, &alpha, jp.baseAddress, &lda, rp.baseAddress, &inc, &beta, gp.baseAddress, &inc
                    )
                }
            }
        }
    }

    /// Copies the upper triangle (row-major) into the lower one.
    public static func symmetrize(_ a: inout [Double], n: Int) {
        for i in 0..<n { for k in 0..<i { a[i * n + k] = a[k * n + i] } }
    }

    /// Solves A x = b for symmetric positive definite A (Cholesky); nil if A is not positive definite.
    public static func solvePositiveDefinite(_ a: [Double], _ b: [Double]) -> [Double]? {
        let n = b.count
        var matrix = a
        var x = b
        var uplo = Int8(UInt8(ascii: "U"))
        var nn = Int32(n)
        var nrhs = Int32(1)
        var lda = Int32(n)
        var ldb = Int32(n)
        var info = Int32(0)
        dposv_(&uplo, &nn, &nrhs, &matrix, &lda, &x, &ldb, &info)
        return info == 0 ? x : nil
    }

    /// The inverse of a general square matrix (row-major, n × n) by LU with partial pivoting (LAPACK dgesv);
    /// nil when it is singular.
    public static func inverse(_ a: [Double], n: Int) -> [Double]? {
        // Row-major A is column-major Aᵀ: solving Aᵀ Y = I gives Y = A⁻ᵀ, whose column-major storage is A⁻¹
        // read row-major.
        var matrix = a
        var identity = [Double](repeating: 0, count: n * n)
        for k in 0..<n { identity[k * n + k] = 1 }
        var pivots = [Int32](repeating: 0, count: n)
        var nn = Int32(n)
        var lda = Int32(n)
        var ldb = Int32(n)
        var info = Int32(0)
        dgesv_(&nn, &nn, &matrix, &lda, &pivots, &identity, &ldb, &info)
        guard info == 0 else { return nil }
        return identity
    }

    /// Eigenvalues (ascending) and eigenvectors (row k of `vectors` is the k-th eigenvector) of a symmetric matrix.
    public static func symmetricEigen(_ a: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        var matrix = a
        var values = [Double](repeating: 0, count: n)
        var jobz = Int8(UInt8(ascii: "V"))
        var uplo = Int8(UInt8(ascii: "U"))
        var nn = Int32(n)
        var lda = Int32(n)
        var lwork = Int32(-1)
        var info = Int32(0)
        var query = 0.0
        dsyev_(&jobz, &uplo, &nn, &matrix, &lda, &values, &query, &lwork, &info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_(&jobz, &uplo, &nn, &matrix, &lda, &values, &work, &lwork, &info)
        guard info == 0 else {
            throw MosaicError("LAPACK dsyev failed (info \(info))", fix: "check the matrix for NaN")
        }
        // Column-major eigenvectors = row-major rows.
        return (values, matrix)
    }
}
