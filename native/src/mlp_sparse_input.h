// The fused step's first layer when its input X (the batch's rows) is mostly exact zeros, as MNIST's
// pixels are: X is listed once per step, by rows (for X·W_1) and by features (for Xᵀ·G_1), and each
// worker owns a block of the first layer's columns through the whole step — it computes those columns of
// H_1 = relu(X·W_1 + b_1), then of dW_1 = Xᵀ·G_1 and db_1 = 1ᵀ·G_1, and updates W_1, b_1 and their slots
// there, one row of dW_1 at a time while it is hot: no dW_1 array, and W_1's block stays in that
// worker's cache from step to step. Every sum runs over the nonzeros in the order sparse_matmul.cc's
// products take them, and the updates are updates.cc's, so the numbers are the per-kernel path's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace handgrad {

struct MlpModel;
struct OptimizerStep;
struct UpcomingRows;

class SparseInputLayer {
 public:
  // Lists the nonzeros of rows data_x[indices[r]] (indices null: data_x's rows in order), r < rows, of
  // `features` values each, by feature (the workers split the features); returns their share of zeros.
  double list(const float* data_x, const std::int32_t* indices, std::size_t rows, std::size_t features);
  // H_1 = relu(X·W_1 + b_1) into h (rows×H); false, with h unfinished, when W_1 holds ±Inf or NaN (a
  // dense product gives NaN where a zero of X meets one).
  bool forward(const MlpModel& model, float* h);
  // From G_1 (rows×H, finite), after forward: dW_1, db_1 and the optimizer's update of W_1, b_1 and
  // their slots; meanwhile the rows `upcoming` of data_x are fetched toward the cache.
  void backward_update(const MlpModel& model, const OptimizerStep& optimizer, const float* g1, const float* data_x, const UpcomingRows& upcoming);

 private:
  std::size_t rows_ = 0, features_ = 0;
  // Feature k's nonzeros, rows ascending: (feature_rows_, feature_values_)[k·rows_ + (0, counts_[k])).
  std::vector<std::uint32_t> counts_, feature_rows_;
  std::vector<float> feature_values_;
  // The same nonzeros by rows, in one segment per listing worker (a span of features): row r's are
  // (features, values)[starts[r], starts[r + 1]), features ascending.
  struct Segment {
    std::size_t first = 0, last = 0;
    std::vector<std::uint32_t> starts, features;
    std::vector<float> values;
  };
  std::vector<Segment> segments_;
};

}  // namespace handgrad
