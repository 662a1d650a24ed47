// The native Model (lib/graph_spec.ts, NativeModel): `new binding.Model(spec, options)`
// parses and validates the whole GraphSpec, then builds the graph on its backend. Steps
// (trainStep, computeGradients, applyGradients, evaluateStep, predict) copy their
// arguments on the main thread, are checked there, and run on a worker thread, returning
// Promises; steps of one model run one at a time in call order (a call made while
// another runs waits in the model's queue). Synchronous methods that touch the weights
// refuse while steps are queued or running; after dispose() every call fails.
#include <napi.h>

#include <cstring>
#include <deque>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "graph/model.h"
#include "kernels/backends.h"
#include "kernels/gemm/gemm_bf16.h"
#include "napi/arguments.h"
#include "napi/bindings.h"
#include "napi/graph_spec_parser.h"
#include "napi/spec_reader.h"
#include "napi/step_arguments.h"

namespace recurrent {
namespace napi {
namespace {

using graph::StepKind;

// Which call a worker runs.
enum class Call { Train, ComputeGradients, Apply, Evaluate, Predict };

StepKind step_kind(Call c) {
  switch (c) {
    case Call::Train: return StepKind::Train;
    case Call::ComputeGradients: return StepKind::ComputeGradients;
    case Call::Evaluate: return StepKind::Evaluate;
    default: return StepKind::Predict;
  }
}

const char* call_name(Call c) {
  switch (c) {
    case Call::Train: return "trainStep";
    case Call::ComputeGradients: return "computeGradients";
    case Call::Apply: return "applyGradients";
    case Call::Evaluate: return "evaluateStep";
    case Call::Predict: return "predict";
  }
  return "";
}

Napi::Value js_shape(Napi::Env env, const graph::Shape& s) {
  Napi::Array a = Napi::Array::New(env, s.size());
  for (size_t i = 0; i < s.size(); ++i)
    a.Set(static_cast<uint32_t>(i), s[i] == graph::kFree ? env.Null() : Napi::Number::New(env, double(s[i])));
  return a;
}

Napi::Value error_value(Napi::Env env, const ArgumentError& e) {
  return e.range ? Napi::RangeError::New(env, e.message).Value() : Napi::TypeError::New(env, e.message).Value();
}

class ModelWrap;

// Marks the External through which Model.create hands its built model to the constructor.
constexpr napi_type_tag kBuiltModelTag = {0x72656375'7272656eULL, 0x742d6d6f'64656c31ULL};

class StepWorker : public Napi::AsyncWorker {
 public:
  StepWorker(Napi::Env env, ModelWrap* owner, Napi::Object owner_object, Call call, graph::Batch batch,
             Napi::Promise::Deferred deferred);
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  ModelWrap* owner_;
  Napi::ObjectReference owner_ref_;  // keeps the model alive while the step is queued or runs
  Call call_;
  graph::Batch batch_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference outputs_;    // predict: the OutputBatch array, filled by the worker
  std::vector<float*> output_data_;
  graph::StepOutcome outcome_;
};

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {InstanceMethod<&ModelWrap::compile>("compile"),
                        InstanceMethod<&ModelWrap::train_step>("trainStep"),
                        InstanceMethod<&ModelWrap::compute_gradients>("computeGradients"),
                        InstanceMethod<&ModelWrap::apply_gradients>("applyGradients"),
                        InstanceMethod<&ModelWrap::evaluate_step>("evaluateStep"),
                        InstanceMethod<&ModelWrap::predict>("predict"),
                        InstanceMethod<&ModelWrap::get_weights>("getWeights"),
                        InstanceMethod<&ModelWrap::set_weights>("setWeights"),
                        InstanceMethod<&ModelWrap::get_gradients>("getGradients"),
                        InstanceMethod<&ModelWrap::set_gradients>("setGradients"),
                        InstanceMethod<&ModelWrap::reset_states>("resetStates"),
                        InstanceMethod<&ModelWrap::output_shapes>("outputShapes"),
                        InstanceMethod<&ModelWrap::get_optimizer_state>("getOptimizerState"),
                        InstanceMethod<&ModelWrap::set_optimizer_state>("setOptimizerState"),
                        InstanceMethod<&ModelWrap::slot_sizes>("slotSizes"),
                        InstanceMethod<&ModelWrap::write_values>("writeValues"),
                        InstanceMethod<&ModelWrap::read_values>("readValues"),
                        InstanceMethod<&ModelWrap::optimizer_counters>("optimizerCounters"),
                        InstanceMethod<&ModelWrap::set_optimizer_counters>("setOptimizerCounters"),
                        InstanceMethod<&ModelWrap::memory>("memory"),
                        StaticMethod<&ModelWrap::create>("create"),
                        InstanceMethod<&ModelWrap::dispose>("dispose")});
  }

  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() == 1 && info[0].IsExternal()) {
      // From Model.create: the graph::Model its worker built.
      bool ours = false;
      napi_check_object_type_tag(env, info[0], &kBuiltModelTag, &ours);
      if (!ours) throw Napi::TypeError::New(env, "Model: expected a GraphSpec object, received an external value");
      model_ = std::move(*info[0].As<Napi::External<std::unique_ptr<graph::Model>>>().Data());
      return;
    }
    try {
      if (info.Length() < 1 || !info[0].IsObject())
        throw ArgumentError{"Model: expected a GraphSpec object, received " +
                            (info.Length() < 1 ? std::string("nothing") : describe(info[0]))};
      const graph::GraphSpec spec = parse_graph_spec(info[0]);
      const std::string backend = parse_backend_option(spec, info.Length() > 1 ? info[1] : env.Undefined());
      model_ = std::make_unique<graph::Model>(spec, make_backend(backend));
    } catch (const ArgumentError& e) {
      if (e.range) throw Napi::RangeError::New(env, e.message);
      throw Napi::TypeError::New(env, e.message);
    } catch (const std::invalid_argument& e) {
      throw Napi::RangeError::New(env, e.what());
    } catch (const std::bad_alloc&) {
      throw Napi::RangeError::New(env, "Model: out of memory");
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("Model: ") + e.what());
    }
  }

  // Model.create(spec, options, compileSpec | null): the spec (and compile spec) are read
  // and checked here; the allocation of every value, gradient and optimizer slot (hundreds
  // of megabytes for a large embedding) happens on a worker. Resolves with the Model.
  static Napi::Value create(const Napi::CallbackInfo& info);

  static std::string parse_backend_option(const graph::GraphSpec& spec, const Napi::Value& options) {
    const std::string backend = parse_model_options(options);
    if (spec.mixed_precision == MixedPrecision::Bfloat16 && backend == "cpu" && !cpu::bf16_available())
      throw ArgumentError{"Model: mixedPrecision 'bfloat16' needs bfloat16 kernels: " + cpu::bf16_unavailable_reason(),
                          true};
    return backend;
  }

  // Called on the main thread when a step finished: start the next queued one.
  void step_finished() {
    running_ = false;
    if (!pending_.empty()) {
      StepWorker* next = pending_.front();
      pending_.pop_front();
      running_ = true;
      next->Queue();
    }
  }

  graph::Model& model() { return *model_; }

 private:
  void require_usable(const char* op) const {
    if (!model_) throw ArgumentError{std::string(op) + ": the model was disposed"};
  }
  void require_idle(const char* op) const {
    require_usable(op);
    if (running_ || !pending_.empty())
      throw ArgumentError{std::string(op) + ": a step of this model is still running; await it first"};
  }

  Napi::Value compile(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("compile");
      const graph::CompileSpec spec = parse_compile_spec(info.Length() > 0 ? info[0] : info.Env().Undefined());
      try {
        model_->compile(spec);
      } catch (const std::invalid_argument& e) {
        throw ArgumentError{e.what(), true};
      }
      return info.Env().Undefined();
    });
  }

  Napi::Value train_step(const Napi::CallbackInfo& info) { return step(info, Call::Train); }
  Napi::Value compute_gradients(const Napi::CallbackInfo& info) { return step(info, Call::ComputeGradients); }
  Napi::Value apply_gradients(const Napi::CallbackInfo& info) { return step(info, Call::Apply); }
  Napi::Value evaluate_step(const Napi::CallbackInfo& info) { return step(info, Call::Evaluate); }
  Napi::Value predict(const Napi::CallbackInfo& info) { return step(info, Call::Predict); }

  // Errors in the arguments reject the Promise (they do not throw synchronously).
  Napi::Value step(const Napi::CallbackInfo& info, Call call) {
    Napi::Env env = info.Env();
    const char* op = call_name(call);
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    try {
      require_usable(op);
      if (call != Call::Predict && !model_->compiled())
        throw ArgumentError{std::string(op) + ": the model is not compiled (call compile first)"};
      const Napi::Value args = info.Length() > 0 ? info[0] : env.Undefined();
      graph::Batch batch;
      if (call == Call::Apply) batch.learning_rate = parse_apply_args(args);
      else batch = parse_step_args(args, *model_, step_kind(call), op);
      auto* worker = new StepWorker(env, this, Value(), call, std::move(batch), deferred);
      if (running_) {
        pending_.push_back(worker);
      } else {
        running_ = true;
        worker->Queue();
      }
    } catch (const ArgumentError& e) {
      deferred.Reject(error_value(env, e));
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    } catch (const std::bad_alloc&) {
      deferred.Reject(Napi::RangeError::New(env, std::string(op) + ": out of memory").Value());
    } catch (const std::exception& e) {
      deferred.Reject(Napi::Error::New(env, std::string(op) + ": " + e.what()).Value());
    }
    return deferred.Promise();
  }

  // Copies of every weight's values (or gradients), getWeights order.
  Napi::Value read_all(const Napi::CallbackInfo& info, const char* op, bool gradients) {
    require_idle(op);
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, model_->weight_count());
    for (size_t i = 0; i < model_->weight_count(); ++i) {
      Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(model_->weight(i).size));
      if (gradients) model_->read_gradient(i, a.Data());
      else model_->read_weight(i, a.Data());
      out.Set(static_cast<uint32_t>(i), a);
    }
    return out;
  }

  // Checks every array against its weight before writing any.
  Napi::Value write_all(const Napi::CallbackInfo& info, const char* op, bool gradients) {
    require_idle(op);
    if (info.Length() < 1 || !info[0].IsArray())
      throw ArgumentError{std::string(op) + ": expected an array of Float32Array, received " +
                          (info.Length() < 1 ? std::string("nothing") : describe(info[0]))};
    Napi::Array arr = info[0].As<Napi::Array>();
    const size_t n = model_->weight_count();
    if (arr.Length() != n)
      throw ArgumentError{std::string(op) + ": the model has " + std::to_string(n) + " weights, received " +
                              std::to_string(arr.Length()),
                          true};
    std::vector<Napi::Float32Array> values;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value v = arr.Get(i);
      const graph::Parameter& p = model_->weight(i);
      const std::string what = std::string(op) + ": weight " + std::to_string(i) + " ('" + p.decl.name +
                               "' of layer '" + p.layer + "')";
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throw ArgumentError{what + " must be a Float32Array, received " + describe(v)};
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      if (static_cast<int64_t>(a.ElementLength()) != p.size)
        throw ArgumentError{what + ": expected shape " + graph::shape_text(p.decl.shape) + " (" +
                                std::to_string(p.size) + " elements), received " + std::to_string(a.ElementLength()) +
                                " elements",
                            true};
      values.push_back(a);
    }
    for (size_t i = 0; i < n; ++i) {
      if (gradients) model_->write_gradient(i, values[i].Data());
      else model_->write_weight(i, values[i].Data());
    }
    return info.Env().Undefined();
  }

  Napi::Value get_weights(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() { return read_all(info, "getWeights", false); });
  }
  Napi::Value set_weights(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() { return write_all(info, "setWeights", false); });
  }
  Napi::Value get_gradients(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() { return read_all(info, "getGradients", true); });
  }
  Napi::Value set_gradients(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() { return write_all(info, "setGradients", true); });
  }

  Napi::Value reset_states(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("resetStates");
      model_->reset_states();
      return info.Env().Undefined();
    });
  }

  // { step, iterations, slots: Float32Array[] } (two slots per weight, getWeights order).
  Napi::Value get_optimizer_state(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("getOptimizerState");
      Napi::Env env = info.Env();
      if (!model_->compiled()) throw ArgumentError{"getOptimizerState: the model is not compiled (call compile first)"};
      const graph::OptimizerState s = model_->optimizer_state();
      Napi::Object out = Napi::Object::New(env);
      out.Set("step", static_cast<double>(s.step));
      out.Set("iterations", static_cast<double>(s.iterations));
      Napi::Array slots = Napi::Array::New(env, s.slots.size());
      for (size_t i = 0; i < s.slots.size(); ++i) {
        Napi::Float32Array a = Napi::Float32Array::New(env, s.slots[i].size());
        if (!s.slots[i].empty()) std::memcpy(a.Data(), s.slots[i].data(), sizeof(float) * s.slots[i].size());
        slots.Set(static_cast<uint32_t>(i), a);
      }
      out.Set("slots", slots);
      return out;
    });
  }

  Napi::Value set_optimizer_state(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      const char* op = "setOptimizerState";
      require_idle(op);
      if (!model_->compiled()) throw ArgumentError{"setOptimizerState: the model is not compiled (call compile first)"};
      SpecReader r(info.Length() > 0 ? info[0] : info.Env().Undefined(), op, {"step", "iterations", "slots"});
      graph::OptimizerState s;
      s.step = static_cast<uint64_t>(r.integer("step", 0, (int64_t(1) << 53) - 1));
      s.iterations = r.integer("iterations", 0, (int64_t(1) << 53) - 1);
      Napi::Array arr = r.array("slots");
      const size_t expected = 2 * model_->weight_count();
      if (arr.Length() != expected)
        throw ArgumentError{"setOptimizerState: the model's optimizer has " + std::to_string(expected) +
                                " slots (2 per weight), received " + std::to_string(arr.Length()),
                            true};
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value v = arr.Get(i);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
          throw ArgumentError{"setOptimizerState: slots[" + std::to_string(i) + "] must be a Float32Array, received " +
                              describe(v)};
        Napi::Float32Array a = v.As<Napi::Float32Array>();
        s.slots.emplace_back(a.Data(), a.Data() + a.ElementLength());
      }
      try {
        model_->set_optimizer_state(s);
      } catch (const std::invalid_argument& e) {
        throw ArgumentError{e.what(), true};
      }
      return info.Env().Undefined();
    });
  }

  // Each slot's length, getOptimizerState order (0 where the optimizer keeps none).
  Napi::Value slot_sizes(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("slotSizes");
      if (!model_->compiled()) throw ArgumentError{"slotSizes: the model is not compiled (call compile first)"};
      const std::vector<int64_t> sizes = model_->slot_sizes();
      Napi::Array out = Napi::Array::New(info.Env(), sizes.size());
      for (size_t i = 0; i < sizes.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(sizes[i]));
      return out;
    });
  }

  // writeValues(kind: 'weight' | 'slot', index, offset, values: Float32Array): copies values
  // into [offset, offset + length) of weight `index` or optimizer slot `index`, now.
  Napi::Value write_values(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      Piece p = piece(info, "writeValues");
      ranged([&]() {
        if (p.slot) model_->write_slot_range(p.index, p.offset, p.values.Data(), p.count);
        else model_->write_weight_range(p.index, p.offset, p.values.Data(), p.count);
      }, "writeValues");
      return info.Env().Undefined();
    });
  }

  // readValues(kind, index, offset, out: Float32Array): fills out with [offset, offset + length).
  Napi::Value read_values(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      Piece p = piece(info, "readValues");
      ranged([&]() {
        if (p.slot) model_->read_slot_range(p.index, p.offset, p.values.Data(), p.count);
        else model_->read_weight_range(p.index, p.offset, p.values.Data(), p.count);
      }, "readValues");
      return info.Env().Undefined();
    });
  }

  // The arguments of readValues and writeValues.
  struct Piece {
    bool slot;
    size_t index;
    int64_t offset;
    Napi::Float32Array values;
    int64_t count;
  };

  Piece piece(const Napi::CallbackInfo& info, const char* op) {
    require_idle(op);
    Napi::Env env = info.Env();
    const std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    if (kind != "weight" && kind != "slot")
      throw ArgumentError{std::string(op) + ": kind must be 'weight' or 'slot', received " +
                          (info.Length() > 0 ? describe(info[0]) : std::string("nothing"))};
    if (kind == "slot" && !model_->compiled())
      throw ArgumentError{std::string(op) + ": the model is not compiled (call compile first)"};
    auto whole = [&](size_t at, const char* name) {
      const Napi::Value v = info.Length() > at ? info[at] : env.Undefined();
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
      if (!v.IsNumber() || !std::isfinite(d) || d < 0 || d != std::floor(d) || d > 9007199254740991.0)
        throw ArgumentError{std::string(op) + ": " + name + " must be a whole number >= 0, received " + describe(v), true};
      return static_cast<int64_t>(d);
    };
    const int64_t index = whole(1, "index");
    const int64_t offset = whole(2, "offset");
    const Napi::Value v = info.Length() > 3 ? info[3] : env.Undefined();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw ArgumentError{std::string(op) + ": values must be a Float32Array, received " + describe(v)};
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    return Piece{kind == "slot", static_cast<size_t>(index), offset, a, static_cast<int64_t>(a.ElementLength())};
  }

  // Runs body, its std::invalid_argument (a range past the end) becoming a RangeError.
  template <class F>
  static void ranged(F body, const char* op) {
    try {
      body();
    } catch (const std::invalid_argument& e) {
      throw ArgumentError{std::string(op) + ": " + e.what(), true};
    }
  }

  // optimizerCounters(): { step, iterations } of getOptimizerState, without the slots.
  Napi::Value optimizer_counters(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("optimizerCounters");
      if (!model_->compiled()) throw ArgumentError{"optimizerCounters: the model is not compiled (call compile first)"};
      Napi::Object out = Napi::Object::New(info.Env());
      out.Set("step", static_cast<double>(model_->steps_taken()));
      out.Set("iterations", static_cast<double>(model_->optimizer_iterations()));
      return out;
    });
  }

  // setOptimizerCounters({ step, iterations }): the counters of setOptimizerState, alone.
  Napi::Value set_optimizer_counters(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      const char* op = "setOptimizerCounters";
      require_idle(op);
      if (!model_->compiled()) throw ArgumentError{std::string(op) + ": the model is not compiled (call compile first)"};
      SpecReader r(info.Length() > 0 ? info[0] : info.Env().Undefined(), op, {"step", "iterations"});
      const auto step = static_cast<uint64_t>(r.integer("step", 0, (int64_t(1) << 53) - 1));
      const int64_t iterations = r.integer("iterations", 0, (int64_t(1) << 53) - 1);
      model_->set_optimizer_counters(step, iterations);
      return info.Env().Undefined();
    });
  }

  Napi::Value output_shapes(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_usable("outputShapes");
      Napi::Env env = info.Env();
      const graph::Graph& g = model_->graph();
      Napi::Array out = Napi::Array::New(env, g.output_count());
      for (size_t k = 0; k < g.output_count(); ++k) out.Set(static_cast<uint32_t>(k), js_shape(env, g.output(k).declared));
      return out;
    });
  }

  Napi::Value memory(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_usable("memory");
      Napi::Object out = Napi::Object::New(info.Env());
      out.Set("bytes", static_cast<double>(model_->memory_bytes()));
      out.Set("allocations", static_cast<double>(model_->allocations()));
      return out;
    });
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("dispose");
      model_.reset();
      return info.Env().Undefined();
    });
  }

  std::unique_ptr<graph::Model> model_;
  bool running_ = false;
  std::deque<StepWorker*> pending_;  // created, not yet queued
};

StepWorker::StepWorker(Napi::Env env, ModelWrap* owner, Napi::Object owner_object, Call call, graph::Batch batch,
                       Napi::Promise::Deferred deferred)
    : Napi::AsyncWorker(env, "recurrent.Model"),
      owner_(owner),
      owner_ref_(Napi::Persistent(owner_object)),
      call_(call),
      batch_(std::move(batch)),
      deferred_(deferred) {
  if (call_ != Call::Predict) return;
  // The outputs are allocated here, on the main thread, and filled by the worker.
  const graph::Graph& g = owner_->model().graph();
  Napi::Array outputs = Napi::Array::New(env, g.output_count());
  for (size_t k = 0; k < g.output_count(); ++k) {
    const graph::Shape& shape = batch_.shapes[g.spec().outputs[k]];
    Napi::Float32Array data = Napi::Float32Array::New(env, static_cast<size_t>(batch_.batch * graph::shape_size(shape)));
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", data);
    o.Set("shape", js_shape(env, shape));
    outputs.Set(static_cast<uint32_t>(k), o);
    output_data_.push_back(data.Data());
  }
  outputs_ = Napi::Persistent(outputs.As<Napi::Object>());
}

void StepWorker::Execute() {
  ScopedFlushDenormals flush;  // runtime/flush_denormals.h: this libuv thread, for this step only
  try {
    graph::Model& m = owner_->model();
    switch (call_) {
      case Call::Train: outcome_ = m.train_step(batch_); break;
      case Call::ComputeGradients: outcome_ = m.compute_gradients(batch_); break;
      case Call::Apply: m.apply_gradients(batch_.learning_rate); break;
      case Call::Evaluate: outcome_ = m.evaluate_step(batch_); break;
      case Call::Predict: m.predict(batch_, output_data_); break;
    }
  } catch (const std::bad_alloc&) {
    SetError(std::string(call_name(call_)) + ": out of memory");
  } catch (const std::exception& e) {
    SetError(std::string(call_name(call_)) + ": " + e.what());
  } catch (...) {
    SetError(std::string(call_name(call_)) + ": an unknown native error");
  }
}

void StepWorker::OnOK() {
  Napi::Env env = Env();
  switch (call_) {
    case Call::Predict: deferred_.Resolve(outputs_.Value()); break;
    case Call::Apply: deferred_.Resolve(env.Undefined()); break;
    default: {
      Napi::Object r = Napi::Object::New(env);
      r.Set("loss", outcome_.loss);
      r.Set("count", outcome_.count);
      Napi::Array outputs = Napi::Array::New(env, outcome_.outputs.size());
      for (size_t k = 0; k < outcome_.outputs.size(); ++k) {
        if (!outcome_.outputs[k]) {
          outputs.Set(static_cast<uint32_t>(k), env.Null());
          continue;
        }
        const graph::OutputScore& s = *outcome_.outputs[k];
        Napi::Object o = Napi::Object::New(env);
        o.Set("loss", s.loss);
        Napi::Array metrics = Napi::Array::New(env, s.metrics.size());
        for (size_t i = 0; i < s.metrics.size(); ++i) metrics.Set(static_cast<uint32_t>(i), s.metrics[i]);
        o.Set("metrics", metrics);
        o.Set("count", s.count);
        outputs.Set(static_cast<uint32_t>(k), o);
      }
      r.Set("outputs", outputs);
      deferred_.Resolve(r);
    }
  }
  owner_->step_finished();
}

void StepWorker::OnError(const Napi::Error& e) {
  deferred_.Reject(e.Value());
  owner_->step_finished();
}

// Builds a graph::Model (and compiles it) on a worker thread for Model.create.
class BuildWorker : public Napi::AsyncWorker {
 public:
  BuildWorker(Napi::Env env, Napi::Function constructor, graph::GraphSpec spec, std::string backend,
              std::optional<graph::CompileSpec> compile)
      : Napi::AsyncWorker(env, "recurrent.Model.create"),
        constructor_(Napi::Persistent(constructor)),
        spec_(std::move(spec)),
        backend_(std::move(backend)),
        compile_(std::move(compile)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      auto model = std::make_unique<graph::Model>(spec_, make_backend(backend_));
      if (compile_) model->compile(*compile_);
      model_ = std::move(model);
    } catch (const std::invalid_argument& e) {
      range_ = true;
      SetError(std::string("Model: ") + e.what());
    } catch (const std::bad_alloc&) {
      range_ = true;
      SetError("Model: out of memory");
    } catch (const std::exception& e) {
      SetError(std::string("Model: ") + e.what());
    } catch (...) {
      SetError("Model: an unknown native error");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      // The External owns the model until the constructor takes it (or, should that fail,
      // until it is collected); the tag lets the constructor refuse any other External.
      auto handle = Napi::External<std::unique_ptr<graph::Model>>::New(
          env, new std::unique_ptr<graph::Model>(std::move(model_)),
          [](Napi::Env, std::unique_ptr<graph::Model>* p) { delete p; });
      NAPI_THROW_IF_FAILED_VOID(env, napi_type_tag_object(env, handle, &kBuiltModelTag));
      deferred_.Resolve(constructor_.New({handle}));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    if (range_) deferred_.Reject(Napi::RangeError::New(Env(), e.Message()).Value());
    else deferred_.Reject(e.Value());
  }

 private:
  Napi::FunctionReference constructor_;
  graph::GraphSpec spec_;
  std::string backend_;
  std::optional<graph::CompileSpec> compile_;
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<graph::Model> model_;
  bool range_ = false;
};

Napi::Value ModelWrap::create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsObject())
      throw ArgumentError{"Model.create: expected a GraphSpec object, received " +
                          (info.Length() < 1 ? std::string("nothing") : describe(info[0]))};
    if (!info.This().IsFunction()) throw ArgumentError{"Model.create: call it as Model.create(spec, options)"};
    graph::GraphSpec spec = parse_graph_spec(info[0]);
    std::string backend = parse_backend_option(spec, info.Length() > 1 ? info[1] : env.Undefined());
    std::optional<graph::CompileSpec> compile;
    if (info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined()) compile = parse_compile_spec(info[2]);
    auto* worker = new BuildWorker(env, info.This().As<Napi::Function>(), std::move(spec), std::move(backend),
                                   std::move(compile));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  } catch (const ArgumentError& e) {
    if (e.range) throw Napi::RangeError::New(env, e.message);
    throw Napi::TypeError::New(env, e.message);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "Model.create: out of memory");
  }
}

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) { exports.Set("Model", ModelWrap::define(env)); }

}  // namespace napi
}  // namespace recurrent
