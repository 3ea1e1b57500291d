// The native kernels. Every pointer is a float32 array of the documented length; the N-API
// layer (addon.cc) checks the lengths before calling in.
#pragma once
#include <cstddef>

namespace handgrad {

// C[b] = op(A[b])·op(B[b]) (+ bias) (then relu) (then ⊙ 1(mask > 0)) for b < batch; op transposes
// when asked. A[b] starts at a + b·stride_a (stride 0 broadcasts one matrix over the batch), likewise B.
// bias has bias_len ∈ {0, 1, n, m·n} values: none, a scalar, one per column, or a full m×n matrix.
// relu_mask (batch·m·n values, or null) zeroes C where the mask is ≤ 0 and gives NaN where it is NaN:
// the relu gradient of the hidden delta (G·Wᵀ) ⊙ 1(R > 0), applied to the rows just computed.
struct MatMulArgs {
  const float* a;
  const float* b;
  float* c;
  std::size_t batch, m, n, k;
  bool transpose_a, transpose_b;
  std::size_t stride_a, stride_b;
  const float* bias;
  std::size_t bias_len;
  bool relu;
  const float* relu_mask;
};
void matmul(const MatMulArgs& args);
// Whether matmul skips the zeros of a mostly-zero op(A) (sparse_matmul.cc): on unless
// HANDGRAD_NATIVE_SPARSE=0, or set here (the bench's dense pass, the tests).
bool sparse_products_enabled();
void set_sparse_products(bool enabled);
// op(A)'s share of exact zeros, in an evenly spaced sample, from which skipping them pays. Measured
// on 2 cores (AVX-512), 128×784·784×256: 210 µs with BLAS; skipping zeros 80–110 µs at 81 % zeros
// (MNIST), 140 µs at 75 %, as slow as BLAS at about 60 %.
constexpr double kSparseMinZeroShare = 0.7;
// Whether sparse_matmul suits this product: B read by rows and L2-sized per tile, the product large,
// op(A) of matrix 0 mostly zeros; sparse_matmul_shape_fits is all of that but the zeros.
bool sparse_matmul_pays(const MatMulArgs& args);
bool sparse_matmul_shape_fits(const MatMulArgs& args);
// C = op(A)·B over op(A)'s nonzeros, with the epilogue (if any) on each row computed; false, with C
// unfinished, when B holds ±Inf or NaN (a dense product gives NaN where a zero of A meets one).
bool sparse_matmul(const MatMulArgs& args, void (*epilogue)(const MatMulArgs&, std::size_t row_begin, std::size_t row_end));

// relu(x) = max(0, x), NaN kept (tfjs's Relu is Math.max(0, x)).
void relu(const float* x, float* out, std::size_t n);
// dx = dy ⊙ 1(x > 0), relu'(0) = 0; NaN in x gives NaN.
void relu_grad(const float* dy, const float* x, float* out, std::size_t n);
// step(x) = x > 0 ? 1 : alpha, NaN stays NaN (tfjs Step).
void step(const float* x, float* out, std::size_t n, float alpha);

enum class BinaryOp { Add = 0, Sub = 1, Mul = 2, Div = 3, Max = 4, Min = 5 };
// How an operand of a binary op maps onto the output seen as an outer×inner matrix:
// Full: outer×inner values; Row: inner values repeated for every row; Column: one value per row
// (outer values); Scalar: one value.
enum class BroadcastMode { Full = 0, Row = 1, Column = 2, Scalar = 3 };
void binary(BinaryOp op, const float* a, BroadcastMode a_mode, const float* b, BroadcastMode b_mode, float* out, std::size_t outer, std::size_t inner);

enum class UnaryOp { Neg = 0, Exp = 1, Log = 2 };
void unary(UnaryOp op, const float* x, float* out, std::size_t n);

// Row kernels over a rows×cols matrix, every reduction in double.
void softmax_rows(const float* z, float* out, std::size_t rows, std::size_t cols);
// (1/rows) Σ_n ((Σ_k y_nk)·logsumexp(z_n) − Σ_k y_nk z_nk)
double softmax_cross_entropy(const float* y, const float* z, std::size_t rows, std::size_t cols);
// dz = dy · ((Σ_k y_nk)·softmax(z_n) − y_n) / rows
void softmax_cross_entropy_grad(float dy, const float* y, const float* z, float* out, std::size_t rows, std::size_t cols);
// Both at once, each row's logsumexp computed once: the loss as softmax_cross_entropy returns it, dz into out.
double softmax_cross_entropy_with_grad(float dy, const float* y, const float* z, float* out, std::size_t rows, std::size_t cols);

// Sum of an outer×inner matrix over its leading axis (out: inner) or its trailing axis (out: outer).
void sum_leading(const float* x, float* out, std::size_t outer, std::size_t inner);
void sum_trailing(const float* x, float* out, std::size_t outer, std::size_t inner);

// out[b] = x[b]ᵀ for each rows×cols matrix b < batch.
void transpose(const float* x, float* out, std::size_t batch, std::size_t rows, std::size_t cols);

// Optimizer updates over n values (native/src/updates.cc): W' = W − α·∇; the homework's momentum
// v' = γ·v + α·∇, W' = W − v'; Adam m' = β1·m + (1−β1)·∇, v' = β2·v + (1−β2)·∇²,
// W' = W − α·(m'·c1)/(√(v'·c2) + ε) with the bias corrections c1 = 1/(1−β1^t), c2 = 1/(1−β2^t).
void sgd_update(const float* w, const float* g, float lr, float* w_out, std::size_t n);
void momentum_update(const float* w, const float* g, const float* v, float lr, float momentum, float* w_out, float* v_out, std::size_t n);
struct AdamArgs {
  float lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, c1, c2;
};
void adam_update(const AdamArgs& args, const float* w, const float* g, const float* m, const float* v, float* w_out, float* m_out, float* v_out,
                 std::size_t n);
// The same updates in place over one span, on the calling thread (the fused training step, mlp.cc).
void sgd_span_in_place(float* w, const float* g, float lr, std::size_t n);
void momentum_span_in_place(float* w, const float* g, float* v, float lr, float momentum, std::size_t n);
void adam_span_in_place(const AdamArgs& args, float* w, const float* g, float* m, float* v, std::size_t n);

}  // namespace handgrad
