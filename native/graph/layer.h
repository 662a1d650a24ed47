// A layer of a native Sequential model: forward over one batch, backward from the
// gradient of its output, and the parameters it owns.
//
// B batch, T time steps, F features of the last axis. Activations flow as [B, T, F]
// (sequences) or [B, F]; a mask [B, T] (1 = valid step) travels with sequences as in
// Keras. A layer keeps what its backward needs from the last forward (its output
// buffers and pointers to its input), so forward and backward alternate per step.
// Parameter gradients accumulate (+=); input gradients are written (=).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/parameter.h"

namespace recurrent {
namespace graph {

// Per-sample shape: [steps, features] for sequences (steps > 0), else [features].
struct FlowShape {
  int64_t steps = 0;
  int64_t features = 0;
  bool sequence() const { return steps > 0; }
  int64_t size() const { return (steps > 0 ? steps : 1) * features; }
};

// One batch's activations between two layers.
struct Flow {
  const float* data = nullptr;    // [B, T, F] or [B, F]
  const int32_t* ids = nullptr;   // [B, T] token ids (into an Embedding first layer)
  const uint8_t* mask = nullptr;  // [B, T] or null: all steps valid
};

struct StepContext {
  int64_t batch = 0;
  bool training = false;
  uint64_t seed = 0;  // GraphSpec.seed
  uint64_t step = 0;  // training steps taken: dropout masks differ per step
};

class Layer {
 public:
  Layer(std::string name, FlowShape input) : name_(std::move(name)), input_(input), output_(input) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  FlowShape input_shape() const { return input_; }
  FlowShape output_shape() const { return output_; }

  // Keras weight order. Pointers stay valid for the layer's lifetime.
  virtual std::vector<Parameter*> parameters() {
    std::vector<Parameter*> p;
    for (auto& q : params_) p.push_back(&q);
    return p;
  }
  // Whether backward must run for the parameters' sake (any trainable parameter).
  bool has_trainable() {
    for (Parameter* p : parameters())
      if (p->trainable) return true;
    return false;
  }

  // Runs the layer; the returned flow stays valid until the next forward.
  virtual Flow forward(const StepContext& ctx, const Flow& in) = 0;
  // dy: d loss / d output, shaped as the output. dx: written, shaped as the input, or
  // null when the input needs no gradient. Trainable parameters' gradients +=.
  virtual void backward(const StepContext& ctx, const float* dy, float* dx) = 0;
  // Zeroes carried states (stateful recurrent layers).
  virtual void reset_states() {}
  // Softmax Dense: the loss may hand backward d loss / d logits directly (categorical
  // cross-entropy fused with the softmax, for stability).
  virtual bool softmax_output() const { return false; }
  virtual void set_fused_gradient(bool) {}

 protected:
  std::string name_;
  FlowShape input_, output_;
  std::vector<Parameter> params_;
};

}  // namespace graph
}  // namespace recurrent
