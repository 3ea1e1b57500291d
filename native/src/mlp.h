// The MLP's whole training step and its evaluation, each one call, built from the kernels of
// kernels.h (the same functions the per-kernel native kernels call, with the same arguments, so the
// numbers are theirs): X: N×F, W_l: in×out, b_l: out, H_0 = X,
//   H_l = relu(H_{l−1}·W_l + b_l) (hidden), Z = H_{L−1}·W_L + b_L, L = mean_n (logsumexp(Z_n) − Z_{n,y_n}),
//   G_L = (softmax(Z) − Y)/N, dW_l = H_{l−1}ᵀ·G_l, db_l = 1ᵀ·G_l, G_{l−1} = (G_l·W_lᵀ) ⊙ 1(H_{l−1} > 0),
// then the optimizer's update of every parameter and slot, in place.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels.h"
#include "mlp_sparse_input.h"

namespace handgrad {

enum class OptimizerKind { Sgd = 0, Momentum = 1, Adam = 2 };

// The hyperparameters of one update (Adam's bias corrections c1, c2 of its step t included).
struct OptimizerStep {
  OptimizerKind kind;
  float lr, momentum;
  AdamArgs adam;
};

// Slots each optimizer keeps per parameter: momentum its velocity, Adam m and v.
std::size_t slot_count(OptimizerKind kind);

// The network, in place: params[2l] = W_{l+1} (sizes[l]×sizes[l+1]), params[2l + 1] = b_{l+1}
// (sizes[l+1]); slots[s][i] is slot s of params[i]. Every array is distinct memory.
struct MlpModel {
  std::vector<std::size_t> sizes;
  std::vector<float*> params;
  std::vector<std::vector<float*>> slots;
  std::size_t layers() const { return sizes.size() - 1; }
  std::size_t classes() const { return sizes.back(); }
};

// Rows of data.x a later step reads: indices[0..count) (each a valid row), or first..first + count when indices is null.
struct UpcomingRows {
  const std::int32_t* indices = nullptr;
  std::size_t first = 0, count = 0;
};

// Rows of features and their labels (each in [0, classes)), with the nonzeros of x's rows when they
// were listed beforehand (row r's at r; null: a step scans its batch's rows for them).
struct LabelledRows {
  const float* x;
  const std::int32_t* labels;
  std::size_t rows;
  const RowNonzeros* nonzeros = nullptr;
};

// A float array that grows on demand and is never zero-filled (each user writes it before reading
// it): a large one is fresh memory from the system, so matmul's huge-page advice applies before its
// first touch (a full batch of 10 000 rows × 1 000 units is 40 MB per activation).
class Scratch {
 public:
  float* at_least(std::size_t length) {
    if (length > size_) {
      data_.reset(new float[length]);
      size_ = length;
    }
    return data_.get();
  }
  float* data() { return data_.get(); }

 private:
  std::unique_ptr<float[]> data_;
  std::size_t size_ = 0;
};

// Buffers reused from call to call: activations, deltas, gradients, one-hot labels.
struct MlpWorkspace {
  Scratch gathered, logits, one_hot, delta_a, delta_b, grads;
  std::vector<Scratch> hidden;
  SparseInputLayer sparse_input;
};

// The optimizer's update of params[param][at, at + n) and its slots, from the gradient g[0, n), in place.
void update_param_span(const MlpModel& model, const OptimizerStep& optimizer, std::size_t param, std::size_t at, const float* g, std::size_t n);

// The mean loss of the batch and how many of its rows argmax Z_n = y_n, at the parameters it started from.
struct BatchOutcome {
  double loss;
  std::size_t hits;
};

// One step on the rows data[indices[0..count)] (indices null: rows 0..count in order, read in place).
// `upcoming` names the rows of data.x the next step will read, which this one fetches toward the cache
// while it computes (a batch's rows are scattered over the training set: each row's first read misses).
BatchOutcome mlp_train_step(const MlpModel& model, const OptimizerStep& optimizer, const LabelledRows& data, const std::int32_t* indices,
                            std::size_t count, MlpWorkspace& workspace, const UpcomingRows& upcoming = {});

// Σ_n (logsumexp(Z_n) − Z_{n,y_n}) and the hit count over all rows of `data`, forward passes of at most `chunk` rows.
struct EvalSums {
  double loss_sum;
  std::size_t hits;
};
EvalSums mlp_evaluate(const MlpModel& model, const LabelledRows& data, std::size_t chunk, MlpWorkspace& workspace);

}  // namespace handgrad
