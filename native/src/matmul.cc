// Matrix products through gemm() (sgemm.h: handgrad's own sgemm or the linked BLAS), with the bias and
// relu of _FusedMatMul (or the relu-gradient mask of ManualHiddenDelta) applied by each thread to the
// rows it computed.
#include <cmath>

#include "kernels.h"
#include "parallel.h"
#include "sgemm.h"

namespace handgrad {

namespace {

// The epilogue's loops over one row, on __restrict pointers so that they vectorise (blends, no branches).
void add_row(float* __restrict row, const float* __restrict bias, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) row[j] += bias[j];
}

void relu_row(float* __restrict row, std::size_t n) {
  // tfjs's relu is Math.max(0, x): NaN stays NaN.
  for (std::size_t j = 0; j < n; ++j) {
    const float v = row[j];
    row[j] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

void mask_row(float* __restrict row, const float* __restrict mask, std::size_t n) {
  // ⊙ 1(mask > 0), relu'(0) = 0; NaN in the mask gives NaN (as ManualReluGrad).
  for (std::size_t j = 0; j < n; ++j) {
    const float v = row[j];
    const float m = mask[j];
    row[j] = m > 0.0f ? v : (m != m ? m : 0.0f);
  }
}

void bias_relu_rows(const MatMulArgs& p, std::size_t row_begin, std::size_t row_end) {
  const std::size_t n = p.n;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    float* row = p.c + r * n;
    if (p.bias_len == n) {
      add_row(row, p.bias, n);
    } else if (p.bias_len == p.m * n) {
      add_row(row, p.bias + (r % p.m) * n, n);
    } else if (p.bias_len == 1) {
      const float scalar = p.bias[0];
      for (std::size_t j = 0; j < n; ++j) row[j] += scalar;
    }
    if (p.relu) relu_row(row, n);
    if (p.relu_mask != nullptr) mask_row(row, p.relu_mask + r * n, n);
  }
}

}  // namespace

namespace {

// C[rows r0..r1, cols c0..c1] of one matrix of the batch, on the calling thread.
void gemm_block(const MatMulArgs& p, std::size_t b, std::size_t r0, std::size_t r1, std::size_t c0, std::size_t c1) {
  // Row-major op(A) is m×k: A is stored k×m when transposed (lda = m), else m×k (lda = k); likewise B.
  const std::size_t lda = p.transpose_a ? p.m : p.k;
  const std::size_t ldb = p.transpose_b ? p.k : p.n;
  const float* a = p.a + b * p.stride_a + (p.transpose_a ? r0 : r0 * lda);
  const float* bm = p.b + b * p.stride_b + (p.transpose_b ? c0 * ldb : c0);
  float* c = p.c + b * p.m * p.n + r0 * p.n + c0;
  gemm(p.transpose_a, p.transpose_b, r1 - r0, c1 - c0, p.k, a, lda, bm, ldb, c, p.n);
}

// Below this many multiply-adds a product runs on the calling thread alone.
constexpr std::size_t kSplitMacs = std::size_t{1} << 20;
// Each thread's block keeps at least this many rows or columns, so the BLAS kernels stay efficient.
constexpr std::size_t kMinBlock = 64;

}  // namespace

// The GEMM runs single-threaded (OpenBLAS too, see init_blas_threads) and handgrad splits each product across its
// own workers: by batch when there are enough matrices, else each matrix by rows (by columns only when
// it has too few rows for every worker and more columns than rows) into one block per worker.
void matmul(const MatMulArgs& p) {
  const std::size_t plane = p.m * p.n;
  prefer_huge_pages(p.c, p.batch * plane * sizeof(float));
  const std::size_t macs = p.m * p.n * p.k;
  const bool has_epilogue = p.bias_len != 0 || p.relu || p.relu_mask != nullptr;
  // When B holds ±Inf or NaN the sparse pass gives up and the dense one below overwrites C.
  if (sparse_products_enabled() && sparse_matmul_pays(p) && sparse_matmul(p, has_epilogue ? bias_relu_rows : nullptr)) return;
  if (p.batch >= worker_count() && p.batch * macs >= kSplitMacs) {
    parallel_for(p.batch, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t b = begin; b < end; ++b) gemm_block(p, b, 0, p.m, 0, p.n);
    });
  } else {
    // Rows whenever each worker gets a block of kMinBlock rows: measured on 2 cores, Xᵀ·G (784×1000,
    // k = 10000) split by rows takes 72 ms against 110 ms split by columns (same sgemm, same threads).
    const bool by_rows = p.m >= p.n || p.m >= kMinBlock * worker_count();
    const std::size_t extent = by_rows ? p.m : p.n;
    const std::size_t grain = macs < kSplitMacs ? extent : kMinBlock;
    for (std::size_t b = 0; b < p.batch; ++b) {
      parallel_for(extent, grain, [&](std::size_t begin, std::size_t end) {
        if (by_rows) {
          gemm_block(p, b, begin, end, 0, p.n);
          // Bias, relu and mask on the rows this worker just wrote, in the same fork-join as the product.
          if (has_epilogue) bias_relu_rows(p, b * p.m + begin, b * p.m + end);
        } else {
          gemm_block(p, b, 0, p.m, begin, end);
        }
      });
    }
    if (by_rows) return;
  }
  if (!has_epilogue) return;
  const std::size_t rows = p.batch * p.m;
  const std::size_t rows_per_chunk = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, p.n));
  parallel_for(rows, rows_per_chunk, [&](std::size_t begin, std::size_t end) { bias_relu_rows(p, begin, end); });
}

}  // namespace handgrad
