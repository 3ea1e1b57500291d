// handgrad's own single-precision matrix product (sgemm.cc) and the GEMM the addon's matmul uses
// (gemm.cc: this one, or the system BLAS when the build links one; see docs/native.md).
#pragma once
#include <cstddef>

namespace handgrad {

// The micro-kernels, fastest first; the CPU runs a kernel when it has the kernel's instructions.
enum class SgemmKernel { Avx512 = 0, Avx2 = 1, Generic = 2 };
// "avx512", "avx2", "generic".
const char* sgemm_kernel_name(SgemmKernel kernel);
// Whether this CPU (and this compiler's build) runs the kernel.
bool sgemm_kernel_available(SgemmKernel kernel);
// The fastest kernel this CPU runs.
SgemmKernel best_sgemm_kernel();

// C = op(A)·op(B) on the calling thread, row-major: op(A) is m×k (A stored m×k with row stride lda,
// or k×m when transposed), op(B) is k×n (B stored k×n with row stride ldb, or n×k when transposed),
// C is m×n with row stride ldc and is only written (never read), so it may hold anything before.
// Every element of C is the sum over k in ascending order, in blocks of k whose partial sums are
// added in turn: the result does not depend on how a caller splits C into blocks between threads.
// IEEE semantics throughout: 0·Inf and 0·NaN are NaN, as in BLAS. k = 0 gives C = 0.
void sgemm(SgemmKernel kernel, bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
           const float* b, std::size_t ldb, float* c, std::size_t ldc);

// The addon's matmul calls this for each block of C it hands a thread (gemm.cc): cblas_sgemm of the
// linked BLAS, or sgemm with the best kernel; same contract as sgemm.
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
          std::size_t ldb, float* c, std::size_t ldc);
// Names the GEMM behind gemm(), e.g. "handgrad sgemm (avx512 kernel, 8×32)" or "OpenBLAS 0.3.21 (SkylakeX)".
const char* gemm_implementation();
// The linked BLAS's threads, its kernel set and build configuration; "none" and 0 without one.
// init_blas_threads turns OpenBLAS's own threads off: matmul splits products across handgrad's workers
// instead (OpenBLAS 0.3.21's threading barely scales on 2 cores, and its idle threads spin against ours).
void init_blas_threads();
void set_blas_threads(int threads);
int blas_threads();
const char* blas_core();
const char* blas_config();

}  // namespace handgrad
