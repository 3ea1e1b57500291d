// Matrix products through the system BLAS (cblas_sgemm), with the bias and relu of
// _FusedMatMul applied in one threaded pass over the output rows.
#include <cblas.h>

#include <cmath>

#include "kernels.h"
#include "parallel.h"

namespace handgrad {

namespace {

void bias_relu_rows(const MatMulArgs& p, std::size_t row_begin, std::size_t row_end) {
  const std::size_t n = p.n;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    float* row = p.c + r * n;
    const float* bias_row = nullptr;
    if (p.bias_len == n) bias_row = p.bias;
    else if (p.bias_len == p.m * n) bias_row = p.bias + (r % p.m) * n;
    const float scalar = p.bias_len == 1 ? p.bias[0] : 0.0f;
    if (bias_row != nullptr) {
      for (std::size_t j = 0; j < n; ++j) row[j] += bias_row[j];
    } else if (p.bias_len == 1) {
      for (std::size_t j = 0; j < n; ++j) row[j] += scalar;
    }
    if (p.relu) {
      // tfjs's relu is Math.max(0, x): NaN stays NaN.
      for (std::size_t j = 0; j < n; ++j) row[j] = std::isnan(row[j]) ? row[j] : (row[j] > 0.0f ? row[j] : 0.0f);
    }
  }
}

}  // namespace

void matmul(const MatMulArgs& p) {
  const std::size_t plane = p.m * p.n;
  prefer_huge_pages(p.c, p.batch * plane * sizeof(float));
  // Row-major op(A) is m×k: A is stored k×m when transposed (lda = m), else m×k (lda = k).
  const int lda = static_cast<int>(p.transpose_a ? p.m : p.k);
  const int ldb = static_cast<int>(p.transpose_b ? p.k : p.n);
  for (std::size_t b = 0; b < p.batch; ++b) {
    cblas_sgemm(CblasRowMajor, p.transpose_a ? CblasTrans : CblasNoTrans, p.transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(p.m), static_cast<int>(p.n), static_cast<int>(p.k), 1.0f, p.a + b * p.stride_a, lda,
                p.b + b * p.stride_b, ldb, 0.0f, p.c + b * plane, static_cast<int>(p.n));
  }
  if (p.bias_len == 0 && !p.relu) return;
  const std::size_t rows = p.batch * p.m;
  const std::size_t rows_per_chunk = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, p.n));
  parallel_for(rows, rows_per_chunk, [&](std::size_t begin, std::size_t end) { bias_relu_rows(p, begin, end); });
}

}  // namespace handgrad
