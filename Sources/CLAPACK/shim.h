// The few LAPACK/BLAS routines Mosaic calls, as exported by Debian's libopenblas
// (Fortran calling convention: every argument by pointer, column-major arrays).
#ifndef MOSAIC_CLAPACK_SHIM_H
#define MOSAIC_CLAPACK_SHIM_H

/// C = alpha * op(A)^T op(A) + beta * C (upper or lower triangle).
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda,
            const double *beta, double *c, const int *ldc);
/// y = alpha * op(A) x + beta * y.
void dgemv_(const char *trans, const int *m, const int *n, const double *alpha,
            const double *a, const int *lda, const double *x, const int *incx,
            const double *beta, double *y, const int *incy);
/// Cholesky solve of a symmetric positive definite system.
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
/// LU solve of a general square system (partial pivoting).
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb,
            int *info);
/// Symmetric eigen-decomposition (eigenvalues ascending).
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);

#endif

#ifndef MOSAIC_CLAPACK_THREADS
#define MOSAIC_CLAPACK_THREADS
/// OpenBLAS's own thread count (Mosaic parallelises over structures and keeps BLAS serial).
void openblas_set_num_threads(int num_threads);
#endif
