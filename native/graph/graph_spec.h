// The native mirror of lib/graph_spec.ts: a model as a DAG of layer applications and its
// compile options, as plain structs. The binding (napi/graph_spec_parser.cc) fills and
// validates them from the JavaScript objects; the graph (graph.h) checks the structure
// and infers the shapes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/activation.h"
#include "graph/shape.h"
#include "kernels/loss/loss.h"
#include "kernels/optimizer/optimizer_update.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace graph {

struct Regularizer {
  float l1 = 0.0f;
  float l2 = 0.0f;
  bool active() const { return l1 != 0.0f || l2 != 0.0f; }
};

struct RecurrentSpec {
  std::string name;
  CellType cell = CellType::Lstm;
  int64_t units = 0;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;
  bool use_bias = true;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool reset_after = false;
  bool peephole = false;
  float dropout = 0.0f;
  float recurrent_dropout = 0.0f;
  bool stateful = false;
  bool trainable = true;
  Regularizer kernel_regularizer, recurrent_regularizer, bias_regularizer;
  // The model's policy (GraphSpec.mixedPrecision), given to every recurrent layer.
  MixedPrecision mixed_precision = MixedPrecision::None;

  // Final states it outputs with returnState: h, and c for LSTM.
  int state_count() const { return cell == CellType::Lstm ? 2 : 1; }
};

enum class LayerKind {
  Embedding, Masking, Recurrent, Bidirectional, Dense, Dropout,
  Add, Subtract, Multiply, Average, Concatenate, Dot, RepeatVector, Reshape, Flatten, Attention
};
// How an attention layer scores a query against a key: Luong's dot product (Keras
// Attention), Keras Attention's 'concat' (a scalar times the summed tanh of q + k) or
// Bahdanau's additive score (Keras AdditiveAttention: a vector weighting tanh(q + k)).
enum class AttentionScore { Dot, Concat, Additive };
// None: mergeMode null, the two directions as two outputs.
enum class MergeMode { Concat, Sum, Mul, Ave, None };
enum class DenseActivation { Linear, Relu, Sigmoid, Tanh, Softmax };

struct LayerSpec {
  LayerKind kind = LayerKind::Dense;
  std::string name;
  bool trainable = true;  // embedding, dense (rnn: in forward)
  // embedding
  int64_t input_dim = 0, output_dim = 0;
  bool mask_zero = false;
  Regularizer embeddings_regularizer;
  // masking
  float mask_value = 0.0f;
  // rnn (forward), bidirectional (forward, backward)
  RecurrentSpec forward, backward;
  MergeMode merge_mode = MergeMode::Concat;
  // dense
  int64_t units = 0;
  DenseActivation activation = DenseActivation::Linear;
  bool use_bias = true;
  Regularizer kernel_regularizer, bias_regularizer;
  // dropout
  float rate = 0.0f;
  // concatenate: a Keras axis, -1 or 1 .. rank (counting the batch axis)
  int64_t axis = -1;
  // dot: Keras axes, each 1 .. rank
  int64_t axes[2] = {1, 1};
  bool normalize = false;
  // repeatVector
  int64_t n = 0;
  // reshape: at most one -1
  Shape target_shape;
  // attention (rate: the dropout on the attention weights)
  AttentionScore score = AttentionScore::Dot;
  bool use_scale = false;
};

struct InputSpec {
  std::string name;
  Shape shape;  // per sample, kFree for a free axis
  bool int32 = false;
};

// What one application of a layer was called with (Keras call arguments): attention only.
struct NodeCall {
  bool return_attention_scores = false;
  bool use_causal_mask = false;
};

struct NodeSpec {
  int64_t layer = 0;
  std::vector<int64_t> inputs, outputs;
  NodeCall call;
  bool has_call = false;  // the spec gave call arguments
};

struct GraphSpec {
  std::vector<InputSpec> inputs;
  std::vector<LayerSpec> layers;
  std::vector<NodeSpec> nodes;
  std::vector<int64_t> outputs;
  uint64_t seed = 0;
  MixedPrecision mixed_precision = MixedPrecision::None;  // every recurrent layer's products
};

// Sampled softmax in training (kernels/loss/sampled_softmax.h); evaluation keeps the
// full sparse categorical cross-entropy.
struct SampledSoftmaxSpec {
  int64_t num_sampled = 0;  // 0: off
  bool remove_accidental_hits = true;
};

struct OutputLossSpec {
  LossKind loss = LossKind::MeanSquaredError;
  bool from_logits = false;
  double weight = 1.0;
  std::vector<MetricKind> metrics;
  SampledSoftmaxSpec sampled;
};

struct CompileSpec {
  std::vector<std::optional<OutputLossSpec>> losses;  // one per model output; nullopt: no loss
  OptimizerSpec optimizer;
};

}  // namespace graph
}  // namespace recurrent
