// The native Model (lib/graph_spec.ts, NativeModel): `new binding.Model(spec)` builds the
// layers from a GraphSpec; trainStep, evaluateStep and predict copy their batch into
// native buffers on the main thread and run on a worker thread, returning Promises.
// Steps of one model run one at a time in call order: a call made while another runs
// waits in the model's queue. Synchronous methods that touch the weights refuse to run
// while steps are queued or running.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>

#include "graph/model.h"
#include "napi/arguments.h"
#include "napi/bindings.h"
#include "napi/rnn_arguments.h"

namespace recurrent {
namespace napi {
namespace {

using graph::LayerKind;
using graph::LayerSpec;

constexpr int64_t kMaxDim = int64_t(1) << 24;

double number_or(const Napi::Object& o, const char* key, const char* op, double fallback) {
  return has(o, key) ? get_number(o, key, op) : fallback;
}

Napi::Object child_object(const Napi::Object& o, const char* key, const std::string& op) {
  Napi::Value v = o.Get(key);
  if (!v.IsObject()) throw ArgumentError{op + ": '" + key + "' must be an object"};
  return v.As<Napi::Object>();
}

graph::Regularizer parse_regularizer(const Napi::Object& o, const char* key, const std::string& op) {
  graph::Regularizer r;
  if (!has(o, key)) return r;
  Napi::Object ro = child_object(o, key, op);
  r.l1 = static_cast<float>(number_or(ro, "l1", op.c_str(), 0.0));
  r.l2 = static_cast<float>(number_or(ro, "l2", op.c_str(), 0.0));
  if (!(r.l1 >= 0) || !(r.l2 >= 0) || !std::isfinite(r.l1) || !std::isfinite(r.l2))
    throw ArgumentError{op + ": '" + key + "' l1 and l2 must be finite numbers >= 0", true};
  return r;
}

float parse_fraction(const Napi::Object& o, const char* key, const std::string& op) {
  double v = number_or(o, key, op.c_str(), 0.0);
  if (!(v >= 0.0 && v < 1.0)) throw ArgumentError{op + ": '" + key + "' must be in [0, 1)", true};
  return static_cast<float>(v);
}

graph::RecurrentSpec parse_recurrent(const Napi::Object& o, const std::string& where) {
  graph::RecurrentSpec r;
  r.name = has(o, "name") ? get_string(o, "name", where.c_str()) : where;
  const std::string op = "Model: layer '" + r.name + "'";
  const char* c = op.c_str();
  const std::string cell = get_string(o, "cell", c);
  if (cell == "simpleRnn") r.cell = CellType::SimpleRnn;
  else if (cell == "lstm") r.cell = CellType::Lstm;
  else if (cell == "gru") r.cell = CellType::Gru;
  else throw ArgumentError{op + ": cell '" + cell + "' is not one of simpleRnn, lstm, gru", true};
  r.units = get_int(o, "units", c, 1, kMaxDim);
  if (has(o, "activation")) r.activation = activation_from_name(get_string(o, "activation", c), c, "activation");
  if (has(o, "recurrentActivation"))
    r.recurrent_activation =
        activation_from_name(get_string(o, "recurrentActivation", c), c, "recurrentActivation");
  r.use_bias = get_bool_or(o, "useBias", c, true);
  r.return_sequences = get_bool_or(o, "returnSequences", c, false);
  r.go_backwards = get_bool_or(o, "goBackwards", c, false);
  r.reset_after = get_bool_or(o, "resetAfter", c, true);
  r.dropout = parse_fraction(o, "dropout", op);
  r.recurrent_dropout = parse_fraction(o, "recurrentDropout", op);
  r.stateful = get_bool_or(o, "stateful", c, false);
  r.trainable = get_bool_or(o, "trainable", c, true);
  r.kernel_regularizer = parse_regularizer(o, "kernelRegularizer", op);
  r.recurrent_regularizer = parse_regularizer(o, "recurrentRegularizer", op);
  r.bias_regularizer = parse_regularizer(o, "biasRegularizer", op);
  return r;
}

LayerSpec parse_layer(const Napi::Object& o, size_t index) {
  LayerSpec l;
  const std::string where = "Model: layers[" + std::to_string(index) + "]";
  const std::string kind = get_string(o, "kind", where.c_str());
  l.name = has(o, "name") ? get_string(o, "name", where.c_str()) : kind + "_" + std::to_string(index);
  const std::string op = "Model: layer '" + l.name + "'";
  const char* c = op.c_str();
  if (kind == "embedding") {
    l.kind = LayerKind::Embedding;
    l.input_dim = get_int(o, "inputDim", c, 1, int64_t(1) << 31);
    l.output_dim = get_int(o, "outputDim", c, 1, kMaxDim);
    l.mask_zero = get_bool_or(o, "maskZero", c, false);
    l.trainable = get_bool_or(o, "trainable", c, true);
    l.embeddings_regularizer = parse_regularizer(o, "embeddingsRegularizer", op);
  } else if (kind == "masking") {
    l.kind = LayerKind::Masking;
    l.mask_value = static_cast<float>(number_or(o, "maskValue", c, 0.0));
  } else if (kind == "rnn") {
    l.kind = LayerKind::Recurrent;
    l.forward = parse_recurrent(o, l.name);
    l.forward.name = l.name;
  } else if (kind == "bidirectional") {
    l.kind = LayerKind::Bidirectional;
    const std::string merge = has(o, "mergeMode") ? get_string(o, "mergeMode", c) : "concat";
    if (merge == "concat") l.merge_mode = graph::MergeMode::Concat;
    else if (merge == "sum") l.merge_mode = graph::MergeMode::Sum;
    else if (merge == "mul") l.merge_mode = graph::MergeMode::Mul;
    else if (merge == "ave") l.merge_mode = graph::MergeMode::Ave;
    else throw ArgumentError{op + ": mergeMode '" + merge + "' is not one of concat, sum, mul, ave", true};
    l.forward = parse_recurrent(child_object(o, "forward", op), l.name + "/forward");
    l.backward = parse_recurrent(child_object(o, "backward", op), l.name + "/backward");
  } else if (kind == "dense") {
    l.kind = LayerKind::Dense;
    l.units = get_int(o, "units", c, 1, kMaxDim);
    const std::string act = has(o, "activation") ? get_string(o, "activation", c) : "linear";
    if (act == "linear") l.activation = graph::DenseActivation::Linear;
    else if (act == "relu") l.activation = graph::DenseActivation::Relu;
    else if (act == "sigmoid") l.activation = graph::DenseActivation::Sigmoid;
    else if (act == "tanh") l.activation = graph::DenseActivation::Tanh;
    else if (act == "softmax") l.activation = graph::DenseActivation::Softmax;
    else throw ArgumentError{op + ": activation '" + act + "' is not one of linear, relu, sigmoid, tanh, softmax", true};
    l.use_bias = get_bool_or(o, "useBias", c, true);
    l.trainable = get_bool_or(o, "trainable", c, true);
    l.kernel_regularizer = parse_regularizer(o, "kernelRegularizer", op);
    l.bias_regularizer = parse_regularizer(o, "biasRegularizer", op);
  } else if (kind == "dropout") {
    l.kind = LayerKind::Dropout;
    l.rate = parse_fraction(o, "rate", op);
  } else {
    throw ArgumentError{where + ": kind '" + kind + "' is not one of embedding, masking, rnn, bidirectional, dense, dropout",
                        true};
  }
  return l;
}

graph::ModelSpec parse_model_spec(const Napi::Object& o) {
  graph::ModelSpec s;
  const char* op = "Model";
  Napi::Value shape = o.Get("inputShape");
  if (!shape.IsArray()) throw ArgumentError{"Model: 'inputShape' must be an array of integers"};
  Napi::Array dims = shape.As<Napi::Array>();
  for (uint32_t i = 0; i < dims.Length(); ++i) {
    Napi::Value d = dims.Get(i);
    double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (v != std::floor(v) || v < 1 || v > double(kMaxDim))
      throw ArgumentError{"Model: 'inputShape' must hold integers in [1, 2^24]", true};
    s.input_shape.push_back(static_cast<int64_t>(v));
  }
  const std::string dtype = has(o, "inputDtype") ? get_string(o, "inputDtype", op) : "float32";
  if (dtype != "int32" && dtype != "float32") throw ArgumentError{"Model: 'inputDtype' must be 'int32' or 'float32'", true};
  s.int_input = dtype == "int32";
  const double seed = number_or(o, "seed", op, 0.0);
  if (!std::isfinite(seed)) throw ArgumentError{"Model: 'seed' must be a finite number", true};
  s.seed = static_cast<uint64_t>(static_cast<int64_t>(std::floor(seed)));
  Napi::Value layers = o.Get("layers");
  if (!layers.IsArray()) throw ArgumentError{"Model: 'layers' must be an array"};
  Napi::Array arr = layers.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) throw ArgumentError{"Model: layers[" + std::to_string(i) + "] must be an object"};
    s.layers.push_back(parse_layer(v.As<Napi::Object>(), i));
  }
  return s;
}

graph::CompileSpec parse_compile_spec(const Napi::Object& o) {
  graph::CompileSpec s;
  const char* op = "compile";
  const std::string loss = get_string(o, "loss", op);
  if (loss == "meanSquaredError") s.loss = graph::LossKind::MeanSquaredError;
  else if (loss == "meanAbsoluteError") s.loss = graph::LossKind::MeanAbsoluteError;
  else if (loss == "binaryCrossentropy") s.loss = graph::LossKind::BinaryCrossentropy;
  else if (loss == "categoricalCrossentropy") s.loss = graph::LossKind::CategoricalCrossentropy;
  else if (loss == "sparseCategoricalCrossentropy") s.loss = graph::LossKind::SparseCategoricalCrossentropy;
  else throw ArgumentError{"compile: loss '" + loss + "' is not supported", true};
  s.from_logits = get_bool_or(o, "fromLogits", op, false);
  Napi::Object opt = child_object(o, "optimizer", op);
  const std::string kind = get_string(opt, "kind", op);
  graph::OptimizerSpec& p = s.optimizer;
  if (kind == "sgd") p.kind = graph::OptimizerKind::Sgd;
  else if (kind == "adam") p.kind = graph::OptimizerKind::Adam;
  else if (kind == "rmsprop") p.kind = graph::OptimizerKind::Rmsprop;
  else if (kind == "adadelta") p.kind = graph::OptimizerKind::Adadelta;
  else if (kind == "adagrad") p.kind = graph::OptimizerKind::Adagrad;
  else throw ArgumentError{"compile: optimizer '" + kind + "' is not one of sgd, adam, rmsprop, adadelta, adagrad", true};
  p.learning_rate = number_or(opt, "learningRate", op, 0.001);
  p.momentum = number_or(opt, "momentum", op, 0.0);
  p.nesterov = get_bool_or(opt, "nesterov", op, false);
  p.beta1 = number_or(opt, "beta1", op, 0.9);
  p.beta2 = number_or(opt, "beta2", op, 0.999);
  p.epsilon = number_or(opt, "epsilon", op, 1e-7);
  p.rho = number_or(opt, "rho", op, kind == "adadelta" ? 0.95 : 0.9);
  p.initial_accumulator_value = number_or(opt, "initialAccumulatorValue", op, 0.1);
  p.clipvalue = number_or(opt, "clipvalue", op, 0.0);
  p.clipnorm = number_or(opt, "clipnorm", op, 0.0);
  p.global_clipnorm = number_or(opt, "globalClipnorm", op, 0.0);
  for (double v : {p.learning_rate, p.momentum, p.beta1, p.beta2, p.epsilon, p.rho, p.initial_accumulator_value,
                   p.clipvalue, p.clipnorm, p.global_clipnorm})
    if (!std::isfinite(v) || v < 0) throw ArgumentError{"compile: optimizer settings must be finite numbers >= 0", true};
  if (has(o, "metrics")) {
    Napi::Value mv = o.Get("metrics");
    if (!mv.IsArray()) throw ArgumentError{"compile: 'metrics' must be an array of names"};
    Napi::Array arr = mv.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value v = arr.Get(i);
      const std::string m = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      if (m == "binaryAccuracy") s.metrics.push_back(graph::MetricKind::BinaryAccuracy);
      else if (m == "categoricalAccuracy") s.metrics.push_back(graph::MetricKind::CategoricalAccuracy);
      else if (m == "sparseCategoricalAccuracy") s.metrics.push_back(graph::MetricKind::SparseCategoricalAccuracy);
      else if (m == "meanSquaredError") s.metrics.push_back(graph::MetricKind::MeanSquaredError);
      else if (m == "meanAbsoluteError") s.metrics.push_back(graph::MetricKind::MeanAbsoluteError);
      else throw ArgumentError{"compile: metric '" + m + "' is not supported", true};
    }
  }
  return s;
}

// A typed array of exactly `length` elements, copied.
template <class T, napi_typedarray_type Kind>
void copy_array(const Napi::Object& o, const char* key, const char* op, const char* type_name, int64_t length,
                const std::string& shape, std::vector<T>* out) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind)
    throw ArgumentError{std::string(op) + ": '" + key + "' must be an " + type_name + " " + shape};
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(a.ElementLength()) != length)
    throw ArgumentError{std::string(op) + ": '" + key + "' expected shape " + shape + " (" + std::to_string(length) +
                            " elements), received " + std::to_string(a.ElementLength()) + " elements",
                        true};
  out->resize(static_cast<size_t>(length));
  if (length > 0) std::memcpy(out->data(), a.Data(), sizeof(T) * length);
}

std::string shape_of(int64_t batch, const std::vector<int64_t>& dims) {
  std::string s = "[" + std::to_string(batch);
  for (int64_t d : dims) s += ", " + std::to_string(d);
  return s + "]";
}

enum class StepKind { Train, Evaluate, Predict };

class ModelWrap;

class StepWorker : public Napi::AsyncWorker {
 public:
  StepWorker(Napi::Env env, ModelWrap* owner, Napi::Object owner_object, StepKind kind, graph::Batch batch,
             Napi::Promise::Deferred deferred, int64_t output_size);
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  ModelWrap* owner_;
  Napi::ObjectReference owner_ref_;  // keeps the model alive while the step is queued or runs
  StepKind kind_;
  graph::Batch batch_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Float32Array> output_;  // predict
  float* output_data_ = nullptr;
  graph::StepOutcome outcome_;
};

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {InstanceMethod<&ModelWrap::compile>("compile"),
                        InstanceMethod<&ModelWrap::train_step>("trainStep"),
                        InstanceMethod<&ModelWrap::evaluate_step>("evaluateStep"),
                        InstanceMethod<&ModelWrap::predict>("predict"),
                        InstanceMethod<&ModelWrap::get_weights>("getWeights"),
                        InstanceMethod<&ModelWrap::set_weights>("setWeights"),
                        InstanceMethod<&ModelWrap::reset_states>("resetStates"),
                        InstanceMethod<&ModelWrap::get_optimizer_state>("getOptimizerState"),
                        InstanceMethod<&ModelWrap::set_optimizer_state>("setOptimizerState"),
                        InstanceMethod<&ModelWrap::output_shape>("outputShape")});
  }

  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    try {
      if (info.Length() < 1 || !info[0].IsObject()) throw ArgumentError{"Model: expected a GraphSpec object"};
      model_ = std::make_unique<graph::Model>(parse_model_spec(info[0].As<Napi::Object>()));
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
  void require_idle(const char* op) const {
    if (running_ || !pending_.empty())
      throw ArgumentError{std::string(op) + ": a step of this model is still running; await it first"};
  }

  Napi::Value compile(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("compile");
      graph::CompileSpec spec = parse_compile_spec(require_object(info, 0, "compile"));
      try {
        model_->compile(spec);
      } catch (const std::invalid_argument& e) {
        throw ArgumentError{e.what(), true};
      }
      return info.Env().Undefined();
    });
  }

  Napi::Value train_step(const Napi::CallbackInfo& info) { return step(info, StepKind::Train, "trainStep"); }
  Napi::Value evaluate_step(const Napi::CallbackInfo& info) { return step(info, StepKind::Evaluate, "evaluateStep"); }
  Napi::Value predict(const Napi::CallbackInfo& info) { return step(info, StepKind::Predict, "predict"); }

  // Errors in the arguments reject the Promise (they do not throw synchronously).
  Napi::Value step(const Napi::CallbackInfo& info, StepKind kind, const char* op) {
    Napi::Env env = info.Env();
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    try {
      if (kind != StepKind::Predict && !model_->compiled())
        throw ArgumentError{std::string(op) + ": the model is not compiled (call compile first)"};
      Napi::Object args = require_object(info, 0, op);
      graph::Batch b;
      b.batch = get_int(args, "batch", op, 1, kMaxDim);
      if (static_cast<double>(b.batch) * static_cast<double>(model_->max_sample_size()) > 4.0e12)
        throw ArgumentError{std::string(op) + ": batch " + std::to_string(b.batch) + " is too large for this model", true};
      const std::string xshape = "[" + std::to_string(b.batch) + ", ...inputShape]";
      if (model_->int_input())
        copy_array<int32_t, napi_int32_array>(args, "x", op, "Int32Array", b.batch * model_->input_size(), xshape,
                                              &b.ids);
      else
        copy_array<float, napi_float32_array>(args, "x", op, "Float32Array", b.batch * model_->input_size(), xshape,
                                              &b.x);
      const bool targets = kind != StepKind::Predict;
      if (targets) {
        const std::vector<int64_t> out = model_->output_dims();
        if (model_->sparse_targets()) {
          std::vector<int64_t> tdims(out.begin(), out.end() - 1);
          copy_array<int32_t, napi_int32_array>(args, "y", op, "Int32Array of class ids",
                                                b.batch * model_->target_size(), shape_of(b.batch, tdims), &b.y_ids);
        } else {
          copy_array<float, napi_float32_array>(args, "y", op, "Float32Array", b.batch * model_->target_size(),
                                                shape_of(b.batch, out), &b.y);
        }
        if (has(args, "sampleWeight"))
          copy_array<float, napi_float32_array>(args, "sampleWeight", op, "Float32Array", b.batch,
                                                shape_of(b.batch, {}), &b.sample_weight);
        if (kind == StepKind::Train && has(args, "learningRate")) {
          b.learning_rate = get_number(args, "learningRate", op);
          if (!std::isfinite(b.learning_rate) || b.learning_rate < 0)
            throw ArgumentError{std::string(op) + ": 'learningRate' must be a finite number >= 0", true};
        }
      }
      try {
        model_->check_values(b, targets);
      } catch (const std::out_of_range& e) {
        throw ArgumentError{std::string(op) + ": " + e.what(), true};
      }
      int64_t output_size = 1;
      for (int64_t d : model_->output_dims()) output_size *= d;
      auto* worker = new StepWorker(env, this, Value(), kind, std::move(b), deferred, output_size);
      if (running_) {
        pending_.push_back(worker);
      } else {
        running_ = true;
        worker->Queue();
      }
    } catch (const ArgumentError& e) {
      deferred.Reject(e.range ? Napi::RangeError::New(env, e.message).Value()
                              : Napi::TypeError::New(env, e.message).Value());
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    } catch (const std::bad_alloc&) {
      deferred.Reject(Napi::RangeError::New(env, std::string(op) + ": out of memory").Value());
    } catch (const std::exception& e) {
      deferred.Reject(Napi::Error::New(env, std::string(op) + ": " + e.what()).Value());
    }
    return deferred.Promise();
  }

  Napi::Value get_weights(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("getWeights");
      Napi::Env env = info.Env();
      std::vector<graph::Parameter*> params = model_->weights();
      Napi::Array out = Napi::Array::New(env, params.size());
      for (size_t i = 0; i < params.size(); ++i) {
        Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(params[i]->size()));
        std::memcpy(a.Data(), params[i]->value.data(), sizeof(float) * params[i]->size());
        out.Set(static_cast<uint32_t>(i), a);
      }
      return out;
    });
  }

  Napi::Value set_weights(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("setWeights");
      if (info.Length() < 1 || !info[0].IsArray()) throw ArgumentError{"setWeights: expected an array of Float32Array"};
      Napi::Array arr = info[0].As<Napi::Array>();
      std::vector<graph::Parameter*> params = model_->weights();
      if (arr.Length() != params.size())
        throw ArgumentError{"setWeights: the model has " + std::to_string(params.size()) + " weights, received " +
                                std::to_string(arr.Length()),
                            true};
      std::vector<Napi::Float32Array> values;
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value v = arr.Get(i);
        const graph::Parameter& p = *params[i];
        const std::string what = "setWeights: weight " + std::to_string(i) + " ('" + p.name + "' of layer '" +
                                 model_->weight_layer(i) + "')";
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
          throw ArgumentError{what + " must be a Float32Array"};
        Napi::Float32Array a = v.As<Napi::Float32Array>();
        if (static_cast<int64_t>(a.ElementLength()) != p.size())
          throw ArgumentError{what + ": expected shape " + p.shape_text() + " (" + std::to_string(p.size()) +
                                  " elements), received " + std::to_string(a.ElementLength()) + " elements",
                              true};
        values.push_back(a);
      }
      for (size_t i = 0; i < params.size(); ++i)
        std::memcpy(params[i]->value.data(), values[i].Data(), sizeof(float) * params[i]->size());
      return info.Env().Undefined();
    });
  }

  Napi::Value reset_states(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      require_idle("resetStates");
      model_->reset_states();
      return info.Env().Undefined();
    });
  }

  // { step, iterations, slots: Float32Array[] } (two slots per weight, Keras order).
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
      Napi::Object o = require_object(info, 0, op);
      graph::OptimizerState s;
      s.step = static_cast<uint64_t>(get_int(o, "step", op, 0, (int64_t(1) << 53) - 1));
      s.iterations = get_int(o, "iterations", op, 0, (int64_t(1) << 53) - 1);
      Napi::Value sv = o.Get("slots");
      if (!sv.IsArray()) throw ArgumentError{"setOptimizerState: 'slots' must be an array of Float32Array"};
      Napi::Array arr = sv.As<Napi::Array>();
      const size_t expected = 2 * model_->weights().size();
      if (arr.Length() != expected)
        throw ArgumentError{"setOptimizerState: the model's optimizer has " + std::to_string(expected) +
                                " slots (2 per weight), received " + std::to_string(arr.Length()),
                            true};
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value v = arr.Get(i);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
          throw ArgumentError{"setOptimizerState: slots[" + std::to_string(i) + "] must be a Float32Array"};
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

  Napi::Value output_shape(const Napi::CallbackInfo& info) {
    return guarded(info, [&]() -> Napi::Value {
      std::vector<int64_t> dims = model_->output_dims();
      Napi::Array out = Napi::Array::New(info.Env(), dims.size());
      for (size_t i = 0; i < dims.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(dims[i]));
      return out;
    });
  }

  std::unique_ptr<graph::Model> model_;
  bool running_ = false;
  std::deque<StepWorker*> pending_;  // created, not yet queued
};

StepWorker::StepWorker(Napi::Env env, ModelWrap* owner, Napi::Object owner_object, StepKind kind, graph::Batch batch,
                       Napi::Promise::Deferred deferred, int64_t output_size)
    : Napi::AsyncWorker(env, "recurrent.Model"),
      owner_(owner),
      owner_ref_(Napi::Persistent(owner_object)),
      kind_(kind),
      batch_(std::move(batch)),
      deferred_(deferred) {
  if (kind_ == StepKind::Predict) {
    Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(batch_.batch * output_size));
    output_data_ = out.Data();
    output_ = Napi::Persistent(out);
  }
}

void StepWorker::Execute() {
  ScopedFlushDenormals flush;  // runtime/flush_denormals.h: this libuv thread, for this step only
  try {
    graph::Model& m = owner_->model();
    switch (kind_) {
      case StepKind::Train: outcome_ = m.train_step(batch_); break;
      case StepKind::Evaluate: outcome_ = m.evaluate_step(batch_); break;
      case StepKind::Predict: m.predict(batch_, output_data_); break;
    }
  } catch (const std::bad_alloc&) {
    SetError("Model: out of memory");
  } catch (const std::exception& e) {
    SetError(std::string("Model: ") + e.what());
  }
}

void StepWorker::OnOK() {
  Napi::Env env = Env();
  if (kind_ == StepKind::Predict) {
    deferred_.Resolve(output_.Value());
  } else {
    Napi::Object r = Napi::Object::New(env);
    r.Set("loss", outcome_.loss);
    Napi::Array metrics = Napi::Array::New(env, outcome_.metrics.size());
    for (size_t i = 0; i < outcome_.metrics.size(); ++i) metrics.Set(static_cast<uint32_t>(i), outcome_.metrics[i]);
    r.Set("metrics", metrics);
    r.Set("count", outcome_.count);
    deferred_.Resolve(r);
  }
  owner_->step_finished();
}

void StepWorker::OnError(const Napi::Error& e) {
  deferred_.Reject(e.Value());
  owner_->step_finished();
}

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) { exports.Set("Model", ModelWrap::define(env)); }

}  // namespace napi
}  // namespace recurrent
