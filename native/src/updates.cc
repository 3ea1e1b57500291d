// The optimizer updates, one pass over each parameter: every input read once, every output written
// once, split across threads for large parameters. float32 arithmetic (what numpy and a chain of
// float32 tfjs ops compute), the same lines as custom-ops/util/update_loops.ts.
#include <cmath>

#include "kernels.h"
#include "parallel.h"

namespace handgrad {

// The loops take their arrays as __restrict pointers (addon.cc checks that outputs overlap nothing),
// so the compiler vectorises them without runtime overlap checks.
namespace {

void sgd_span(const float* __restrict w, const float* __restrict g, float lr, float* __restrict w_out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w_out[i] = w[i] - lr * g[i];
}

void momentum_span(const float* __restrict w, const float* __restrict g, const float* __restrict v, float lr, float momentum,
                   float* __restrict w_out, float* __restrict v_out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float velocity = momentum * v[i] + lr * g[i];  // v' = γ·v + α·∇
    v_out[i] = velocity;
    w_out[i] = w[i] - velocity;  // W' = W − v'
  }
}

void adam_span(const AdamArgs& p, const float* __restrict w, const float* __restrict g, const float* __restrict m, const float* __restrict v,
               float* __restrict w_out, float* __restrict m_out, float* __restrict v_out, std::size_t n) {
  const float beta1 = p.beta1, beta2 = p.beta2, one_minus_beta1 = p.one_minus_beta1, one_minus_beta2 = p.one_minus_beta2;
  const float lr = p.lr, epsilon = p.epsilon, c1 = p.c1, c2 = p.c2;
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + one_minus_beta1 * gi;       // m' = β1·m + (1−β1)·∇
    const float vi = beta2 * v[i] + one_minus_beta2 * (gi * gi);  // v' = β2·v + (1−β2)·∇²
    m_out[i] = mi;
    v_out[i] = vi;
    w_out[i] = w[i] - lr * (mi * c1) / (std::sqrt(vi * c2) + epsilon);  // W' = W − α·m̂/(√v̂ + ε)
  }
}

}  // namespace

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
