// A Sequential model in native memory: its layers (with parameters, gradients and
// optimizer state), the compiled loss, metrics and optimizer, and one-call steps:
//   train_step:    forward (dropout on), loss, backward, regularization, clip, update
//   evaluate_step: forward (dropout off), loss and metrics
//   predict:       forward (dropout off)
// Not thread-safe: the binding runs at most one step of a model at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/layer.h"
#include "graph/optimizer.h"

namespace recurrent {
namespace graph {

// One batch copied out of JavaScript. B samples.
struct Batch {
  int64_t batch = 0;
  std::vector<float> x;              // [B, ...inputShape] (float input)
  std::vector<int32_t> ids;          // [B, T] (token input)
  std::vector<float> y;              // [B, ...outputShape]
  std::vector<int32_t> y_ids;        // [B(, T)] class ids (sparse categorical)
  std::vector<float> sample_weight;  // [B], or empty
  double learning_rate = -1.0;       // < 0: the compiled one
};

struct StepOutcome {
  double loss = 0.0;
  std::vector<double> metrics;
  double count = 0.0;
};

class Model {
 public:
  // Throws std::invalid_argument when the spec is inconsistent or unsupported.
  explicit Model(const ModelSpec& spec);

  void compile(const CompileSpec& spec);
  bool compiled() const { return optimizer_ != nullptr; }
  bool sparse_targets() const { return compile_.loss == LossKind::SparseCategoricalCrossentropy; }
  bool int_input() const { return spec_.int_input; }

  // Elements per sample.
  int64_t input_size() const;
  int64_t target_size() const;  // of y, or of y_ids for sparse targets
  std::vector<int64_t> output_dims() const;
  // The largest activation of one sample (elements), to bound a batch's memory.
  int64_t max_sample_size() const { return max_sample_size_; }

  // Checks token ids and class ids; throws std::out_of_range naming the layer and position.
  void check_values(const Batch& batch, bool with_targets) const;

  StepOutcome train_step(const Batch& batch);
  StepOutcome evaluate_step(const Batch& batch);
  void predict(const Batch& batch, float* out);  // out: [B, ...outputShape]

  // Keras order; the pointers stay valid.
  std::vector<Parameter*> weights();
  // Name of the layer owning each weight (for error messages).
  const std::string& weight_layer(size_t index) const { return weight_layers_[index]; }
  void reset_states();

 private:
  Flow run_forward(const Batch& batch, bool training);
  StepOutcome score(const Batch& batch, const Flow& out, bool training);
  double regularization(bool add_gradients);

  ModelSpec spec_;
  CompileSpec compile_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Parameter*> params_;
  std::vector<std::string> weight_layers_;
  std::unique_ptr<Optimizer> optimizer_;
  uint64_t steps_taken_ = 0;
  int64_t max_sample_size_ = 0;
  bool fused_softmax_ = false;
  std::vector<std::vector<float>> grads_;  // d loss / d output of each layer
  std::vector<float> row_weight_;
  std::vector<uint8_t> row_valid_;
};

}  // namespace graph
}  // namespace recurrent
