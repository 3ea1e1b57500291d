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

// out[0, 16·V) = Σ_t values[t]·b[index[t]·ld + (0, 16·V)], t ascending, from a zero sum or (add) from
// out's partial sum: per element the sum sparse_matmul.cc's tiles take (one multiply-add per nonzero,
// in the same order), whether in one call or in consecutive runs of t.
template <int V>
inline __attribute__((always_inline)) void accumulate_block(const std::uint32_t* index, const float* values, std::size_t count, const float* b,
                                                            std::size_t ld, float* out, bool add) {
  Vec16 acc[V] = {};
  if (add) {
    for (int i = 0; i < V; ++i) acc[i] = reinterpret_cast<const Vec16*>(out)[i];
  }
  for (std::size_t t = 0; t < count; ++t) {
    const Vec16* row = reinterpret_cast<const Vec16*>(b + static_cast<std::size_t>(index[t]) * ld);
    const float value = values[t];
    for (int i = 0; i < V; ++i) acc[i] += value * row[i];
  }
  Vec16* o = reinterpret_cast<Vec16*>(out);
  for (int i = 0; i < V; ++i) o[i] = acc[i];
}

// out[0, width) = (add ? out : 0) + Σ_t values[t]·b[index[t]·ld + (0, width)]: blocks of 128, 64, 32 and
// 16 columns, then the last < 16 as axpys (as sparse_matmul.cc's last columns).
HANDGRAD_VECTOR_CLONES
void accumulate_columns(const std::uint32_t* index, const float* values, std::size_t count, const float* b, std::size_t ld, float* __restrict out,
                        std::size_t width, bool add) {
  std::size_t j = 0;
  for (; j + 128 <= width; j += 128) accumulate_block<8>(index, values, count, b + j, ld, out + j, add);
  if (j + 64 <= width) {
    accumulate_block<4>(index, values, count, b + j, ld, out + j, add);
    j += 64;
  }
  if (j + 32 <= width) {
    accumulate_block<2>(index, values, count, b + j, ld, out + j, add);
    j += 32;
  }
  if (j + 16 <= width) {
    accumulate_block<1>(index, values, count, b + j, ld, out + j, add);
    j += 16;
  }
  const std::size_t rest = width - j;
  if (rest == 0) return;
  float* __restrict c = out + j;
  if (!add) {
    for (std::size_t i = 0; i < rest; ++i) c[i] = 0.0f;
  }
  for (std::size_t t = 0; t < count; ++t) {
    const float* __restrict row = b + static_cast<std::size_t>(index[t]) * ld + j;
    const float value = values[t];
    for (std::size_t i = 0; i < rest; ++i) c[i] += value * row[i];
  }
}

// Features each worker lists at least, when it scans the batch's rows; rows, when it lists a whole matrix.
constexpr std::size_t kListFeatures = 128, kListRows = 256;
// The block of W_1 the rows run through in turn: 64 features × 128 columns (32 KB) stays in L1.
constexpr std::size_t kBlockFeatures = 64, kBlockColumns = 128;

// Workers by_column_blocks uses for `width` columns.
std::size_t column_block_workers(std::size_t width) { return chunk_workers((width + 15) / 16, 1); }

// Calls body(worker, c0, c1) for each worker's block of columns [c0, c1), whole groups of 16 (the last
// may be shorter, and a last worker's may be empty).
template <class Body>
void by_column_blocks(std::size_t width, Body body) {
  const std::size_t groups = (width + 15) / 16;
  parallel_chunks(groups, 1, [&](std::size_t worker, std::size_t g0, std::size_t g1) { body(worker, std::min(width, 16 * g0), std::min(width, 16 * g1)); });
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

bool NonzeroRows::list(const float* x, std::size_t rows, std::size_t features, double min_zero_share) {
  starts_.assign(rows + 1, 0);
  // Counted as list_nonzeros lists them: v ≠ 0 holds for NaN and fails for −0.
  parallel_for(rows, kListRows, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const float* row = x + i * features;
      std::size_t count = 0;
      for (std::size_t k = 0; k < features; ++k) count += row[k] != 0.0f;
      starts_[i + 1] = count;
    }
  });
  for (std::size_t i = 0; i < rows; ++i) starts_[i + 1] += starts_[i];
  const std::size_t total = starts_[rows];
  if (rows == 0 || 1.0 - static_cast<double>(total) / static_cast<double>(rows * features) < min_zero_share) {
    *this = NonzeroRows();
    return false;
  }
  features_.reset(new std::uint32_t[total]);
  values_.reset(new float[total]);
  prefer_huge_pages(features_.get(), total * sizeof(std::uint32_t));
  prefer_huge_pages(values_.get(), total * sizeof(float));
  parallel_for(rows, kListRows, [&](std::size_t begin, std::size_t end) {
    // Listed into a row of slack first: list_nonzeros writes past its count, into the next row's entries.
    std::vector<std::uint32_t> row_features(features + 16);
    std::vector<float> row_values(features + 16);
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t count = list_nonzeros(x + i * features, features, 1, row_features.data(), row_values.data(), 0);
      std::copy_n(row_features.data(), count, features_.get() + starts_[i]);
      std::copy_n(row_values.data(), count, values_.get() + starts_[i]);
    }
  });
  return true;
}

void SparseInputLayer::begin_batch(std::size_t rows, std::size_t features, bool by_feature_pending) {
  rows_ = rows;
  features_ = features;
  by_feature_pending_ = by_feature_pending;
  if (feature_rows_.size() < rows * features) {
    feature_rows_.resize(rows * features);
    feature_values_.resize(rows * features);
  }
  counts_.assign(features, 0);
}

double SparseInputLayer::list(const float* data_x, const std::int32_t* indices, std::size_t rows, std::size_t features) {
  begin_batch(rows, features, false);
  const std::size_t workers = chunk_workers(features, kListFeatures);
  segments_.resize(workers);
  // Each worker reads its span of features from every row (the rows' reads from memory then overlap).
  parallel_chunks(features, kListFeatures, [&](std::size_t worker, std::size_t f0, std::size_t f1) {
    Segment& segment = segments_[worker];
    segment.first = f0;
    segment.last = f1;
    segment.begin.resize(rows);
    segment.end.resize(rows);
    // list_nonzeros writes up to the span + 16 entries past the count.
    if (segment.own_features.size() < rows * (f1 - f0) + 16) {
      segment.own_features.resize(rows * (f1 - f0) + 16);
      segment.own_values.resize(rows * (f1 - f0) + 16);
    }
    std::uint32_t* listed_features = segment.own_features.data();
    float* listed_values = segment.own_values.data();
    segment.features = listed_features;
    segment.values = listed_values;
    std::size_t total = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      const float* x = data_x + (indices == nullptr ? r : static_cast<std::size_t>(indices[r])) * features;
      const std::size_t end = list_nonzeros(x + f0, f1 - f0, 1, listed_features, listed_values, total);
      for (std::size_t t = total; t < end; ++t) {
        listed_features[t] += static_cast<std::uint32_t>(f0);
        const std::size_t k = listed_features[t], slot = k * rows + counts_[k]++;
        feature_rows_[slot] = static_cast<std::uint32_t>(r);
        feature_values_[slot] = listed_values[t];
      }
      segment.begin[r] = total;
      segment.end[r] = end;
      total = end;
    }
  });
  std::size_t count = 0;
  for (std::size_t w = 0; w < workers; ++w) count += segments_[w].end[rows - 1];
  return 1.0 - static_cast<double>(count) / static_cast<double>(rows * features);
}

double SparseInputLayer::take(const RowNonzeros& listed, const std::int32_t* indices, std::size_t rows, std::size_t features) {
  begin_batch(rows, features, true);
  segments_.resize(1);
  Segment& segment = segments_[0];
  segment.first = 0;
  segment.last = features;
  segment.features = listed.features;
  segment.values = listed.values;
  segment.begin.resize(rows);
  segment.end.resize(rows);
  std::size_t count = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t row = indices == nullptr ? r : static_cast<std::size_t>(indices[r]);
    segment.begin[r] = listed.starts[row];
    segment.end[r] = listed.starts[row + 1];
    count += segment.end[r] - segment.begin[r];
  }
  // Every line of the batch's lists requested at once, before the forward pass reads them: their misses
  // then overlap (measured on the default job: 65 µs less in the forward pass for 13 µs here, per step).
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t t = segment.begin[r]; t < segment.end[r]; t += 16) {
      __builtin_prefetch(listed.features + t, 0, 3);
      __builtin_prefetch(listed.values + t, 0, 3);
    }
  }
  return 1.0 - static_cast<double>(count) / static_cast<double>(rows * features);
}

void SparseInputLayer::list_by_feature(std::size_t f0, std::size_t f1) {
  if (f0 >= f1) return;
  for (const Segment& segment : segments_) {
    if (segment.last <= f0 || f1 <= segment.first) continue;
    for (std::size_t r = 0; r < rows_; ++r) {
      const std::uint32_t* row = segment.features;
      const std::size_t begin = std::lower_bound(row + segment.begin[r], row + segment.end[r], static_cast<std::uint32_t>(f0)) - row;
      const std::size_t end = std::lower_bound(row + begin, row + segment.end[r], static_cast<std::uint32_t>(f1)) - row;
      for (std::size_t t = begin; t < end; ++t) {
        const std::size_t k = row[t], slot = k * rows_ + counts_[k]++;
        feature_rows_[slot] = static_cast<std::uint32_t>(r);
        feature_values_[slot] = segment.values[t];
      }
    }
  }
}

bool SparseInputLayer::forward(const MlpModel& model, float* h) {
  const std::size_t width = model.sizes[1];
  const float* w1 = model.params[0];
  const float* b1 = model.params[1];
  const std::size_t workers = column_block_workers(width), feature_share = (features_ + workers - 1) / workers;
  std::vector<char> finite(workers, 1);
  by_column_blocks(width, [&](std::size_t worker, std::size_t c0, std::size_t c1) {
    // The lists by feature that take left to make, a share of the features per worker, for backward_update.
    if (by_feature_pending_) list_by_feature(std::min(features_, worker * feature_share), std::min(features_, (worker + 1) * feature_share));
    if (c0 >= c1) return;
    for (std::size_t k = 0; k < features_; ++k) {
      if (!all_finite(w1 + k * width + c0, c1 - c0)) {
        finite[worker] = 0;
        return;
      }
    }
    // Each row's nonzeros in feature order: segment by segment, and within one, a block of features at a
    // time (where each row's run resumes), each row adding the block's terms to its partial sums.
    thread_local std::vector<std::size_t> next;
    for (std::size_t j0 = c0; j0 < c1; j0 += kBlockColumns) {
      const std::size_t tile = std::min(kBlockColumns, c1 - j0);
      bool started = false;
      for (const Segment& segment : segments_) {
        next.assign(segment.begin.begin(), segment.begin.end());
        for (std::size_t k0 = segment.first; k0 < segment.last; k0 += kBlockFeatures) {
          const std::uint32_t k1 = static_cast<std::uint32_t>(std::min(segment.last, k0 + kBlockFeatures));
          for (std::size_t r = 0; r < rows_; ++r) {
            const std::size_t begin = next[r], stop = segment.end[r];
            std::size_t end = begin;
            while (end < stop && segment.features[end] < k1) ++end;
            next[r] = end;
            if (end > begin || !started) {
              accumulate_columns(&segment.features[begin], &segment.values[begin], end - begin, w1 + j0, width, h + r * width + j0, tile, started);
            }
          }
          started = true;
        }
      }
      for (std::size_t r = 0; r < rows_; ++r) bias_relu(h + r * width + j0, b1 + j0, tile);
    }
  });
  by_feature_pending_ = false;
  return std::all_of(finite.begin(), finite.end(), [](char f) { return f != 0; });
}

void SparseInputLayer::backward_update(const MlpModel& model, const OptimizerStep& optimizer, const float* g1, const float* data_x,
                                       const RowNonzeros* listed, const UpcomingRows& upcoming) {
  // The upcoming rows' cache lines, prefetched by the calling worker a few per feature: a row's values,
  // or its listed nonzeros, a whole row at a time.
  const std::size_t lines_per_row = (features_ * sizeof(float) + 63) / 64, lines = upcoming.count * lines_per_row;
  const std::size_t lines_per_feature = (lines + features_ - 1) / features_, rows_per_feature = (upcoming.count + features_ - 1) / features_;
  const auto upcoming_row = [&](std::size_t r) { return upcoming.indices == nullptr ? upcoming.first + r : static_cast<std::size_t>(upcoming.indices[r]); };
  const auto prefetch_span = [](const void* from, std::size_t bytes) {
    const char* first = static_cast<const char*>(from);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(first + at, 0, 2);
  };
  const auto prefetch = [&](std::size_t k) {
    if (listed != nullptr) {
      for (std::size_t r = k * rows_per_feature; r < std::min(upcoming.count, (k + 1) * rows_per_feature); ++r) {
        const std::size_t row = upcoming_row(r), begin = listed->starts[row], count = listed->starts[row + 1] - begin;
        prefetch_span(listed->features + begin, count * sizeof(std::uint32_t));
        prefetch_span(listed->values + begin, count * sizeof(float));
      }
      return;
    }
    for (std::size_t i = k * lines_per_feature; i < std::min(lines, (k + 1) * lines_per_feature); ++i) {
      __builtin_prefetch(reinterpret_cast<const char*>(data_x + upcoming_row(i / lines_per_row) * features_) + (i % lines_per_row) * 64, 0, 2);
    }
  };
  const std::size_t width = model.sizes[1];
  // db_1 as sum_leading (reduce.cc) sums it: in double, over the same chunks of rows, chunk totals in order.
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / width);
  const std::size_t sum_workers = chunk_workers(rows_, grain), sum_chunk = (rows_ + sum_workers - 1) / sum_workers;
  by_column_blocks(width, [&](std::size_t worker, std::size_t c0, std::size_t c1) {
    if (c0 >= c1) return;
    const std::size_t n = c1 - c0;
    thread_local std::vector<float> gradient;
    thread_local std::vector<double> totals;
    gradient.resize(n);
    for (std::size_t k = 0; k < features_; ++k) {
      const std::size_t list = k * rows_;
      accumulate_columns(&feature_rows_[list], &feature_values_[list], counts_[k], g1 + c0, width, gradient.data(), n, false);
      update_param_span(model, optimizer, 0, k * width + c0, gradient.data(), n);
      if (worker == 0) prefetch(k);
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
