// The optimizer updates, one pass over each parameter: every input read once, every output written
// once, split across threads for large parameters. float32 arithmetic (what numpy and a chain of
// float32 tfjs ops compute), the same lines as custom-ops/util/update_loops.ts.
#include <cmath>

#include "kernels.h"
#include "parallel.h"
#include "sparse_rows.h"

// The span loops are compiled for AVX-512, AVX2 and the baseline (HANDGRAD_VECTOR_CLONES), each with
// every multiply and add rounded on its own (no fused multiply-add): each lane then computes exactly the
// baseline's float32 operations, so every build and CPU gives the same numbers, and the square root
// and divide (correctly rounded at any width) run 16 lanes at a time.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace handgrad {

namespace {

// One element of each update: the formula in one place, for the copying spans (the per-kernel
// updates) and the in-place spans (the fused training step), which so give the same numbers.
struct MomentumElement {
  float w, velocity;
};
inline MomentumElement momentum_element(float w, float g, float v, float lr, float momentum) {
  const float velocity = momentum * v + lr * g;  // v' = γ·v + α·∇
  return {w - velocity, velocity};               // W' = W − v'
}

struct AdamElement {
  float w, m, v;
};
inline AdamElement adam_element(const AdamArgs& p, float w, float g, float m, float v) {
  const float mi = p.beta1 * m + p.one_minus_beta1 * g;        // m' = β1·m + (1−β1)·∇
  const float vi = p.beta2 * v + p.one_minus_beta2 * (g * g);  // v' = β2·v + (1−β2)·∇²
  return {w - p.lr * (mi * p.c1) / (std::sqrt(vi * p.c2) + p.epsilon), mi, vi};  // W' = W − α·m̂/(√v̂ + ε)
}

// The loops take their arrays as __restrict pointers (addon.cc checks that outputs overlap nothing;
// an in-place span reads and writes each element through one pointer), so the compiler vectorises
// them without runtime overlap checks.

HANDGRAD_VECTOR_CLONES
void sgd_span(const float* __restrict w, const float* __restrict g, float lr, float* __restrict w_out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w_out[i] = w[i] - lr * g[i];
}

HANDGRAD_VECTOR_CLONES
void momentum_span(const float* __restrict w, const float* __restrict g, const float* __restrict v, float lr, float momentum,
                   float* __restrict w_out, float* __restrict v_out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const MomentumElement e = momentum_element(w[i], g[i], v[i], lr, momentum);
    v_out[i] = e.velocity;
    w_out[i] = e.w;
  }
}

HANDGRAD_VECTOR_CLONES
void adam_span(const AdamArgs& args, const float* __restrict w, const float* __restrict g, const float* __restrict m, const float* __restrict v,
               float* __restrict w_out, float* __restrict m_out, float* __restrict v_out, std::size_t n) {
  const AdamArgs p = args;
  for (std::size_t i = 0; i < n; ++i) {
    const AdamElement e = adam_element(p, w[i], g[i], m[i], v[i]);
    m_out[i] = e.m;
    v_out[i] = e.v;
    w_out[i] = e.w;
  }
}

}  // namespace

HANDGRAD_VECTOR_CLONES
void sgd_span_in_place(float* __restrict w, const float* __restrict g, float lr, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w[i] = w[i] - lr * g[i];
}

HANDGRAD_VECTOR_CLONES
void momentum_span_in_place(float* __restrict w, const float* __restrict g, float* __restrict v, float lr, float momentum, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const MomentumElement e = momentum_element(w[i], g[i], v[i], lr, momentum);
    v[i] = e.velocity;
    w[i] = e.w;
  }
}

HANDGRAD_VECTOR_CLONES
void adam_span_in_place(const AdamArgs& args, float* __restrict w, const float* __restrict g, float* __restrict m, float* __restrict v, std::size_t n) {
  const AdamArgs p = args;
  for (std::size_t i = 0; i < n; ++i) {
    const AdamElement e = adam_element(p, w[i], g[i], m[i], v[i]);
    m[i] = e.m;
    v[i] = e.v;
    w[i] = e.w;
  }
}

void sgd_update(const float* w, const float* g, float lr, float* w_out, std::size_t n) {
  parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) { sgd_span(w + begin, g + begin, lr, w_out + begin, end - begin); });
}

void momentum_update(const float* w, const float* g, const float* v, float lr, float momentum, float* w_out, float* v_out, std::size_t n) {
  parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
    momentum_span(w + begin, g + begin, v + begin, lr, momentum, w_out + begin, v_out + begin, end - begin);
  });
}

void adam_update(const AdamArgs& p, const float* w, const float* g, const float* m, const float* v, float* w_out, float* m_out, float* v_out,
                 std::size_t n) {
  parallel_for(n, kElementwiseGrain, [&](std::size_t begin, std::size_t end) {
    adam_span(p, w + begin, g + begin, m + begin, v + begin, w_out + begin, m_out + begin, v_out + begin, end - begin);
  });
}

}  // namespace handgrad
