// The sparse first layer of the fused training step (mlp_sparse_input.h).
#include "mlp_sparse_input.h"

#include <algorithm>

#include "mlp.h"
#include "parallel.h"
#include "sparse_rows.h"

namespace handgrad {

namespace {

// 16 floats; aligned(4) lets them load from and store to any float address.
typedef float Vec16 __attribute__((vector_size(64), aligned(4)));

// out[0, 16·V) = Σ_t values[t]·b[index[t]·ld + (0, 16·V)], t ascending from a zero sum: per element
// the sum sparse_matmul.cc's tiles take (one multiply-add per nonzero, in the same order).
template <int V>
inline __attribute__((always_inline)) void accumulate_block(const std::uint32_t* index, const float* values, std::size_t count, const float* b,
                                                            std::size_t ld, float* out) {
  Vec16 acc[V] = {};
  for (std::size_t t = 0; t < count; ++t) {
    const Vec16* row = reinterpret_cast<const Vec16*>(b + static_cast<std::size_t>(index[t]) * ld);
    const float value = values[t];
    for (int i = 0; i < V; ++i) acc[i] += value * row[i];
  }
  Vec16* o = reinterpret_cast<Vec16*>(out);
  for (int i = 0; i < V; ++i) o[i] = acc[i];
}

// out[0, width) = Σ_t values[t]·b[index[t]·ld + (0, width)]: blocks of 128, 64, 32 and 16 columns, then
// the last < 16 as axpys (as sparse_matmul.cc's last columns).
HANDGRAD_VECTOR_CLONES
void accumulate_columns(const std::uint32_t* index, const float* values, std::size_t count, const float* b, std::size_t ld, float* __restrict out,
                        std::size_t width) {
  std::size_t j = 0;
  for (; j + 128 <= width; j += 128) accumulate_block<8>(index, values, count, b + j, ld, out + j);
  if (j + 64 <= width) {
    accumulate_block<4>(index, values, count, b + j, ld, out + j);
    j += 64;
  }
  if (j + 32 <= width) {
    accumulate_block<2>(index, values, count, b + j, ld, out + j);
    j += 32;
  }
  if (j + 16 <= width) {
    accumulate_block<1>(index, values, count, b + j, ld, out + j);
    j += 16;
  }
  const std::size_t rest = width - j;
  if (rest == 0) return;
  float* __restrict c = out + j;
  for (std::size_t i = 0; i < rest; ++i) c[i] = 0.0f;
  for (std::size_t t = 0; t < count; ++t) {
    const float* __restrict row = b + static_cast<std::size_t>(index[t]) * ld + j;
    const float value = values[t];
    for (std::size_t i = 0; i < rest; ++i) c[i] += value * row[i];
  }
}

// h[rows[t]·ld + (0, 16·V)] += values[t]·w[0, 16·V) for each t: w's row in registers, added into each
// listed row of h. A row's sum over the features then runs in feature order, one multiply-add each,
// from a zeroed h: the sums accumulate_block takes.
template <int V>
inline __attribute__((always_inline)) void scatter_block(const std::uint32_t* rows, const float* values, std::size_t count, const float* w, float* h,
                                                         std::size_t ld) {
  Vec16 wv[V];
  for (int i = 0; i < V; ++i) wv[i] = reinterpret_cast<const Vec16*>(w)[i];
  for (std::size_t t = 0; t < count; ++t) {
    Vec16* out = reinterpret_cast<Vec16*>(h + static_cast<std::size_t>(rows[t]) * ld);
    const float value = values[t];
    for (int i = 0; i < V; ++i) out[i] += value * wv[i];
  }
}

// h[rows[t]·ld + (0, width)] += values[t]·w[0, width) for each t, width ≤ 128.
HANDGRAD_VECTOR_CLONES
void scatter_columns(const std::uint32_t* rows, const float* values, std::size_t count, const float* w, float* h, std::size_t ld, std::size_t width) {
  std::size_t j = 0;
  if (j + 128 <= width) {
    scatter_block<8>(rows, values, count, w, h, ld);
    j += 128;
  }
  if (j + 64 <= width) {
    scatter_block<4>(rows, values, count, w + j, h + j, ld);
    j += 64;
  }
  if (j + 32 <= width) {
    scatter_block<2>(rows, values, count, w + j, h + j, ld);
    j += 32;
  }
  if (j + 16 <= width) {
    scatter_block<1>(rows, values, count, w + j, h + j, ld);
    j += 16;
  }
  const std::size_t rest = width - j;
  for (std::size_t t = 0; t < count && rest > 0; ++t) {
    float* __restrict out = h + static_cast<std::size_t>(rows[t]) * ld + j;
    const float* __restrict row = w + j;
    const float value = values[t];
    for (std::size_t i = 0; i < rest; ++i) out[i] += value * row[i];
  }
}

// Columns and rows of H_1 that one pass over the features updates: 64 rows of 128 columns (32 KB) stay in L1.
constexpr std::size_t kScatterColumns = 128, kScatterRows = 64;

// Calls body(worker, c0, c1) for each worker's block of columns [c0, c1), whole groups of 16 (the last
// may be shorter); returns the number of workers.
template <class Body>
std::size_t by_column_blocks(std::size_t width, Body body) {
  const std::size_t groups = (width + 15) / 16;
  return parallel_chunks(groups, 1, [&](std::size_t worker, std::size_t g0, std::size_t g1) {
    const std::size_t c0 = std::min(width, 16 * g0), c1 = std::min(width, 16 * g1);
    if (c0 < c1) body(worker, c0, c1);
  });
}

// bias_relu_rows's epilogue (matmul.cc) on one row's columns: + b, then relu with NaN kept.
void bias_relu(float* __restrict row, const float* __restrict bias, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) row[j] += bias[j];
  for (std::size_t j = 0; j < n; ++j) {
    const float v = row[j];
    row[j] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

}  // namespace

double SparseInputLayer::list_rows(const float* data_x, const std::int32_t* indices, std::size_t rows, std::size_t features) {
  rows_ = rows;
  features_ = features;
  // list_nonzeros writes up to `features` + 16 entries past the count.
  if (row_features_.size() < rows * features + 16) {
    row_features_.resize(rows * features + 16);
    row_values_.resize(rows * features + 16);
  }
  row_starts_.resize(rows + 1);
  row_starts_[0] = 0;
  std::size_t count = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = data_x + (indices == nullptr ? r : static_cast<std::size_t>(indices[r])) * features;
    count = list_nonzeros(x, features, 1, row_features_.data(), row_values_.data(), count);
    row_starts_[r + 1] = static_cast<std::uint32_t>(count);
  }
  return 1.0 - static_cast<double>(count) / static_cast<double>(rows * features);
}

void SparseInputLayer::list_features() {
  const std::size_t count = row_starts_[rows_];
  feature_starts_.assign(features_ + 1, 0);
  for (std::size_t t = 0; t < count; ++t) ++feature_starts_[row_features_[t] + 1];
  for (std::size_t k = 0; k < features_; ++k) feature_starts_[k + 1] += feature_starts_[k];
  if (feature_rows_.size() < count) {
    feature_rows_.resize(count);
    feature_values_.resize(count);
  }
  // Rows in ascending order within each feature: the order Xᵀ·G's sums take them.
  cursor_.assign(feature_starts_.begin(), feature_starts_.end() - 1);
  for (std::size_t r = 0; r < rows_; ++r) {
    for (std::size_t t = row_starts_[r]; t < row_starts_[r + 1]; ++t) {
      const std::uint32_t at = cursor_[row_features_[t]]++;
      feature_rows_[at] = static_cast<std::uint32_t>(r);
      feature_values_[at] = row_values_[t];
    }
  }
}

bool SparseInputLayer::forward(const MlpModel& model, float* h) {
  list_features();
  const std::size_t width = model.sizes[1];
  const float* w1 = model.params[0];
  const float* b1 = model.params[1];
  std::vector<char> finite(chunk_workers((width + 15) / 16, 1), 1);
  by_column_blocks(width, [&](std::size_t worker, std::size_t c0, std::size_t c1) {
    for (std::size_t k = 0; k < features_; ++k) {
      if (!all_finite(w1 + k * width + c0, c1 - c0)) {
        finite[worker] = 0;
        return;
      }
    }
    // Where each feature's list resumes: its rows ascend, so each block of rows takes the next run.
    thread_local std::vector<std::uint32_t> next;
    for (std::size_t j0 = c0; j0 < c1; j0 += kScatterColumns) {
      const std::size_t tile = std::min(kScatterColumns, c1 - j0);
      next.assign(feature_starts_.begin(), feature_starts_.end() - 1);
      for (std::size_t r0 = 0; r0 < rows_; r0 += kScatterRows) {
        const std::size_t r1 = std::min(rows_, r0 + kScatterRows);
        for (std::size_t r = r0; r < r1; ++r) std::fill_n(h + r * width + j0, tile, 0.0f);
        for (std::size_t k = 0; k < features_; ++k) {
          const std::size_t begin = next[k], stop = feature_starts_[k + 1];
          std::size_t end = begin;
          while (end < stop && feature_rows_[end] < r1) ++end;
          next[k] = static_cast<std::uint32_t>(end);
          if (end > begin) scatter_columns(&feature_rows_[begin], &feature_values_[begin], end - begin, w1 + k * width + j0, h + j0, width, tile);
        }
        for (std::size_t r = r0; r < r1; ++r) bias_relu(h + r * width + j0, b1 + j0, tile);
      }
    }
  });
  return std::all_of(finite.begin(), finite.end(), [](char f) { return f != 0; });
}

void SparseInputLayer::backward_update(const MlpModel& model, const OptimizerStep& optimizer, const float* g1) {
  const std::size_t width = model.sizes[1];
  // db_1 as sum_leading (reduce.cc) sums it: in double, over the same chunks of rows, chunk totals in order.
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / width);
  const std::size_t sum_workers = chunk_workers(rows_, grain), sum_chunk = (rows_ + sum_workers - 1) / sum_workers;
  by_column_blocks(width, [&](std::size_t, std::size_t c0, std::size_t c1) {
    const std::size_t n = c1 - c0;
    thread_local std::vector<float> gradient;
    thread_local std::vector<double> totals;
    gradient.resize(n);
    for (std::size_t k = 0; k < features_; ++k) {
      const std::size_t begin = feature_starts_[k];
      accumulate_columns(&feature_rows_[begin], &feature_values_[begin], feature_starts_[k + 1] - begin, g1 + c0, width, gradient.data(), n);
      update_param_span(model, optimizer, 0, k * width + c0, gradient.data(), n);
    }
    totals.assign(n, 0.0);
    for (std::size_t w = 0; w < sum_workers; ++w) {
      std::vector<double> partial(n, 0.0);
      for (std::size_t r = std::min(rows_, w * sum_chunk); r < std::min(rows_, (w + 1) * sum_chunk); ++r) {
        const float* row = g1 + r * width + c0;
        for (std::size_t j = 0; j < n; ++j) partial[j] += row[j];
      }
      for (std::size_t j = 0; j < n; ++j) totals[j] += partial[j];
    }
    for (std::size_t j = 0; j < n; ++j) gradient[j] = static_cast<float>(totals[j]);
    update_param_span(model, optimizer, 1, c0, gradient.data(), n);
  });
}

}  // namespace handgrad
