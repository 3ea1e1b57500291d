// The fused training step and evaluation of mlp.h. Each product is handgrad::matmul with the very
// arguments the per-kernel path gives it (BatchMatMul + Add, _FusedMatMul, ManualDenseParamGrads,
// ManualHiddenDelta), the loss and its gradient are rows.cc's, the updates updates.cc's: only the tfjs
// engine between them is gone (its bookkeeping, output arrays and garbage per kernel), and the
// worker pool stays hot from one product to the next. When the batch is mostly zeros, the first layer
// runs on lists of its nonzeros with W_1 split by columns across the workers (mlp_sparse_input.h),
// with the same sums in the same order.
#include "mlp.h"

#include <algorithm>
#include <cstring>

#include "parallel.h"
#include "sparse_rows.h"

namespace handgrad {

std::size_t slot_count(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Sgd: return 0;
    case OptimizerKind::Momentum: return 1;
    case OptimizerKind::Adam: return 2;
  }
  return 0;
}

namespace {

float* sized(Scratch& buffer, std::size_t length) { return buffer.at_least(length); }

// C = op(A)·op(B) (+ bias) (then relu) (then ⊙ 1(mask > 0)) for one matrix, through handgrad::matmul.
void product(const float* a, const float* b, float* c, std::size_t m, std::size_t n, std::size_t k, bool transpose_a, bool transpose_b, const float* bias,
             bool relu, const float* relu_mask) {
  MatMulArgs p{};
  p.a = a;
  p.b = b;
  p.c = c;
  p.batch = 1;
  p.m = m;
  p.n = n;
  p.k = k;
  p.transpose_a = transpose_a;
  p.transpose_b = transpose_b;
  p.bias = bias;
  p.bias_len = bias == nullptr ? 0 : n;
  p.relu = relu;
  p.relu_mask = relu_mask;
  matmul(p);
}

// H_l = relu(H_{l−1}·W_l + b_l) into hidden[l] for l > first, Z into `logits`: rows of `in` = H_first (X when first = 0).
void forward(const MlpModel& model, const float* in, std::size_t first, std::size_t rows, MlpWorkspace& ws, float* logits) {
  const std::size_t layers = model.layers();
  ws.hidden.resize(layers);
  for (std::size_t l = first; l < layers; ++l) {
    const bool last = l + 1 == layers;
    float* out = last ? logits : sized(ws.hidden[l + 1], rows * model.sizes[l + 1]);
    product(in, model.params[2 * l], out, rows, model.sizes[l + 1], model.sizes[l], false, false, model.params[2 * l + 1], !last, nullptr);
    in = out;
  }
}

void fill_one_hot(const std::int32_t* labels, const std::int32_t* indices, std::size_t rows, std::size_t classes, float* one_hot) {
  std::fill(one_hot, one_hot + rows * classes, 0.0f);
  for (std::size_t r = 0; r < rows; ++r) one_hot[r * classes + static_cast<std::size_t>(labels[indices == nullptr ? r : indices[r]])] = 1.0f;
}

// Rows whose argmax (the first largest entry, as tfjs's ArgMax) is their label.
std::size_t count_hits(const float* z, const std::int32_t* labels, const std::int32_t* indices, std::size_t rows, std::size_t classes) {
  std::size_t hits = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = z + r * classes;
    std::size_t best = 0;
    for (std::size_t k = 1; k < classes; ++k) {
      if (row[k] > row[best]) best = k;
    }
    hits += best == static_cast<std::size_t>(labels[indices == nullptr ? r : indices[r]]);
  }
  return hits;
}

// The updates of params[first…] in one fork-join: the updates are elementwise, so any split gives the
// numbers of one update per parameter.
void update_all(const MlpModel& model, const OptimizerStep& opt, const float* grads, const std::vector<std::size_t>& offsets, std::size_t first) {
  const std::size_t start = offsets[first], total = offsets.back() - start;
  parallel_for(total, kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = first; i < model.params.size(); ++i) {
      const std::size_t from = std::max(start + begin, offsets[i]), to = std::min(start + end, offsets[i + 1]);
      if (from < to) update_param_span(model, opt, i, from - offsets[i], grads + from, to - from);
    }
  });
}

// Where each parameter's gradient starts in the gradient array, and its end.
std::vector<std::size_t> gradient_offsets(const MlpModel& model) {
  std::vector<std::size_t> offsets(model.params.size() + 1, 0);
  for (std::size_t l = 0; l < model.layers(); ++l) {
    offsets[2 * l + 1] = offsets[2 * l] + model.sizes[l] * model.sizes[l + 1];
    offsets[2 * l + 2] = offsets[2 * l + 1] + model.sizes[l + 1];
  }
  return offsets;
}

// The step from H_first (x when first = 0) up: the rest of the forward pass, the loss, and the backward
// pass down to layer `last` (dW_l, db_l into grads for l ≥ last); when last > 0, `delta` is G_last,
// the delta of H_last (its relu mask applied).
struct UpperPass {
  BatchOutcome outcome;
  float* delta;
};
UpperPass upper_pass(const MlpModel& model, const LabelledRows& data, const std::int32_t* indices, std::size_t rows, const float* x, std::size_t first,
                     std::size_t last, MlpWorkspace& ws, float* grads, const std::vector<std::size_t>& offsets) {
  const std::size_t layers = model.layers(), classes = model.classes();
  float* z = sized(ws.logits, rows * classes);
  forward(model, first == 0 ? x : ws.hidden[first].data(), first, rows, ws, z);
  float* y = sized(ws.one_hot, rows * classes);
  fill_one_hot(data.labels, indices, rows, classes, y);
  std::size_t widest = 0;
  for (std::size_t l = 1; l <= layers; ++l) widest = std::max(widest, model.sizes[l]);
  float* delta = sized(ws.delta_a, rows * widest);
  float* next_delta = sized(ws.delta_b, rows * widest);
  // The loss, and G_L = (P − Y)/N into delta.
  const BatchOutcome outcome{softmax_cross_entropy_with_grad(1.0f, y, z, delta, rows, classes), count_hits(z, data.labels, indices, rows, classes)};
  for (std::size_t l = layers; l-- > last;) {
    const float* in = l == 0 ? x : ws.hidden[l].data();
    const std::size_t fan_in = model.sizes[l], fan_out = model.sizes[l + 1];
    product(in, delta, grads + offsets[2 * l], fan_in, fan_out, rows, true, false, nullptr, false, nullptr);  // dW_l = H_{l−1}ᵀ·G_l
    sum_leading(delta, grads + offsets[2 * l + 1], rows, fan_out);                                           // db_l = 1ᵀ·G_l
    if (l > 0) {
      // G_{l−1} = (G_l·W_lᵀ) ⊙ 1(H_{l−1} > 0), from W_l before its update.
      product(delta, model.params[2 * l], next_delta, rows, fan_in, fan_out, false, true, nullptr, false, in);
      std::swap(delta, next_delta);
    }
  }
  return {outcome, delta};
}

// The step with a sparse first layer (mlp_sparse_input.h); false, with no parameter or slot changed, when
// it does not apply: sparse products off, a shape sparse_matmul would not take, too few zeros in the
// batch, or ±Inf or NaN in W_1 or G_1 (the dense products then give the NaNs).
bool sparse_input_step(const MlpModel& model, const OptimizerStep& optimizer, const LabelledRows& data, const std::int32_t* indices, std::size_t rows,
                       MlpWorkspace& ws, const UpcomingRows& upcoming, BatchOutcome& outcome) {
  if (model.layers() < 2 || !sparse_products_enabled()) return false;
  const std::size_t features = model.sizes[0], width = model.sizes[1];
  MatMulArgs forward_product{};
  forward_product.batch = 1;
  forward_product.m = rows;
  forward_product.n = width;
  forward_product.k = features;
  MatMulArgs gradient_product = forward_product;
  gradient_product.m = features;
  gradient_product.k = rows;
  gradient_product.transpose_a = true;
  if (!sparse_matmul_shape_fits(forward_product) || !sparse_matmul_shape_fits(gradient_product)) return false;
  SparseInputLayer& first = ws.sparse_input;
  const double zero_share = data.nonzeros != nullptr ? first.take(*data.nonzeros, indices, rows, features) : first.list(data.x, indices, rows, features);
  if (zero_share < kSparseMinZeroShare) return false;
  ws.hidden.resize(model.layers());
  if (!first.forward(model, sized(ws.hidden[1], rows * width))) return false;
  const std::vector<std::size_t> offsets = gradient_offsets(model);
  float* grads = sized(ws.grads, offsets.back());
  const UpperPass upper = upper_pass(model, data, indices, rows, nullptr, 1, 1, ws, grads, offsets);
  if (!all_finite(upper.delta, rows * width)) return false;
  first.backward_update(model, optimizer, upper.delta, data.x, data.nonzeros, upcoming);
  update_all(model, optimizer, grads, offsets, 2);
  outcome = upper.outcome;
  return true;
}

}  // namespace

void update_param_span(const MlpModel& model, const OptimizerStep& opt, std::size_t param, std::size_t at, const float* g, std::size_t n) {
  float* w = model.params[param] + at;
  switch (opt.kind) {
    case OptimizerKind::Sgd: sgd_span_in_place(w, g, opt.lr, n); break;
    case OptimizerKind::Momentum: momentum_span_in_place(w, g, model.slots[0][param] + at, opt.lr, opt.momentum, n); break;
    case OptimizerKind::Adam: adam_span_in_place(opt.adam, w, g, model.slots[0][param] + at, model.slots[1][param] + at, n); break;
  }
}

BatchOutcome mlp_train_step(const MlpModel& model, const OptimizerStep& optimizer, const LabelledRows& data, const std::int32_t* indices,
                            std::size_t rows, MlpWorkspace& ws, const UpcomingRows& upcoming) {
  BatchOutcome outcome{};
  if (sparse_input_step(model, optimizer, data, indices, rows, ws, upcoming, outcome)) return outcome;
  const std::size_t features = model.sizes[0];
  const float* x = data.x;
  if (indices != nullptr) {
    float* gathered = sized(ws.gathered, rows * features);
    for (std::size_t r = 0; r < rows; ++r) std::memcpy(gathered + r * features, data.x + static_cast<std::size_t>(indices[r]) * features, features * sizeof(float));
    x = gathered;
  }
  const std::vector<std::size_t> offsets = gradient_offsets(model);
  float* grads = sized(ws.grads, offsets.back());
  outcome = upper_pass(model, data, indices, rows, x, 0, 0, ws, grads, offsets).outcome;
  update_all(model, optimizer, grads, offsets, 0);
  return outcome;
}

EvalSums mlp_evaluate(const MlpModel& model, const LabelledRows& data, std::size_t chunk, MlpWorkspace& ws) {
  const std::size_t features = model.sizes[0], classes = model.classes();
  EvalSums sums{0.0, 0};
  for (std::size_t start = 0; start < data.rows; start += chunk) {
    const std::size_t rows = std::min(chunk, data.rows - start);
    const float* x = data.x + start * features;
    const std::int32_t* labels = data.labels + start;
    float* z = sized(ws.logits, rows * classes);
    forward(model, x, 0, rows, ws, z);
    float* y = sized(ws.one_hot, rows * classes);
    fill_one_hot(labels, nullptr, rows, classes, y);
    sums.loss_sum += softmax_cross_entropy(y, z, rows, classes) * static_cast<double>(rows);
    sums.hits += count_hits(z, labels, nullptr, rows, classes);
  }
  return sums;
}

}  // namespace handgrad
