// Elementwise kernels, split across threads for large tensors.
#include <sys/mman.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <thread>

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

unsigned step_worker_count(std::size_t rows) {
  if (const char* env = std::getenv("HANDGRAD_NATIVE_STEP_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 256) return static_cast<unsigned>(n);
  }
  // On two cores the fork-joins of a mini-batch step (the default 128 rows) cost more than the second core
  // gives back (bench, peers section); full-batch steps keep every worker.
  return g_workers <= 2 && rows <= kSmallStepRows ? 1 : g_workers;
}

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
// tfjs's Maximum/Minimum are Math.max / Math.min: NaN propagates, and max(0, −0) = 0, min(0, −0) = −0.
struct MaxOp {
  static float apply(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    return a > b ? a : (b > a ? b : (std::signbit(a) ? b : a));
  }
};
struct MinOp {
  static float apply(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    return a < b ? a : (b < a ? b : (std::signbit(a) ? a : b));
  }
};

// One operand of a binary op over an outer×inner view of the output: a pointer that advances
// with the row (full), a pointer reused by every row (row), or one value per row (column, scalar).
struct Operand {
  const float* data;
  BroadcastMode mode;
  const float* row_ptr(std::size_t r, std::size_t inner) const {
    return mode == BroadcastMode::Full ? data + r * inner : data;
  }
  float row_value(std::size_t r) const { return mode == BroadcastMode::Column ? data[r] : data[0]; }
  bool is_pointer() const { return mode == BroadcastMode::Full || mode == BroadcastMode::Row; }
};

template <class Op>
void binary_span(const Operand& a, const Operand& b, float* out, std::size_t r, std::size_t inner, std::size_t begin, std::size_t end) {
  float* o = out + r * inner;
  if (a.is_pointer() && b.is_pointer()) {
    const float* x = a.row_ptr(r, inner);
    const float* y = b.row_ptr(r, inner);
    for (std::size_t j = begin; j < end; ++j) o[j] = Op::apply(x[j], y[j]);
  } else if (a.is_pointer()) {
    const float* x = a.row_ptr(r, inner);
    const float y = b.row_value(r);
    for (std::size_t j = begin; j < end; ++j) o[j] = Op::apply(x[j], y);
  } else if (b.is_pointer()) {
    const float x = a.row_value(r);
    const float* y = b.row_ptr(r, inner);
    for (std::size_t j = begin; j < end; ++j) o[j] = Op::apply(x, y[j]);
  } else {
    const float v = Op::apply(a.row_value(r), b.row_value(r));
    for (std::size_t j = begin; j < end; ++j) o[j] = v;
  }
}

template <class Op>
void binary_op(const Operand& a, const Operand& b, float* out, std::size_t outer, std::size_t inner) {
  if (outer == 1) {
    parallel_for(inner, kElementwiseGrain, [&](std::size_t begin, std::size_t end) { binary_span<Op>(a, b, out, 0, inner, begin, end); });
    return;
  }
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, inner));
  parallel_for(outer, grain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) binary_span<Op>(a, b, out, r, inner, 0, inner);
  });
}

}  // namespace

void binary(BinaryOp op, const float* a, BroadcastMode a_mode, const float* b, BroadcastMode b_mode, float* out, std::size_t outer, std::size_t inner) {
  prefer_huge_pages(out, outer * inner * sizeof(float));
  const Operand x{a, a_mode};
  const Operand y{b, b_mode};
  switch (op) {
    case BinaryOp::Add: return binary_op<AddOp>(x, y, out, outer, inner);
    case BinaryOp::Sub: return binary_op<SubOp>(x, y, out, outer, inner);
    case BinaryOp::Mul: return binary_op<MulOp>(x, y, out, outer, inner);
    case BinaryOp::Div: return binary_op<DivOp>(x, y, out, outer, inner);
    case BinaryOp::Max: return binary_op<MaxOp>(x, y, out, outer, inner);
    case BinaryOp::Min: return binary_op<MinOp>(x, y, out, outer, inner);
  }
}

void unary(UnaryOp op, const float* x, float* out, std::size_t n) {
  prefer_huge_pages(out, n * sizeof(float));
  parallel_for(n, kElementwiseGrain / 4, [=](std::size_t begin, std::size_t end) {
    switch (op) {
      case UnaryOp::Neg:
        for (std::size_t i = begin; i < end; ++i) out[i] = -x[i];
        break;
      // exp and log in double then rounded, like the cpu backend's Math.exp / Math.log.
      case UnaryOp::Exp:
        for (std::size_t i = begin; i < end; ++i) out[i] = static_cast<float>(std::exp(static_cast<double>(x[i])));
        break;
      case UnaryOp::Log:
        for (std::size_t i = begin; i < end; ++i) out[i] = static_cast<float>(std::log(static_cast<double>(x[i])));
        break;
    }
  });
}

}  // namespace handgrad
