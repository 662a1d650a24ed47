// A model in native memory: its backend (one per model), its graph with the parameters,
// gradients and optimizer state, the compiled losses per output and the optimizer, and
// the steps:
//   compute_gradients: forward (dropout on), losses, backward, regularization gradients
//   apply_gradients:   clip, optimizer update, the step counter advances
//   train_step:        both in one call
//   evaluate_step:     forward (dropout off), losses and metrics
//   predict:           forward (dropout off), every output
// Not thread-safe: the binding runs at most one step of a model at a time, and its
// synchronous calls only while no step is queued. prepare() runs on the main thread
// before a step is queued and reads only what steps do not change.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/batch.h"
#include "graph/graph.h"
#include "graph/graph_spec.h"
#include "graph/optimizer.h"
#include "graph/output_loss.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

// What resuming training needs besides the weights: the optimizer's slots (two per weight
// in getWeights order, each empty or the weight's size), its update count, and the
// model's step count, which positions the dropout random streams.
struct OptimizerState {
  uint64_t step = 0;
  int64_t iterations = 0;
  std::vector<std::vector<float>> slots;  // [2 * weights][0 or weight size]
};

struct StepOutcome {
  double loss = 0.0;  // sum_k weight_k loss_k + regularization
  double count = 0.0;
  std::vector<std::optional<OutputScore>> outputs;  // per model output; nullopt: no loss
};

enum class StepKind { Train, ComputeGradients, Evaluate, Predict };

class Model {
 public:
  // Throws std::invalid_argument when the spec is inconsistent.
  Model(const GraphSpec& spec, std::unique_ptr<Backend> backend);

  const Graph& graph() const { return *graph_; }

  // Throws std::invalid_argument naming the output.
  void compile(const CompileSpec& spec);
  bool compiled() const { return optimizer_ != nullptr; }
  // The compiled loss of output k (null: none).
  const OutputLoss* loss(size_t k) const { return losses_[k].get(); }

  // Main thread, before a step is queued. infer: every value's shape for the batch's
  // input shapes (throws std::invalid_argument naming the layer). check: token and
  // class ids in range, the stateful batch size and the memory the step needs (throws
  // std::invalid_argument or std::out_of_range with the reason).
  void infer(Batch& batch) const;
  void check(Batch& batch, StepKind kind, const char* op);
  // Per-sample shape of output k's targets for this batch's shapes.
  Shape target_shape(const Batch& batch, size_t k) const;

  StepOutcome compute_gradients(const Batch& batch);
  void apply_gradients(double learning_rate);  // < 0: the compiled rate
  StepOutcome train_step(const Batch& batch);
  StepOutcome evaluate_step(const Batch& batch);
  // out[k]: host memory for output k, [B, ...its shape this batch].
  void predict(const Batch& batch, const std::vector<float*>& out);

  size_t weight_count() const { return graph_->params().count(); }
  const Parameter& weight(size_t i) const { return graph_->params().param(i); }
  void read_weight(size_t i, float* host) const;
  void write_weight(size_t i, const float* host);
  // values [offset, offset + count) of weight i (a large model's weights arrive in pieces,
  // so the event loop is never held long); throws std::invalid_argument past the end.
  void write_weight_range(size_t i, int64_t offset, const float* host, int64_t count);
  void read_weight_range(size_t i, int64_t offset, float* host, int64_t count) const;
  void read_gradient(size_t i, float* host) const;
  void write_gradient(size_t i, const float* host);
  void reset_states();

  // Needs a compiled model (std::logic_error otherwise).
  OptimizerState optimizer_state() const;
  // Checks the slot count, every slot's length and finiteness before changing anything;
  // throws std::invalid_argument naming the weight.
  void set_optimizer_state(const OptimizerState& state);
  // The pieces of set_optimizer_state, for a state that arrives in pieces: each slot's
  // length (getOptimizerState order: 2 per weight, 0 where the optimizer keeps none),
  // values [offset, offset + count) of slot s (finite: std::invalid_argument otherwise,
  // naming the weight), and the counters.
  std::vector<int64_t> slot_sizes() const;
  void write_slot_range(size_t s, int64_t offset, const float* host, int64_t count);
  void read_slot_range(size_t s, int64_t offset, float* host, int64_t count) const;
  void set_optimizer_counters(uint64_t step, int64_t iterations);
  uint64_t steps_taken() const { return steps_taken_; }
  int64_t optimizer_iterations() const;  // needs a compiled model (std::logic_error otherwise)

  int64_t memory_bytes() const { return backend_->bytes_in_use(); }
  int64_t allocations() const { return backend_->allocation_count(); }

 private:
  // Where [offset, offset + count) of weight i or slot s lies (std::invalid_argument past the
  // end); slot_range names the slot in *what.
  float* weight_range(size_t i, int64_t offset, int64_t count) const;
  float* slot_range(size_t s, int64_t offset, int64_t count, std::string* what) const;
  StepContext context(const Batch& batch, bool training) const;
  void run_forward(const Batch& batch, bool training);
  StepOutcome score(const Batch& batch, bool training, bool with_gradient);
  double regularization(bool add_gradients);

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Graph> graph_;
  std::vector<std::unique_ptr<OutputLoss>> losses_;
  std::unique_ptr<Optimizer> optimizer_;
  uint64_t steps_taken_ = 0;
  int64_t stateful_batch_ = 0;  // the batch size a stateful layer was first queued with (main thread)
  std::vector<DeviceBuffer<float>> staged_inputs_;
  std::vector<DeviceBuffer<int32_t>> staged_ids_;
  std::vector<DeviceBuffer<uint8_t>> staged_masks_;
};

}  // namespace graph
}  // namespace recurrent
