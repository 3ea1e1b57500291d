// Node-API side of mlp.h: an MlpSession holds the network's parameter and slot Float32Arrays (which
// the caller made and keeps; steps update them in place), the training set it gathers batches from
// (which must not change while the session lives: the first step lists its nonzeros once, when most of
// it is zeros, and later steps read them), and the workspace, so that a training step or an evaluation
// chunk is one call with a few numbers.
//
//   new MlpSession(sizes, params, slots, trainX, trainLabels)
//   session.step(indices | null, begin, end, optimizer, lr, momentum, beta1, beta2, epsilon, c1, c2, out)
//     one step on rows indices[begin..end) (null: rows begin..end in order); out (Float64Array(2)) ← [loss, hits]
//   session.evaluate(x, labels, chunk, out)   out ← [Σ loss, hits] over every row of x
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "mlp.h"
#include "parallel.h"

namespace {

using handgrad::OptimizerKind;

[[noreturn]] void fail(Napi::Env env, const std::string& what) { throw Napi::RangeError::New(env, "handgrad_native: MlpSession: " + what); }

template <class Array>
Array typed_arg(const Napi::Value& value, napi_typedarray_type type, const std::string& name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    const char* kind = type == napi_float32_array ? "a Float32Array" : type == napi_int32_array ? "an Int32Array" : "a Float64Array";
    throw Napi::TypeError::New(value.Env(), "handgrad_native: MlpSession: '" + name + "' must be " + kind);
  }
  return value.As<Array>();
}

std::size_t count_arg(const Napi::Value& value, const std::string& name) {
  const double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(v >= 0) || v != static_cast<double>(static_cast<std::size_t>(v)) || v > 9007199254740991.0) {
    throw Napi::TypeError::New(value.Env(), "handgrad_native: MlpSession: '" + name + "' must be a non-negative integer");
  }
  return static_cast<std::size_t>(v);
}

float float_arg(const Napi::Value& value, const std::string& name) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), "handgrad_native: MlpSession: '" + name + "' must be a number");
  return static_cast<float>(value.As<Napi::Number>().DoubleValue());
}

Napi::Array array_arg(const Napi::Value& value, const std::string& name) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), "handgrad_native: MlpSession: '" + name + "' must be an array");
  return value.As<Napi::Array>();
}

// Labels (each in [0, classes)) checked once, so that no step or evaluation indexes past a one-hot row.
void check_labels(Napi::Env env, const Napi::Int32Array& labels, std::size_t classes, const std::string& name) {
  for (std::size_t i = 0; i < labels.ElementLength(); ++i) {
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= classes) fail(env, "'" + name + "' holds " + std::to_string(labels[i]) + ", not a class in [0, " + std::to_string(classes) + ")");
  }
}

class MlpSession : public Napi::ObjectWrap<MlpSession> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MlpSession", {InstanceMethod<&MlpSession::Step>("step"), InstanceMethod<&MlpSession::Evaluate>("evaluate")});
  }

  explicit MlpSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MlpSession>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 5) fail(env, "expected (sizes, params, slots, trainX, trainLabels)");
    const Napi::Array sizes = array_arg(info[0], "sizes");
    if (sizes.Length() < 2) fail(env, "'sizes' needs at least an input and an output size");
    for (std::uint32_t i = 0; i < sizes.Length(); ++i) {
      const std::size_t size = count_arg(sizes.Get(i), "sizes");
      if (size < 1 || size > 0x7fffffff) fail(env, "every size must be in [1, 2^31)");
      model_.sizes.push_back(size);
    }
    const std::size_t layers = model_.layers();
    const Napi::Array params = array_arg(info[1], "params");
    if (params.Length() != 2 * layers) fail(env, "'params' must hold W and b of each of the " + std::to_string(layers) + " layers");
    model_.params = take_arrays(env, params, "params");
    const Napi::Array slots = array_arg(info[2], "slots");
    for (std::uint32_t s = 0; s < slots.Length(); ++s) {
      const Napi::Array list = array_arg(slots.Get(s), "slots");
      if (list.Length() != params.Length()) fail(env, "each slot list must hold one array per parameter");
      model_.slots.push_back(take_arrays(env, list, "slots"));
    }
    auto x = typed_arg<Napi::Float32Array>(info[3], napi_float32_array, "trainX");
    auto labels = typed_arg<Napi::Int32Array>(info[4], napi_int32_array, "trainLabels");
    if (x.ElementLength() != labels.ElementLength() * model_.sizes[0]) fail(env, "'trainX' must hold one row of sizes[0] features per label");
    check_labels(env, labels, model_.classes(), "trainLabels");
    train_ = {x.Data(), labels.Data(), labels.ElementLength()};
    keep(x);
    keep(labels);
  }

 private:
  // The arrays stay alive (referenced) while the session lives; their memory must be disjoint.
  std::vector<float*> take_arrays(Napi::Env env, const Napi::Array& list, const std::string& name) {
    std::vector<float*> out;
    for (std::uint32_t i = 0; i < list.Length(); ++i) {
      auto array = typed_arg<Napi::Float32Array>(list.Get(i), napi_float32_array, name);
      const std::size_t l = i / 2;
      const std::size_t expected = i % 2 == 0 ? model_.sizes[l] * model_.sizes[l + 1] : model_.sizes[l + 1];
      if (array.ElementLength() != expected) fail(env, "'" + name + "'[" + std::to_string(i) + "] must hold " + std::to_string(expected) + " values");
      const auto begin = reinterpret_cast<std::uintptr_t>(array.Data());
      const auto end = begin + expected * sizeof(float);
      for (const auto& [other_begin, other_end] : spans_) {
        if (begin < other_end && other_begin < end) fail(env, "'" + name + "'[" + std::to_string(i) + "] overlaps another parameter or slot");
      }
      spans_.emplace_back(begin, end);
      out.push_back(array.Data());
      keep(array);
    }
    return out;
  }

  void keep(const Napi::Object& object) { kept_.push_back(Napi::Persistent(object)); }

  // step(indices | null, begin, end, optimizer, lr, momentum, beta1, beta2, epsilon, c1, c2, out)
  Napi::Value Step(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 12) fail(env, "step expects (indices, begin, end, optimizer, lr, momentum, beta1, beta2, epsilon, c1, c2, out)");
    const std::size_t begin = count_arg(info[1], "begin"), end = count_arg(info[2], "end");
    if (begin >= end) fail(env, "step: the batch [begin, end) is empty");
    const std::int32_t* indices = nullptr;
    // The next batch of as many rows, most likely the next step's: fetched toward the cache meanwhile.
    handgrad::UpcomingRows upcoming;
    if (info[0].IsNull()) {
      if (end > train_.rows) fail(env, "step: rows [begin, end) run past the training set");
      upcoming.first = end - begin;  // rows are counted from `begin` (see `rows` below)
      upcoming.count = std::min(end - begin, train_.rows - end);
    } else {
      const auto list = typed_arg<Napi::Int32Array>(info[0], napi_int32_array, "indices");
      if (end > list.ElementLength()) fail(env, "step: [begin, end) runs past 'indices'");
      indices = list.Data() + begin;
      for (std::size_t i = 0; i < end - begin; ++i) {
        if (indices[i] < 0 || static_cast<std::size_t>(indices[i]) >= train_.rows) fail(env, "step: index " + std::to_string(indices[i]) + " is not a training row");
      }
      upcoming.indices = list.Data() + end;
      const std::size_t available = std::min(end - begin, list.ElementLength() - end);
      while (upcoming.count < available && upcoming.indices[upcoming.count] >= 0 && static_cast<std::size_t>(upcoming.indices[upcoming.count]) < train_.rows) {
        ++upcoming.count;
      }
    }
    const std::size_t kind = count_arg(info[3], "optimizer");
    if (kind > 2) fail(env, "step: unknown optimizer");
    handgrad::OptimizerStep opt{};
    opt.kind = static_cast<OptimizerKind>(kind);
    if (handgrad::slot_count(opt.kind) != model_.slots.size()) fail(env, "step: the optimizer needs " + std::to_string(handgrad::slot_count(opt.kind)) + " slot lists");
    opt.lr = float_arg(info[4], "lr");
    opt.momentum = float_arg(info[5], "momentum");
    const double beta1 = info[6].IsNumber() ? info[6].As<Napi::Number>().DoubleValue() : 0.0;
    const double beta2 = info[7].IsNumber() ? info[7].As<Napi::Number>().DoubleValue() : 0.0;
    // As the ManualAdamUpdate kernel (addon.cc) turns its attributes into float32.
    opt.adam = {opt.lr, static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1.0 - beta1), static_cast<float>(1.0 - beta2),
                float_arg(info[8], "epsilon"), float_arg(info[9], "c1"), float_arg(info[10], "c2")};
    auto out = typed_arg<Napi::Float64Array>(info[11], napi_float64_array, "out");
    if (out.ElementLength() < 2) fail(env, "step: 'out' must hold 2 values");
    const bool listed = listed_nonzeros();
    const handgrad::RowNonzeros nonzeros = listed ? train_nonzeros_.from_row(indices == nullptr ? begin : 0) : handgrad::RowNonzeros{};
    handgrad::LabelledRows rows = indices == nullptr ? handgrad::LabelledRows{train_.x + begin * model_.sizes[0], train_.labels + begin, end - begin} : train_;
    if (listed) rows.nonzeros = &nonzeros;
    const handgrad::ScopedFlushDenormals flush_denormals;
    const handgrad::ScopedWorkerCount step_workers(handgrad::step_worker_count(end - begin));
    const handgrad::BatchOutcome outcome = handgrad::mlp_train_step(model_, opt, rows, indices, end - begin, workspace_, upcoming);
    out[0] = outcome.loss;
    out[1] = static_cast<double>(outcome.hits);
    return env.Undefined();
  }

  // evaluate(x, labels, chunk, out)
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 4) fail(env, "evaluate expects (x, labels, chunk, out)");
    const auto x = typed_arg<Napi::Float32Array>(info[0], napi_float32_array, "x");
    const auto labels = typed_arg<Napi::Int32Array>(info[1], napi_int32_array, "labels");
    const std::size_t chunk = count_arg(info[2], "chunk");
    auto out = typed_arg<Napi::Float64Array>(info[3], napi_float64_array, "out");
    if (chunk < 1) fail(env, "evaluate: 'chunk' must be at least 1");
    if (out.ElementLength() < 2) fail(env, "evaluate: 'out' must hold 2 values");
    if (x.ElementLength() != labels.ElementLength() * model_.sizes[0]) fail(env, "evaluate: 'x' must hold one row of sizes[0] features per label");
    check_labels(env, labels, model_.classes(), "labels");
    const handgrad::ScopedFlushDenormals flush_denormals;
    const handgrad::EvalSums sums = handgrad::mlp_evaluate(model_, {x.Data(), labels.Data(), labels.ElementLength()}, chunk, workspace_);
    out[0] = sums.loss_sum;
    out[1] = static_cast<double>(sums.hits);
    return env.Undefined();
  }

  // Whether train_nonzeros_ holds the training set's nonzeros: listed at the first step that may read
  // them (a network of two layers or more, zero-skipping products on), when at least half the set is
  // zeros (the lists then take no more memory than the set).
  bool listed_nonzeros() {
    if (!nonzeros_tried_ && model_.layers() >= 2 && handgrad::sparse_products_enabled()) {
      nonzeros_tried_ = true;
      has_nonzeros_ = train_nonzeros_.list(train_.x, train_.rows, model_.sizes[0], 0.5);
    }
    return has_nonzeros_;
  }

  handgrad::MlpModel model_;
  handgrad::LabelledRows train_{};
  handgrad::NonzeroRows train_nonzeros_;
  bool nonzeros_tried_ = false, has_nonzeros_ = false;
  handgrad::MlpWorkspace workspace_;
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> spans_;
  std::vector<Napi::ObjectReference> kept_;
};

}  // namespace

namespace handgrad {

void export_mlp_session(Napi::Env env, Napi::Object exports) { exports.Set("MlpSession", MlpSession::Define(env)); }

}  // namespace handgrad
