// Elementwise kernels, split across threads for large tensors.
#include <sys/mman.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "kernels.h"
#include "parallel.h"

namespace handgrad {

namespace {
unsigned configured_workers() {
  if (const char* env = std::getenv("HANDGRAD_NATIVE_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 256) return static_cast<unsigned>(n);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : std::min(hw, 16u);
}
unsigned g_workers = configured_workers();
}  // namespace

unsigned worker_count() { return g_workers; }
void set_worker_count(unsigned n) { g_workers = n == 0 ? configured_workers() : n; }

void prefer_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < 4 * kHuge) return;
  const auto start = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

void relu(const float* x, float* out, std::size_t n) {
  prefer_huge_pages(out, n * sizeof(float));
  parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const float v = x[i];
      out[i] = (v > 0.0f || v != v) ? v : 0.0f;  // NaN stays NaN
    }
  });
}

void relu_grad(const float* dy, const float* x, float* out, std::size_t n) {
  prefer_huge_pages(out, n * sizeof(float));
  parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
    // Both loads unconditional, so the compiler emits a blend instead of a branch that
    // mispredicts on every other element of a random sign pattern.
    for (std::size_t i = begin; i < end; ++i) {
      const float g = dy[i];
      const float v = x[i];
      out[i] = v > 0.0f ? g : (v != v ? v : 0.0f);  // NaN in x gives NaN, as tf.step does
    }
  });
}

void step(const float* x, float* out, std::size_t n, float alpha) {
  prefer_huge_pages(out, n * sizeof(float));
  parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out[i] = std::isnan(x[i]) ? x[i] : (x[i] > 0.0f ? 1.0f : alpha);
  });
}

namespace {

struct AddOp { static float apply(float a, float b) { return a + b; } };
struct SubOp { static float apply(float a, float b) { return a - b; } };
struct MulOp { static float apply(float a, float b) { return a * b; } };
struct DivOp { static float apply(float a, float b) { return a / b; } };
// tfjs's Maximum/Minimum propagate NaN (Math.max / Math.min).
struct MaxOp { static float apply(float a, float b) { return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b); } };
struct MinOp { static float apply(float a, float b) { return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b); } };

// a has length n; b repeats with period b_len (1: a scalar). `swap` computes b op a instead.
template <class Op, bool swap>
void broadcast_loop(const float* a, const float* b, std::size_t b_len, float* out, std::size_t n) {
  auto f = [](float x, float y) { return swap ? Op::apply(y, x) : Op::apply(x, y); };
  if (b_len == n) {
    parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) out[i] = f(a[i], b[i]);
    });
  } else if (b_len == 1) {
    const float s = b[0];
    parallel_for(n, kElementwiseGrain, [=](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) out[i] = f(a[i], s);
    });
  } else {
    const std::size_t rows = n / b_len;
    const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / b_len);
    parallel_for(rows, grain, [=](std::size_t begin, std::size_t end) {
      for (std::size_t r = begin; r < end; ++r) {
        const float* ar = a + r * b_len;
        float* outr = out + r * b_len;
        for (std::size_t j = 0; j < b_len; ++j) outr[j] = f(ar[j], b[j]);
      }
    });
  }
}

template <class Op>
void binary_op(const float* a, std::size_t a_len, const float* b, std::size_t b_len, float* out, std::size_t n) {
  if (a_len == n) broadcast_loop<Op, false>(a, b, b_len, out, n);
  else broadcast_loop<Op, true>(b, a, a_len, out, n);
}

}  // namespace

void binary(BinaryOp op, const float* a, std::size_t a_len, const float* b, std::size_t b_len, float* out, std::size_t n) {
  prefer_huge_pages(out, n * sizeof(float));
  switch (op) {
    case BinaryOp::Add: return binary_op<AddOp>(a, a_len, b, b_len, out, n);
    case BinaryOp::Sub: return binary_op<SubOp>(a, a_len, b, b_len, out, n);
    case BinaryOp::Mul: return binary_op<MulOp>(a, a_len, b, b_len, out, n);
    case BinaryOp::Div: return binary_op<DivOp>(a, a_len, b, b_len, out, n);
    case BinaryOp::Max: return binary_op<MaxOp>(a, a_len, b, b_len, out, n);
    case BinaryOp::Min: return binary_op<MinOp>(a, a_len, b, b_len, out, n);
  }
}

}  // namespace handgrad
