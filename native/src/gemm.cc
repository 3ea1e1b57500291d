// The GEMM behind the addon's matmul, chosen when the addon is built (native/build.mjs, binding.gyp's
// handgrad_gemm): handgrad's own sgemm (no dependency), OpenBLAS's cblas_sgemm (HANDGRAD_GEMM_OPENBLAS)
// or Apple Accelerate's (HANDGRAD_GEMM_ACCELERATE). docs/native.md says which is picked when.
#include <string>

#include "sgemm.h"

#if defined(HANDGRAD_GEMM_OPENBLAS)
#include <cblas.h>
#elif defined(HANDGRAD_GEMM_ACCELERATE)
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
#endif

namespace handgrad {

#if defined(HANDGRAD_GEMM_OPENBLAS) || defined(HANDGRAD_GEMM_ACCELERATE)

void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
          std::size_t ldb, float* c, std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
}

#else

void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
          std::size_t ldb, float* c, std::size_t ldc) {
  static const SgemmKernel kernel = best_sgemm_kernel();
  sgemm(kernel, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc);
}

#endif

#if defined(HANDGRAD_GEMM_OPENBLAS)

const char* gemm_implementation() {
  // openblas_get_config() reads e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
  static const std::string name = [] {
    const std::string config = openblas_get_config();
    const std::size_t version_end = config.find(' ', config.find(' ') + 1);
    return config.substr(0, version_end) + " (" + openblas_get_corename() + ")";
  }();
  return name.c_str();
}
void init_blas_threads() { openblas_set_num_threads(1); }
void set_blas_threads(int threads) { openblas_set_num_threads(threads); }
int blas_threads() { return openblas_get_num_threads(); }
const char* blas_core() { return openblas_get_corename(); }
const char* blas_config() { return openblas_get_config(); }

#else

const char* gemm_implementation() {
#if defined(HANDGRAD_GEMM_ACCELERATE)
  return "Accelerate";
#else
  static const std::string name = std::string("handgrad sgemm (") + sgemm_kernel_name(best_sgemm_kernel()) + " kernel)";
  return name.c_str();
#endif
}
// Accelerate sizes its own threads; handgrad's sgemm runs on the thread that calls it.
void init_blas_threads() {}
void set_blas_threads(int) {}
int blas_threads() { return 0; }
const char* blas_core() { return "none"; }
const char* blas_config() { return "none"; }

#endif

}  // namespace handgrad
