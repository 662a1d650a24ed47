#include "napi/graph_spec_parser.h"

#include <cmath>
#include <map>

#include "kernels/backends.h"
#include "napi/spec_reader.h"

namespace recurrent {
namespace napi {
namespace {

using graph::LayerKind;
using graph::LayerSpec;
using graph::RecurrentSpec;

constexpr int64_t kMaxDim = int64_t(1) << 24;
constexpr int64_t kMaxRank = 8;
constexpr int64_t kMaxId = int64_t(1) << 31;

const std::vector<const char*> kRecurrentActivations{"linear", "tanh", "sigmoid", "relu", "hardSigmoid"};
const Activation kRecurrentActivationValues[] = {Activation::Linear, Activation::Tanh, Activation::Sigmoid,
                                                 Activation::Relu, Activation::HardSigmoid};

graph::Regularizer regularizer(const SpecReader& r, const char* key) {
  graph::Regularizer g;
  if (!r.has(key)) return g;
  SpecReader o(r.get(key), r.where() + ": '" + key + "'", {"l1", "l2"});
  g.l1 = static_cast<float>(o.finite_non_negative("l1"));
  g.l2 = static_cast<float>(o.finite_non_negative("l2"));
  return g;
}

RecurrentSpec recurrent_spec(const Napi::Value& v, const std::string& where) {
  SpecReader r(v, where,
               {"kind", "name", "cell", "units", "activation", "recurrentActivation", "useBias", "returnSequences",
                "returnState", "goBackwards", "resetAfter", "peephole", "dropout", "recurrentDropout", "stateful",
                "trainable", "kernelRegularizer", "recurrentRegularizer", "biasRegularizer"});
  r.one_of("kind", {"rnn"});
  RecurrentSpec s;
  s.name = r.string("name");
  const CellType cells[] = {CellType::SimpleRnn, CellType::Lstm, CellType::Gru};
  s.cell = cells[r.one_of("cell", {"simpleRnn", "lstm", "gru"})];
  s.units = r.integer("units", 1, kMaxDim);
  s.activation = kRecurrentActivationValues[r.one_of("activation", kRecurrentActivations)];
  s.recurrent_activation = kRecurrentActivationValues[r.one_of("recurrentActivation", kRecurrentActivations)];
  s.use_bias = r.boolean("useBias");
  s.return_sequences = r.boolean("returnSequences");
  s.return_state = r.boolean("returnState");
  s.go_backwards = r.boolean("goBackwards");
  s.reset_after = r.boolean("resetAfter");
  if (s.reset_after && s.cell != CellType::Gru) r.fail("resetAfter", "false for a " + std::string(s.cell == CellType::Lstm ? "lstm" : "simpleRnn") + " cell (it is a GRU option)");
  s.peephole = r.boolean("peephole");
  if (s.peephole && s.cell != CellType::Lstm) r.fail("peephole", "false for a non-LSTM cell (peepholes are an LSTM option)");
  s.dropout = r.fraction("dropout");
  s.recurrent_dropout = r.fraction("recurrentDropout");
  s.stateful = r.boolean("stateful");
  s.trainable = r.boolean("trainable");
  s.kernel_regularizer = regularizer(r, "kernelRegularizer");
  s.recurrent_regularizer = regularizer(r, "recurrentRegularizer");
  s.bias_regularizer = regularizer(r, "biasRegularizer");
  return s;
}

// The two directions of a Bidirectional must make one layer.
void check_directions(const RecurrentSpec& f, const RecurrentSpec& b, const std::string& where) {
  auto differ = [&](const char* what, const std::string& fv, const std::string& bv) {
    throw ArgumentError{where + ": the forward and backward layers must agree on " + what + ", received " + fv +
                            " and " + bv,
                        true};
  };
  auto text = [](bool v) { return std::string(v ? "true" : "false"); };
  const char* cells[] = {"'simpleRnn'", "'lstm'", "'gru'"};
  if (f.cell != b.cell) differ("cell", cells[int(f.cell)], cells[int(b.cell)]);
  if (f.units != b.units) differ("units", std::to_string(f.units), std::to_string(b.units));
  if (f.stateful != b.stateful) differ("stateful", text(f.stateful), text(b.stateful));
  if (f.return_sequences != b.return_sequences) differ("returnSequences", text(f.return_sequences), text(b.return_sequences));
  if (f.return_state != b.return_state) differ("returnState", text(f.return_state), text(b.return_state));
  if (b.go_backwards == f.go_backwards)
    throw ArgumentError{where + ": 'backward.goBackwards' must be the opposite of 'forward.goBackwards' (" +
                            text(!f.go_backwards) + "), received " + text(b.go_backwards),
                        true};
}

LayerSpec layer_spec(const Napi::Value& v, size_t index) {
  const std::string at = "Model: layers[" + std::to_string(index) + "]";
  if (!v.IsObject()) throw ArgumentError{at + " must be an object, received " + describe(v)};
  const Napi::Object o = v.As<Napi::Object>();
  const std::vector<const char*> kinds{"embedding", "masking", "rnn", "bidirectional", "dense", "dropout",
                                       "add", "subtract", "multiply", "average", "concatenate", "dot",
                                       "repeatVector", "reshape", "flatten", "attention"};
  const LayerKind kind_values[] = {LayerKind::Embedding, LayerKind::Masking, LayerKind::Recurrent,
                                   LayerKind::Bidirectional, LayerKind::Dense, LayerKind::Dropout,
                                   LayerKind::Add, LayerKind::Subtract, LayerKind::Multiply,
                                   LayerKind::Average, LayerKind::Concatenate, LayerKind::Dot,
                                   LayerKind::RepeatVector, LayerKind::Reshape, LayerKind::Flatten,
                                   LayerKind::Attention};
  // The kind and name first, so every later message names the layer.
  Napi::Value kind_value = o.Get("kind"), name_value = o.Get("name");
  int kind = -1;
  if (kind_value.IsString())
    for (size_t i = 0; i < kinds.size(); ++i)
      if (kind_value.As<Napi::String>().Utf8Value() == kinds[i]) kind = static_cast<int>(i);
  if (kind < 0) {
    std::string list;
    for (const char* k : kinds) list += std::string(list.empty() ? "" : ", ") + "'" + k + "'";
    throw ArgumentError{at + ": 'kind' must be one of " + list + ", received " + describe(kind_value),
                        kind_value.IsString()};
  }
  if (!name_value.IsString() || name_value.As<Napi::String>().Utf8Value().empty())
    throw ArgumentError{at + ": 'name' must be a non-empty string, received " + describe(name_value)};
  LayerSpec l;
  l.kind = kind_values[kind];
  l.name = name_value.As<Napi::String>().Utf8Value();
  const std::string where = "Model: layer '" + l.name + "'";
  switch (l.kind) {
    case LayerKind::Embedding: {
      SpecReader r(v, where, {"kind", "name", "inputDim", "outputDim", "maskZero", "trainable", "embeddingsRegularizer"});
      l.input_dim = r.integer("inputDim", 1, kMaxId - 1);
      l.output_dim = r.integer("outputDim", 1, kMaxDim);
      l.mask_zero = r.boolean("maskZero");
      l.trainable = r.boolean("trainable");
      l.embeddings_regularizer = regularizer(r, "embeddingsRegularizer");
      break;
    }
    case LayerKind::Masking: {
      SpecReader r(v, where, {"kind", "name", "maskValue"});
      l.mask_value = static_cast<float>(r.number("maskValue"));
      break;
    }
    case LayerKind::Recurrent:
      l.forward = recurrent_spec(v, where);
      l.trainable = l.forward.trainable;
      break;
    case LayerKind::Bidirectional: {
      SpecReader r(v, where, {"kind", "name", "mergeMode", "forward", "backward"});
      if (!r.has("mergeMode")) r.fail("mergeMode", "null or one of 'concat', 'sum', 'mul', 'ave'", false);
      if (r.get("mergeMode").IsNull()) {
        l.merge_mode = graph::MergeMode::None;
      } else {
        const graph::MergeMode modes[] = {graph::MergeMode::Concat, graph::MergeMode::Sum, graph::MergeMode::Mul,
                                          graph::MergeMode::Ave};
        l.merge_mode = modes[r.one_of("mergeMode", {"concat", "sum", "mul", "ave"})];
      }
      l.forward = recurrent_spec(r.get("forward"), where + ": 'forward'");
      l.backward = recurrent_spec(r.get("backward"), where + ": 'backward'");
      check_directions(l.forward, l.backward, where);
      break;
    }
    case LayerKind::Dense: {
      SpecReader r(v, where, {"kind", "name", "units", "activation", "useBias", "trainable", "kernelRegularizer",
                              "biasRegularizer"});
      l.units = r.integer("units", 1, kMaxDim);
      const graph::DenseActivation acts[] = {graph::DenseActivation::Linear, graph::DenseActivation::Relu,
                                             graph::DenseActivation::Sigmoid, graph::DenseActivation::Tanh,
                                             graph::DenseActivation::Softmax};
      l.activation = acts[r.one_of("activation", {"linear", "relu", "sigmoid", "tanh", "softmax"})];
      l.use_bias = r.boolean("useBias");
      l.trainable = r.boolean("trainable");
      l.kernel_regularizer = regularizer(r, "kernelRegularizer");
      l.bias_regularizer = regularizer(r, "biasRegularizer");
      break;
    }
    case LayerKind::Dropout: {
      SpecReader r(v, where, {"kind", "name", "rate"});
      l.rate = r.fraction("rate");
      break;
    }
    case LayerKind::Concatenate: {
      SpecReader r(v, where, {"kind", "name", "axis"});
      l.axis = r.integer("axis", -1, kMaxRank);
      if (l.axis == 0) r.fail("axis", "-1 (the last axis) or an axis from 1 (0 is the batch axis)");
      break;
    }
    case LayerKind::Dot: {
      SpecReader r(v, where, {"kind", "name", "axes", "normalize"});
      const std::vector<int64_t> axes = r.integers("axes", 1, kMaxRank, 2);
      l.axes[0] = axes[0];
      l.axes[1] = axes[1];
      l.normalize = r.boolean("normalize");
      break;
    }
    case LayerKind::Attention: {
      SpecReader r(v, where, {"kind", "name", "score", "useScale", "dropout", "trainable"});
      const graph::AttentionScore scores[] = {graph::AttentionScore::Dot, graph::AttentionScore::Concat,
                                              graph::AttentionScore::Additive};
      l.score = scores[r.one_of("score", {"dot", "concat", "additive"})];
      l.use_scale = r.boolean("useScale");
      l.rate = r.fraction("dropout");
      l.trainable = r.boolean("trainable");
      break;
    }
    case LayerKind::RepeatVector: {
      SpecReader r(v, where, {"kind", "name", "n"});
      l.n = r.integer("n", 1, kMaxDim);
      break;
    }
    case LayerKind::Reshape: {
      SpecReader r(v, where, {"kind", "name", "targetShape"});
      const std::string expected = "an array of 1 to 8 integers in [1, 16777216], at most one of them -1";
      Napi::Value t = r.get("targetShape");
      if (!t.IsArray()) r.fail("targetShape", expected, false);
      const Napi::Array a = t.As<Napi::Array>();
      if (a.Length() < 1 || a.Length() > kMaxRank) r.fail("targetShape", expected);
      int free = 0;
      for (uint32_t i = 0; i < a.Length(); ++i) {
        const Napi::Value d = a.Get(i);
        const double x = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : NAN;
        if (!(x == -1 || (x >= 1 && x <= double(kMaxDim) && x == std::floor(x)))) r.fail("targetShape", expected);
        free += x == -1;
        l.target_shape.push_back(static_cast<int64_t>(x));
      }
      if (free > 1) r.fail("targetShape", expected);
      break;
    }
    default: {  // add, subtract, multiply, average, flatten
      SpecReader r(v, where, {"kind", "name"});
      break;
    }
  }
  return l;
}

graph::InputSpec input_spec(const Napi::Value& v, size_t index) {
  SpecReader r(v, "Model: inputs[" + std::to_string(index) + "]", {"name", "shape", "dtype"});
  graph::InputSpec s;
  s.name = r.string("name");
  const std::string where = "Model: input '" + s.name + "'";
  const std::string expected = "an array of 1 to 8 axes, each an integer in [1, 16777216] or null (free)";
  Napi::Value sv = r.get("shape");
  if (!sv.IsArray()) throw ArgumentError{where + ": 'shape' must be " + expected + ", received " + describe(sv)};
  const Napi::Array a = sv.As<Napi::Array>();
  if (a.Length() < 1 || a.Length() > kMaxRank)
    throw ArgumentError{where + ": 'shape' must be " + expected + ", received " + describe(sv), true};
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const Napi::Value d = a.Get(i);
    if (d.IsNull()) {
      s.shape.push_back(graph::kFree);
      continue;
    }
    const double x = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : NAN;
    if (!(x >= 1 && x <= double(kMaxDim) && x == std::floor(x)))
      throw ArgumentError{where + ": 'shape' must be " + expected + ", received " + describe(d) + " at axis " +
                              std::to_string(i),
                          true};
    s.shape.push_back(static_cast<int64_t>(x));
  }
  s.int32 = r.one_of("dtype", {"float32", "int32"}) == 1;
  if (s.int32 && s.shape.size() != 1)
    throw ArgumentError{where + ": an int32 input holds token ids [steps]: its shape must have one axis, received " +
                            graph::shape_text(s.shape),
                        true};
  return s;
}

std::vector<int64_t> value_ids(const SpecReader& r, const char* key) { return r.integers(key, 0, kMaxId); }

// The entries of `list` (an array under that key) read by `read`; their names must be unique.
template <class Spec, class Read>
std::vector<Spec> named_list(const Napi::Array& a, const char* list, const char* noun, Read read) {
  std::vector<Spec> out;
  std::map<std::string, uint32_t> seen;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    out.push_back(read(a.Get(i), i));
    const auto [at, fresh] = seen.emplace(out.back().name, i);
    if (!fresh)
      throw ArgumentError{"Model: " + std::string(list) + "[" + std::to_string(i) + "]: the name '" + out.back().name +
                              "' is already " + list + "[" + std::to_string(at->second) + "]'s; " + noun +
                              " names must be unique",
                          true};
  }
  return out;
}

}  // namespace

graph::GraphSpec parse_graph_spec(const Napi::Value& value) {
  SpecReader r(value, "Model: the GraphSpec", {"inputs", "layers", "nodes", "outputs", "seed", "mixedPrecision"});
  graph::GraphSpec g;
  g.inputs = named_list<graph::InputSpec>(r.array("inputs"), "inputs", "input", input_spec);
  g.layers = named_list<LayerSpec>(r.array("layers"), "layers", "layer", layer_spec);
  const Napi::Array nodes = r.array("nodes");
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    const std::string where = "Model: nodes[" + std::to_string(i) + "]";
    SpecReader n(nodes.Get(i), where, {"layer", "inputs", "outputs", "call"});
    graph::NodeSpec s;
    s.layer = n.integer("layer", 0, kMaxId);
    s.inputs = value_ids(n, "inputs");
    s.outputs = value_ids(n, "outputs");
    if (n.has("call")) {
      // Checked against the layer's kind in Graph::check_structure.
      SpecReader c(n.get("call"), where + ": 'call'", {"returnAttentionScores", "useCausalMask"});
      s.call.return_attention_scores = c.boolean("returnAttentionScores");
      s.call.use_causal_mask = c.boolean("useCausalMask");
      s.has_call = true;
    }
    g.nodes.push_back(std::move(s));
  }
  g.outputs = value_ids(r, "outputs");
  g.seed = static_cast<uint64_t>(r.integer("seed", 0, (int64_t(1) << 53) - 1));
  const MixedPrecision policies[] = {MixedPrecision::None, MixedPrecision::Bfloat16};
  if (r.has("mixedPrecision")) g.mixed_precision = policies[r.one_of("mixedPrecision", {"float32", "bfloat16"})];
  for (LayerSpec& l : g.layers) l.forward.mixed_precision = l.backward.mixed_precision = g.mixed_precision;
  return g;
}

graph::CompileSpec parse_compile_spec(const Napi::Value& value) {
  SpecReader r(value, "compile", {"losses", "optimizer"});
  graph::CompileSpec c;
  const Napi::Array losses = r.array("losses");
  for (uint32_t k = 0; k < losses.Length(); ++k) {
    const Napi::Value lv = losses.Get(k);
    if (lv.IsNull()) {
      c.losses.emplace_back();
      continue;
    }
    SpecReader l(lv, "compile: losses[" + std::to_string(k) + "]", {"loss", "fromLogits", "weight", "metrics", "sampledSoftmax"});
    graph::OutputLossSpec s;
    const LossKind kinds[] = {LossKind::MeanSquaredError, LossKind::MeanAbsoluteError, LossKind::BinaryCrossentropy,
                              LossKind::CategoricalCrossentropy, LossKind::SparseCategoricalCrossentropy};
    s.loss = kinds[l.one_of("loss", {"meanSquaredError", "meanAbsoluteError", "binaryCrossentropy",
                                     "categoricalCrossentropy", "sparseCategoricalCrossentropy"})];
    s.from_logits = l.boolean("fromLogits");
    s.weight = l.finite_non_negative("weight");
    const Napi::Array metrics = l.array("metrics");
    const MetricKind metric_kinds[] = {MetricKind::BinaryAccuracy, MetricKind::CategoricalAccuracy,
                                       MetricKind::SparseCategoricalAccuracy, MetricKind::MeanSquaredError,
                                       MetricKind::MeanAbsoluteError};
    const std::vector<const char*> metric_names{"binaryAccuracy", "categoricalAccuracy", "sparseCategoricalAccuracy",
                                                "meanSquaredError", "meanAbsoluteError"};
    for (uint32_t i = 0; i < metrics.Length(); ++i) {
      const Napi::Value m = metrics.Get(i);
      int found = -1;
      if (m.IsString())
        for (size_t j = 0; j < metric_names.size(); ++j)
          if (m.As<Napi::String>().Utf8Value() == metric_names[j]) found = static_cast<int>(j);
      if (found < 0)
        throw ArgumentError{l.where() + ": metrics[" + std::to_string(i) +
                                "] must be one of 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', "
                                "'meanSquaredError', 'meanAbsoluteError', received " +
                                describe(m),
                            m.IsString()};
      s.metrics.push_back(metric_kinds[found]);
    }
    if (l.has("sampledSoftmax")) {
      SpecReader ss(l.get("sampledSoftmax"), l.where() + ": 'sampledSoftmax'", {"numSampled", "removeAccidentalHits"});
      s.sampled.num_sampled = ss.integer("numSampled", 1, (int64_t(1) << 31) - 1);
      s.sampled.remove_accidental_hits = ss.boolean("removeAccidentalHits");
    }
    c.losses.emplace_back(s);
  }
  SpecReader o(r.get("optimizer"), "compile: 'optimizer'",
               {"kind", "learningRate", "momentum", "nesterov", "beta1", "beta2", "epsilon", "rho",
                "initialAccumulatorValue", "clipvalue", "clipnorm", "globalClipnorm"});
  OptimizerSpec& p = c.optimizer;
  const OptimizerKind kinds[] = {OptimizerKind::Sgd, OptimizerKind::Adam, OptimizerKind::Rmsprop,
                                 OptimizerKind::Adadelta, OptimizerKind::Adagrad};
  p.kind = kinds[o.one_of("kind", {"sgd", "adam", "rmsprop", "adadelta", "adagrad"})];
  p.learning_rate = o.finite_non_negative("learningRate");
  p.momentum = o.finite_non_negative("momentum");
  p.nesterov = o.boolean("nesterov");
  p.beta1 = o.finite_non_negative("beta1");
  p.beta2 = o.finite_non_negative("beta2");
  p.epsilon = o.finite_non_negative("epsilon");
  p.rho = o.finite_non_negative("rho");
  p.initial_accumulator_value = o.finite_non_negative("initialAccumulatorValue");
  p.clipvalue = o.finite_non_negative("clipvalue");
  p.clipnorm = o.finite_non_negative("clipnorm");
  p.global_clipnorm = o.finite_non_negative("globalClipnorm");
  return c;
}

std::string parse_model_options(const Napi::Value& value) {
  if (value.IsUndefined()) return "cpu";
  SpecReader r(value, "Model: the options", {"backend"});
  if (!r.has("backend")) return "cpu";
  const Napi::Value b = r.get("backend");
  const std::string name = b.IsString() ? b.As<Napi::String>().Utf8Value() : "";
  if (!is_backend_name(name)) r.fail("backend", std::string("one of ") + backend_names(), b.IsString());
  return name;
}

}  // namespace napi
}  // namespace recurrent
