// The native mirror of lib/graph_spec.ts: a Sequential model and its compile options as
// plain structs. The binding (napi/model_binding.cc) fills them from the JavaScript objects.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/activation.h"
#include "graph/parameter.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace graph {

struct RecurrentSpec {
  std::string name;
  CellType cell = CellType::Lstm;
  int64_t units = 0;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;
  bool use_bias = true;
  bool return_sequences = false;
  bool go_backwards = false;
  bool reset_after = true;
  float dropout = 0.0f;
  float recurrent_dropout = 0.0f;
  bool stateful = false;
  bool trainable = true;
  Regularizer kernel_regularizer, recurrent_regularizer, bias_regularizer;
};

enum class LayerKind { Embedding, Masking, Recurrent, Bidirectional, Dense, Dropout };
enum class MergeMode { Concat, Sum, Mul, Ave };
enum class DenseActivation { Linear, Relu, Sigmoid, Tanh, Softmax };

struct LayerSpec {
  LayerKind kind = LayerKind::Dense;
  std::string name;
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
  bool trainable = true;  // embedding, dense
  // dropout
  float rate = 0.0f;
};

struct ModelSpec {
  std::vector<int64_t> input_shape;  // per sample
  bool int_input = false;            // int32 token ids
  std::vector<LayerSpec> layers;
  uint64_t seed = 0;
};

enum class LossKind { MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
                      SparseCategoricalCrossentropy };
enum class MetricKind { BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, MeanSquaredError,
                        MeanAbsoluteError };
enum class OptimizerKind { Sgd, Adam, Rmsprop, Adadelta, Adagrad };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::Sgd;
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999;
  double epsilon = 1e-7;
  double rho = 0.9;
  double initial_accumulator_value = 0.1;
  double clipvalue = 0.0, clipnorm = 0.0, global_clipnorm = 0.0;
};

struct CompileSpec {
  LossKind loss = LossKind::MeanSquaredError;
  bool from_logits = false;
  OptimizerSpec optimizer;
  std::vector<MetricKind> metrics;
};

}  // namespace graph
}  // namespace recurrent
