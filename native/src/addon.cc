// Node-API bindings. Every kernel reads the Float32Arrays it is given in place and writes into
// an output Float32Array allocated by the caller; this layer checks types and lengths so that
// no kernel can read or write outside an array.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels.h"
#include "parallel.h"
#include "sgemm.h"

namespace handgrad {
// The fused MLP training session (mlp_session.cc).
void export_mlp_session(Napi::Env env, Napi::Object exports);
}  // namespace handgrad

namespace {

using handgrad::BinaryOp;

struct Floats {
  float* data;
  std::size_t length;
};

Floats floats_arg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string("handgrad_native: argument '") + name + "' must be a Float32Array");
  }
  auto array = info[i].As<Napi::Float32Array>();
  return {array.Data(), array.ElementLength()};
}

std::size_t size_arg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("handgrad_native: argument '") + name + "' must be a number");
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != std::floor(v) || v > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), std::string("handgrad_native: argument '") + name + "' must be a non-negative integer");
  }
  return static_cast<std::size_t>(v);
}

bool bool_arg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), std::string("handgrad_native: argument '") + name + "' must be a boolean");
  }
  return info[i].As<Napi::Boolean>().Value();
}

double number_arg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("handgrad_native: argument '") + name + "' must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

void require(const Napi::CallbackInfo& info, bool ok, const std::string& what) {
  if (!ok) throw Napi::RangeError::New(info.Env(), "handgrad_native: " + what);
}

// Π factors, or a RangeError when it does not fit in size_t: sizes come from JS (up to 2^53 each),
// and a wrapped product could equal an array's real length and pass the length checks.
std::size_t product(const Napi::CallbackInfo& info, std::initializer_list<std::size_t> factors, const char* what) {
  std::size_t result = 1;
  for (const std::size_t f : factors) require(info, !__builtin_mul_overflow(result, f, &result), std::string(what) + ": the sizes overflow");
  return result;
}

std::size_t checked_sum(const Napi::CallbackInfo& info, std::size_t x, std::size_t y, const char* what) {
  std::size_t result = 0;
  require(info, !__builtin_add_overflow(x, y, &result), std::string(what) + ": the sizes overflow");
  return result;
}

// The kernels read their inputs while writing 'out' (sgemm and transpose from other positions than
// they write), so 'out' must be memory of its own, as the TS kernels' fresh arrays are.
void require_disjoint(const Napi::CallbackInfo& info, const Floats& out, std::initializer_list<Floats> inputs, const char* kernel) {
  const auto out_begin = reinterpret_cast<std::uintptr_t>(out.data);
  const auto out_end = out_begin + out.length * sizeof(float);
  for (const Floats& in : inputs) {
    const auto in_begin = reinterpret_cast<std::uintptr_t>(in.data);
    const auto in_end = in_begin + in.length * sizeof(float);
    require(info, in.length == 0 || out.length == 0 || out_end <= in_begin || in_end <= out_begin, std::string(kernel) + ": 'out' must not overlap an input");
  }
}

// matmul(a, b, out, batch, m, n, k, transposeA, transposeB, strideA, strideB, bias | null, relu[, reluMask | null])
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  handgrad::MatMulArgs p{};
  const Floats a = floats_arg(info, 0, "a");
  const Floats b = floats_arg(info, 1, "b");
  const Floats c = floats_arg(info, 2, "out");
  p.batch = size_arg(info, 3, "batch");
  p.m = size_arg(info, 4, "m");
  p.n = size_arg(info, 5, "n");
  p.k = size_arg(info, 6, "k");
  p.transpose_a = bool_arg(info, 7, "transposeA");
  p.transpose_b = bool_arg(info, 8, "transposeB");
  p.stride_a = size_arg(info, 9, "strideA");
  p.stride_b = size_arg(info, 10, "strideB");
  p.relu = bool_arg(info, 12, "relu");
  require(info, p.batch >= 1 && p.m >= 1 && p.n >= 1 && p.k >= 1, "matmul: every dimension must be at least 1");
  require(info, p.m <= 0x7fffffff && p.n <= 0x7fffffff && p.k <= 0x7fffffff, "matmul: a dimension exceeds the BLAS int range");
  const std::size_t a_needed = checked_sum(info, product(info, {p.batch - 1, p.stride_a}, "matmul"), p.m * p.k, "matmul");
  const std::size_t b_needed = checked_sum(info, product(info, {p.batch - 1, p.stride_b}, "matmul"), p.k * p.n, "matmul");
  require(info, a.length >= a_needed, "matmul: 'a' is shorter than batch, m, k and strideA imply");
  require(info, b.length >= b_needed, "matmul: 'b' is shorter than batch, k, n and strideB imply");
  require(info, c.length == product(info, {p.batch, p.m, p.n}, "matmul"), "matmul: 'out' must hold batch·m·n values");
  Floats bias{nullptr, 0};
  if (info.Length() > 11 && !info[11].IsNull() && !info[11].IsUndefined()) {
    bias = floats_arg(info, 11, "bias");
    require(info, bias.length == 1 || bias.length == p.n || bias.length == p.m * p.n, "matmul: 'bias' must hold 1, n or m·n values");
    p.bias = bias.data;
    p.bias_len = bias.length;
  }
  Floats mask{nullptr, 0};
  if (info.Length() > 13 && !info[13].IsNull() && !info[13].IsUndefined()) {
    mask = floats_arg(info, 13, "reluMask");
    require(info, mask.length == c.length, "matmul: 'reluMask' must hold batch·m·n values");
    p.relu_mask = mask.data;
  }
  require_disjoint(info, c, {a, b, bias, mask}, "matmul");
  p.a = a.data;
  p.b = b.data;
  p.c = c.data;
  handgrad::matmul(p);
  return info.Env().Undefined();
}

// sgemm(kernel, a, b, out, m, n, k, transposeA, transposeB): out = op(a)·op(b) by handgrad's own sgemm
// with the named micro-kernel, on the calling thread, whatever GEMM matmul uses (for the tests).
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  require(info, info.Length() >= 1 && info[0].IsString(), "sgemm: 'kernel' must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const Floats a = floats_arg(info, 1, "a");
  const Floats b = floats_arg(info, 2, "b");
  const Floats c = floats_arg(info, 3, "out");
  const std::size_t m = size_arg(info, 4, "m");
  const std::size_t n = size_arg(info, 5, "n");
  const std::size_t k = size_arg(info, 6, "k");
  const bool transpose_a = bool_arg(info, 7, "transposeA");
  const bool transpose_b = bool_arg(info, 8, "transposeB");
  require(info, a.length == product(info, {m, k}, "sgemm"), "sgemm: 'a' must hold m·k values");
  require(info, b.length == product(info, {k, n}, "sgemm"), "sgemm: 'b' must hold k·n values");
  require(info, c.length == product(info, {m, n}, "sgemm"), "sgemm: 'out' must hold m·n values");
  require_disjoint(info, c, {a, b}, "sgemm");
  for (const auto kernel : {handgrad::SgemmKernel::Avx512, handgrad::SgemmKernel::Avx2, handgrad::SgemmKernel::Generic}) {
    if (name != handgrad::sgemm_kernel_name(kernel)) continue;
    require(info, handgrad::sgemm_kernel_available(kernel), "sgemm: this CPU cannot run the '" + name + "' kernel");
    handgrad::sgemm(kernel, transpose_a, transpose_b, m, n, k, a.data, transpose_a ? m : k, b.data, transpose_b ? k : n, c.data, n);
    return info.Env().Undefined();
  }
  require(info, false, "sgemm: unknown kernel '" + name + "' (avx512, avx2 or generic)");
  return info.Env().Undefined();
}

// gemmImplementation() → the GEMM behind matmul, e.g. "handgrad sgemm (avx512 kernel)" or "OpenBLAS 0.3.21 (SkylakeX)".
Napi::Value GemmImplementation(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), handgrad::gemm_implementation()); }

// relu(x, out)
Napi::Value Relu(const Napi::CallbackInfo& info) {
  const Floats x = floats_arg(info, 0, "x");
  const Floats out = floats_arg(info, 1, "out");
  require(info, out.length == x.length, "relu: 'out' must have the length of 'x'");
  require_disjoint(info, out, {x}, "relu");
  handgrad::relu(x.data, out.data, x.length);
  return info.Env().Undefined();
}

// reluGrad(dy, x, out)
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  const Floats dy = floats_arg(info, 0, "dy");
  const Floats x = floats_arg(info, 1, "x");
  const Floats out = floats_arg(info, 2, "out");
  require(info, dy.length == x.length && out.length == x.length, "reluGrad: 'dy', 'x' and 'out' must have one length");
  require_disjoint(info, out, {dy, x}, "reluGrad");
  handgrad::relu_grad(dy.data, x.data, out.data, x.length);
  return info.Env().Undefined();
}

// step(x, out, alpha)
Napi::Value Step(const Napi::CallbackInfo& info) {
  const Floats x = floats_arg(info, 0, "x");
  const Floats out = floats_arg(info, 1, "out");
  const double alpha = number_arg(info, 2, "alpha");
  require(info, out.length == x.length, "step: 'out' must have the length of 'x'");
  require_disjoint(info, out, {x}, "step");
  handgrad::step(x.data, out.data, x.length, static_cast<float>(alpha));
  return info.Env().Undefined();
}

std::size_t mode_length(handgrad::BroadcastMode mode, std::size_t outer, std::size_t inner) {
  switch (mode) {
    case handgrad::BroadcastMode::Full: return outer * inner;
    case handgrad::BroadcastMode::Row: return inner;
    case handgrad::BroadcastMode::Column: return outer;
    case handgrad::BroadcastMode::Scalar: return 1;
  }
  return 0;
}

// binary(op, a, aMode, b, bMode, out, outer, inner): out viewed as outer×inner, see BroadcastMode.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const std::size_t op = size_arg(info, 0, "op");
  const Floats a = floats_arg(info, 1, "a");
  const std::size_t a_mode = size_arg(info, 2, "aMode");
  const Floats b = floats_arg(info, 3, "b");
  const std::size_t b_mode = size_arg(info, 4, "bMode");
  const Floats out = floats_arg(info, 5, "out");
  const std::size_t outer = size_arg(info, 6, "outer");
  const std::size_t inner = size_arg(info, 7, "inner");
  require(info, op <= static_cast<std::size_t>(BinaryOp::Min), "binary: unknown op");
  require(info, a_mode <= 3 && b_mode <= 3, "binary: unknown broadcast mode");
  const auto am = static_cast<handgrad::BroadcastMode>(a_mode);
  const auto bm = static_cast<handgrad::BroadcastMode>(b_mode);
  const std::size_t size = product(info, {outer, inner}, "binary");
  require(info, out.length == size && size > 0, "binary: 'out' must hold outer·inner > 0 values");
  require(info, a.length == mode_length(am, outer, inner), "binary: 'a' does not match its broadcast mode");
  require(info, b.length == mode_length(bm, outer, inner), "binary: 'b' does not match its broadcast mode");
  require_disjoint(info, out, {a, b}, "binary");
  handgrad::binary(static_cast<BinaryOp>(op), a.data, am, b.data, bm, out.data, outer, inner);
  return info.Env().Undefined();
}

// unary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const std::size_t op = size_arg(info, 0, "op");
  const Floats x = floats_arg(info, 1, "x");
  const Floats out = floats_arg(info, 2, "out");
  require(info, op <= static_cast<std::size_t>(handgrad::UnaryOp::Log), "unary: unknown op");
  require(info, out.length == x.length, "unary: 'out' must have the length of 'x'");
  require_disjoint(info, out, {x}, "unary");
  handgrad::unary(static_cast<handgrad::UnaryOp>(op), x.data, out.data, x.length);
  return info.Env().Undefined();
}

std::size_t rows_of(const Napi::CallbackInfo& info, std::size_t length, std::size_t cols, const char* kernel) {
  require(info, cols >= 1 && length % cols == 0, std::string(kernel) + ": the length must be a multiple of cols");
  return length / cols;
}

// softmax(z, out, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const Floats z = floats_arg(info, 0, "z");
  const Floats out = floats_arg(info, 1, "out");
  const std::size_t cols = size_arg(info, 2, "cols");
  require(info, out.length == z.length, "softmax: 'out' must have the length of 'z'");
  require_disjoint(info, out, {z}, "softmax");
  handgrad::softmax_rows(z.data, out.data, rows_of(info, z.length, cols, "softmax"), cols);
  return info.Env().Undefined();
}

// softmaxCrossEntropy(y, z, cols) → mean loss
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  const Floats y = floats_arg(info, 0, "labels");
  const Floats z = floats_arg(info, 1, "logits");
  const std::size_t cols = size_arg(info, 2, "cols");
  require(info, y.length == z.length, "softmaxCrossEntropy: 'labels' and 'logits' must have one length");
  const std::size_t rows = rows_of(info, z.length, cols, "softmaxCrossEntropy");
  require(info, rows >= 1, "softmaxCrossEntropy: need at least one row");
  return Napi::Number::New(info.Env(), handgrad::softmax_cross_entropy(y.data, z.data, rows, cols));
}

// softmaxCrossEntropyGrad(dy, y, z, out, cols)
Napi::Value SoftmaxCrossEntropyGrad(const Napi::CallbackInfo& info) {
  const double dy = number_arg(info, 0, "dy");
  const Floats y = floats_arg(info, 1, "labels");
  const Floats z = floats_arg(info, 2, "logits");
  const Floats out = floats_arg(info, 3, "out");
  const std::size_t cols = size_arg(info, 4, "cols");
  require(info, y.length == z.length && out.length == z.length, "softmaxCrossEntropyGrad: 'labels', 'logits' and 'out' must have one length");
  const std::size_t rows = rows_of(info, z.length, cols, "softmaxCrossEntropyGrad");
  require(info, rows >= 1, "softmaxCrossEntropyGrad: need at least one row");
  require_disjoint(info, out, {y, z}, "softmaxCrossEntropyGrad");
  handgrad::softmax_cross_entropy_grad(static_cast<float>(dy), y.data, z.data, out.data, rows, cols);
  return info.Env().Undefined();
}

// sumLeading(x, out, outer, inner) / sumTrailing(x, out, outer, inner)
Napi::Value Sum(const Napi::CallbackInfo& info, bool leading) {
  const Floats x = floats_arg(info, 0, "x");
  const Floats out = floats_arg(info, 1, "out");
  const std::size_t outer = size_arg(info, 2, "outer");
  const std::size_t inner = size_arg(info, 3, "inner");
  require(info, x.length == product(info, {outer, inner}, "sum"), "sum: 'x' must hold outer·inner values");
  require(info, out.length == (leading ? inner : outer), "sum: 'out' has the wrong length");
  require_disjoint(info, out, {x}, "sum");
  if (leading) handgrad::sum_leading(x.data, out.data, outer, inner);
  else handgrad::sum_trailing(x.data, out.data, outer, inner);
  return info.Env().Undefined();
}
Napi::Value SumLeading(const Napi::CallbackInfo& info) { return Sum(info, true); }
Napi::Value SumTrailing(const Napi::CallbackInfo& info) { return Sum(info, false); }

// transpose(x, out, batch, rows, cols)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const Floats x = floats_arg(info, 0, "x");
  const Floats out = floats_arg(info, 1, "out");
  const std::size_t batch = size_arg(info, 2, "batch");
  const std::size_t rows = size_arg(info, 3, "rows");
  const std::size_t cols = size_arg(info, 4, "cols");
  require(info, x.length == product(info, {batch, rows, cols}, "transpose") && out.length == x.length, "transpose: 'x' and 'out' must hold batch·rows·cols values");
  require_disjoint(info, out, {x}, "transpose");
  handgrad::transpose(x.data, out.data, batch, rows, cols);
  return info.Env().Undefined();
}

// The outputs of an update: each as long as the parameter, none overlapping an input or another output.
void require_update_outputs(const Napi::CallbackInfo& info, std::initializer_list<Floats> inputs, std::initializer_list<Floats> outputs, const char* kernel) {
  const std::size_t n = inputs.begin()->length;
  for (const Floats& in : inputs) require(info, in.length == n, std::string(kernel) + ": every input must have the parameter's length");
  for (const Floats& out : outputs) {
    require(info, out.length == n, std::string(kernel) + ": every output must have the parameter's length");
    require_disjoint(info, out, inputs, kernel);
  }
  for (auto a = outputs.begin(); a != outputs.end(); ++a) {
    for (auto b = a + 1; b != outputs.end(); ++b) require_disjoint(info, *a, {*b}, kernel);
  }
}

// sgdUpdate(param, grad, outParam, lr)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const Floats w = floats_arg(info, 0, "param");
  const Floats g = floats_arg(info, 1, "grad");
  const Floats w_out = floats_arg(info, 2, "outParam");
  const double lr = number_arg(info, 3, "lr");
  require_update_outputs(info, {w, g}, {w_out}, "sgdUpdate");
  handgrad::sgd_update(w.data, g.data, static_cast<float>(lr), w_out.data, w.length);
  return info.Env().Undefined();
}

// momentumUpdate(param, grad, velocity, outParam, outVelocity, lr, momentum)
Napi::Value MomentumUpdate(const Napi::CallbackInfo& info) {
  const Floats w = floats_arg(info, 0, "param");
  const Floats g = floats_arg(info, 1, "grad");
  const Floats v = floats_arg(info, 2, "velocity");
  const Floats w_out = floats_arg(info, 3, "outParam");
  const Floats v_out = floats_arg(info, 4, "outVelocity");
  const double lr = number_arg(info, 5, "lr");
  const double momentum = number_arg(info, 6, "momentum");
  require_update_outputs(info, {w, g, v}, {w_out, v_out}, "momentumUpdate");
  handgrad::momentum_update(w.data, g.data, v.data, static_cast<float>(lr), static_cast<float>(momentum), w_out.data, v_out.data, w.length);
  return info.Env().Undefined();
}

// adamUpdate(param, grad, m, v, outParam, outM, outV, lr, beta1, beta2, epsilon, c1, c2)
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  const Floats w = floats_arg(info, 0, "param");
  const Floats g = floats_arg(info, 1, "grad");
  const Floats m = floats_arg(info, 2, "m");
  const Floats v = floats_arg(info, 3, "v");
  const Floats w_out = floats_arg(info, 4, "outParam");
  const Floats m_out = floats_arg(info, 5, "outM");
  const Floats v_out = floats_arg(info, 6, "outV");
  const double lr = number_arg(info, 7, "lr");
  const double beta1 = number_arg(info, 8, "beta1");
  const double beta2 = number_arg(info, 9, "beta2");
  const double epsilon = number_arg(info, 10, "epsilon");
  const double c1 = number_arg(info, 11, "c1");
  const double c2 = number_arg(info, 12, "c2");
  require_update_outputs(info, {w, g, m, v}, {w_out, m_out, v_out}, "adamUpdate");
  const handgrad::AdamArgs p{static_cast<float>(lr),          static_cast<float>(beta1),   static_cast<float>(beta2), static_cast<float>(1.0 - beta1),
                             static_cast<float>(1.0 - beta2), static_cast<float>(epsilon), static_cast<float>(c1),    static_cast<float>(c2)};
  handgrad::adam_update(p, w.data, g.data, m.data, v.data, w_out.data, m_out.data, v_out.data, w.length);
  return info.Env().Undefined();
}

// info() → { gemm, sgemmKernels, blasCore, blasConfig, blasThreads, workers, sparseProducts }
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("gemm", handgrad::gemm_implementation());
  Napi::Array kernels = Napi::Array::New(info.Env());
  for (const auto kernel : {handgrad::SgemmKernel::Avx512, handgrad::SgemmKernel::Avx2, handgrad::SgemmKernel::Generic}) {
    if (handgrad::sgemm_kernel_available(kernel)) kernels.Set(kernels.Length(), handgrad::sgemm_kernel_name(kernel));
  }
  result.Set("sgemmKernels", kernels);
  result.Set("blasCore", handgrad::blas_core());
  result.Set("blasConfig", handgrad::blas_config());
  result.Set("blasThreads", handgrad::blas_threads());
  result.Set("workers", handgrad::worker_count());
  result.Set("sparseProducts", handgrad::sparse_products_enabled());
  return result;
}

// setSparseProducts(enabled): whether matmul skips the zeros of a mostly-zero left operand.
Napi::Value SetSparseProducts(const Napi::CallbackInfo& info) {
  require(info, info.Length() >= 1 && info[0].IsBoolean(), "setSparseProducts: 'enabled' must be a boolean");
  handgrad::set_sparse_products(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// setThreads(blasThreads, workers): 0 leaves a count as it is.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const std::size_t blas = size_arg(info, 0, "blasThreads");
  const std::size_t workers = size_arg(info, 1, "workers");
  // The same cap as HANDGRAD_NATIVE_THREADS (each worker is a persistent thread).
  require(info, blas <= 256 && workers <= 256, "setThreads: counts must be at most 256");
  if (blas > 0) handgrad::set_blas_threads(static_cast<int>(blas));
  if (workers > 0) handgrad::set_worker_count(static_cast<unsigned>(workers));
  return info.Env().Undefined();
}

// A kernel entry point run with denormals flushed (see ScopedFlushDenormals), the caller's mode restored after.
template <Napi::Value (*Kernel)(const Napi::CallbackInfo&)>
Napi::Value FlushingDenormals(const Napi::CallbackInfo& info) {
  const handgrad::ScopedFlushDenormals flush_denormals;
  return Kernel(info);
}

template <Napi::Value (*Kernel)(const Napi::CallbackInfo&)>
void ExportKernel(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, FlushingDenormals<Kernel>, name));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  handgrad::init_blas_threads();
  ExportKernel<MatMul>(env, exports, "matmul");
  ExportKernel<Sgemm>(env, exports, "sgemm");
  exports.Set("gemmImplementation", Napi::Function::New(env, GemmImplementation, "gemmImplementation"));
  ExportKernel<Relu>(env, exports, "relu");
  ExportKernel<ReluGrad>(env, exports, "reluGrad");
  ExportKernel<Step>(env, exports, "step");
  ExportKernel<Binary>(env, exports, "binary");
  ExportKernel<Unary>(env, exports, "unary");
  ExportKernel<Softmax>(env, exports, "softmax");
  ExportKernel<SoftmaxCrossEntropy>(env, exports, "softmaxCrossEntropy");
  ExportKernel<SoftmaxCrossEntropyGrad>(env, exports, "softmaxCrossEntropyGrad");
  ExportKernel<SumLeading>(env, exports, "sumLeading");
  ExportKernel<SumTrailing>(env, exports, "sumTrailing");
  ExportKernel<Transpose>(env, exports, "transpose");
  ExportKernel<SgdUpdate>(env, exports, "sgdUpdate");
  ExportKernel<MomentumUpdate>(env, exports, "momentumUpdate");
  ExportKernel<AdamUpdate>(env, exports, "adamUpdate");
  handgrad::export_mlp_session(env, exports);
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("setSparseProducts", Napi::Function::New(env, SetSparseProducts, "setSparseProducts"));
  return exports;
}

}  // namespace

NODE_API_MODULE(handgrad_native, Init)
