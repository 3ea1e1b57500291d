// Softmax and softmax cross-entropy over the rows of a rows×cols matrix. Each row is shifted
// by its own max before exp; sums are taken in double, as the cpu kernels do.
#include <cmath>
#include <limits>

#include "kernels.h"
#include "parallel.h"

namespace handgrad {

namespace {

// Largest entry of the row; NaN if the row holds a NaN.
double row_max(const float* z, std::size_t cols) {
  double m = -std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < cols; ++k) {
    if (std::isnan(z[k])) return z[k];
    if (z[k] > m) m = z[k];
  }
  return m;
}

// logsumexp(z) = m + log Σ_k exp(z_k − m), m = max_k z_k.
double row_log_sum_exp(const float* z, std::size_t cols) {
  const double m = row_max(z, cols);
  double sum = 0.0;
  for (std::size_t k = 0; k < cols; ++k) sum += std::exp(static_cast<double>(z[k]) - m);
  return m + std::log(sum);
}

std::size_t row_grain(std::size_t cols) { return std::max<std::size_t>(1, (kElementwiseGrain / 8) / std::max<std::size_t>(1, cols)); }

}  // namespace

void softmax_rows(const float* z, float* out, std::size_t rows, std::size_t cols) {
  prefer_huge_pages(out, rows * cols * sizeof(float));
  parallel_for(rows, row_grain(cols), [=](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      const float* zr = z + r * cols;
      float* outr = out + r * cols;
      const double lse = row_log_sum_exp(zr, cols);
      // p_k = exp(z_k − logsumexp(z)) = exp(z_k − m) / Σ_j exp(z_j − m)
      for (std::size_t k = 0; k < cols; ++k) outr[k] = static_cast<float>(std::exp(static_cast<double>(zr[k]) - lse));
    }
  });
}

namespace {

// Row n's term of the loss: (Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk, given lse = logsumexp(z_n).
double row_cross_entropy(const float* yr, const float* zr, std::size_t cols, double lse) {
  double dot = 0.0;
  double label_sum = 0.0;
  for (std::size_t k = 0; k < cols; ++k) {
    dot += static_cast<double>(yr[k]) * zr[k];
    label_sum += yr[k];
  }
  return label_sum * lse - dot;
}

// Row n of dz = scale·((Σ_k y_nk)·softmax(z_n) − y_n), given lse = logsumexp(z_n).
void row_cross_entropy_grad(const float* yr, const float* zr, float* outr, std::size_t cols, double scale, double lse) {
  double label_sum = 0.0;
  for (std::size_t k = 0; k < cols; ++k) label_sum += yr[k];
  for (std::size_t k = 0; k < cols; ++k) outr[k] = static_cast<float>(scale * (label_sum * std::exp(static_cast<double>(zr[k]) - lse) - yr[k]));
}

}  // namespace

double softmax_cross_entropy(const float* y, const float* z, std::size_t rows, std::size_t cols) {
  const double total = parallel_sum(rows, row_grain(cols), [=](std::size_t begin, std::size_t end) {
    double sum = 0.0;
    for (std::size_t r = begin; r < end; ++r) sum += row_cross_entropy(y + r * cols, z + r * cols, cols, row_log_sum_exp(z + r * cols, cols));
    return sum;
  });
  return total / static_cast<double>(rows);
}

void softmax_cross_entropy_grad(float dy, const float* y, const float* z, float* out, std::size_t rows, std::size_t cols) {
  prefer_huge_pages(out, rows * cols * sizeof(float));
  const double scale = static_cast<double>(dy) / static_cast<double>(rows);
  parallel_for(rows, row_grain(cols), [=](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      row_cross_entropy_grad(y + r * cols, z + r * cols, out + r * cols, cols, scale, row_log_sum_exp(z + r * cols, cols));
    }
  });
}

double softmax_cross_entropy_with_grad(float dy, const float* y, const float* z, float* out, std::size_t rows, std::size_t cols) {
  prefer_huge_pages(out, rows * cols * sizeof(float));
  const double scale = static_cast<double>(dy) / static_cast<double>(rows);
  // The loss's chunks are softmax_cross_entropy's, so its partial sums are too.
  const double total = parallel_sum(rows, row_grain(cols), [=](std::size_t begin, std::size_t end) {
    double sum = 0.0;
    for (std::size_t r = begin; r < end; ++r) {
      const double lse = row_log_sum_exp(z + r * cols, cols);
      sum += row_cross_entropy(y + r * cols, z + r * cols, cols, lse);
      row_cross_entropy_grad(y + r * cols, z + r * cols, out + r * cols, cols, scale, lse);
    }
    return sum;
  });
  return total / static_cast<double>(rows);
}

}  // namespace handgrad
