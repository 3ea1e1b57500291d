// The fused step's first layer when its input X (the batch's rows) is mostly exact zeros, as MNIST's
// pixels are: X's nonzeros are listed by rows (for X·W_1) and by features (for Xᵀ·G_1) — read off the
// training set's nonzeros listed once (NonzeroRows) when the session has them, else found by scanning
// the batch's rows — and each worker owns a block of the first layer's columns through the whole step:
// it computes those columns of H_1 = relu(X·W_1 + b_1), then of dW_1 = Xᵀ·G_1 and db_1 = 1ᵀ·G_1, and
// updates W_1, b_1 and their slots there, one row of dW_1 at a time while it is hot: no dW_1 array, and
// W_1's block stays in that worker's cache from step to step. Every sum runs over the nonzeros in the
// order sparse_matmul.cc's products take them, and the updates are updates.cc's, so the numbers are the
// per-kernel path's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels.h"

namespace handgrad {

struct MlpModel;
struct OptimizerStep;
struct UpcomingRows;

// The nonzeros (NaN included) of a row-major matrix, listed by rows: row i's are
// (features, values)[starts[i], starts[i + 1]), features ascending.
struct RowNonzeros {
  const std::size_t* starts;
  const std::uint32_t* features;
  const float* values;
};

// RowNonzeros of a matrix, listed once, with their storage.
class NonzeroRows {
 public:
  // Lists the nonzeros of x (rows × features) when its share of zeros is at least min_zero_share (then
  // the lists take no more memory than x itself); false, holding nothing, when it is not.
  bool list(const float* x, std::size_t rows, std::size_t features, double min_zero_share);
  // The lists from row `first` on (its row 0 is x's row `first`).
  RowNonzeros from_row(std::size_t first) const { return {starts_.data() + first, features_.get(), values_.get()}; }

 private:
  std::vector<std::size_t> starts_;
  // Fresh memory, written once (no zero fill; huge pages where the system has them).
  std::unique_ptr<std::uint32_t[]> features_;
  std::unique_ptr<float[]> values_;
};

class SparseInputLayer {
 public:
  // Lists the nonzeros of rows data_x[indices[r]] (indices null: data_x's rows in order), r < rows, of
  // `features` values each, by scanning them (the workers split the features); returns their share of zeros.
  double list(const float* data_x, const std::int32_t* indices, std::size_t rows, std::size_t features);
  // The same from the rows' nonzeros listed beforehand (row r of the batch is row indices[r], or r, of
  // `listed`); the lists by feature are made in forward's fork-join. Returns their share of zeros.
  double take(const RowNonzeros& listed, const std::int32_t* indices, std::size_t rows, std::size_t features);
  // H_1 = relu(X·W_1 + b_1) into h (rows×H); false, with h unfinished, when W_1 holds ±Inf or NaN (a
  // dense product gives NaN where a zero of X meets one).
  bool forward(const MlpModel& model, float* h);
  // From G_1 (rows×H, finite), after forward: dW_1, db_1 and the optimizer's update of W_1, b_1 and
  // their slots; meanwhile the rows `upcoming` are fetched toward the cache: their nonzeros in `listed`
  // when it is not null, else their values in data_x.
  void backward_update(const MlpModel& model, const OptimizerStep& optimizer, const float* g1, const float* data_x, const RowNonzeros* listed,
                       const UpcomingRows& upcoming);

 private:
  // Feature k's nonzeros for k in [f0, f1), rows ascending, from the segments (one, by take).
  void list_by_feature(std::size_t f0, std::size_t f1);
  // A batch of rows×features begins: room for its lists, every feature's count at 0.
  void begin_batch(std::size_t rows, std::size_t features, bool by_feature_pending);

  std::size_t rows_ = 0, features_ = 0;
  // Whether forward still has to make the lists by feature (after take).
  bool by_feature_pending_ = false;
  // Feature k's nonzeros, rows ascending: (feature_rows_, feature_values_)[k·rows_ + (0, counts_[k])).
  std::vector<std::uint32_t> counts_, feature_rows_;
  std::vector<float> feature_values_;
  // The same nonzeros by rows, in one segment per listing worker (a span [first, last) of features, or
  // all of them after take): row r's are (features, values)[begin[r], end[r]), features ascending; list
  // keeps them in own_features and own_values.
  struct Segment {
    std::size_t first = 0, last = 0;
    const std::uint32_t* features = nullptr;
    const float* values = nullptr;
    std::vector<std::size_t> begin, end;
    std::vector<std::uint32_t> own_features;
    std::vector<float> own_values;
  };
  std::vector<Segment> segments_;
};

}  // namespace handgrad
