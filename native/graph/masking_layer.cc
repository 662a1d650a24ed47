// Masking (Keras): a step whose features all equal maskValue is masked, and its
// features are zeroed in the output.
#include "graph/layers.h"

namespace recurrent {
namespace graph {
namespace {

class MaskingLayer : public Layer {
 public:
  MaskingLayer(const LayerSpec& spec, FlowShape input) : Layer(spec.name, input), mask_value_(spec.mask_value) {}

  Flow forward(const StepContext& ctx, const Flow& in) override {
    const int64_t BT = ctx.batch * input_.steps, F = input_.features;
    y_.resize(static_cast<size_t>(BT * F));
    mask_.resize(static_cast<size_t>(BT));
    for (int64_t i = 0; i < BT; ++i) {
      const float* x = in.data + i * F;
      bool valid = false;
      for (int64_t f = 0; f < F; ++f) valid = valid || x[f] != mask_value_;
      // An incoming mask (from an earlier Masking) stays in force, as Keras combines them.
      if (in.mask && !in.mask[i]) valid = false;
      mask_[i] = valid;
      for (int64_t f = 0; f < F; ++f) y_[i * F + f] = valid ? x[f] : 0.0f;
    }
    Flow out;
    out.data = y_.data();
    out.mask = mask_.data();
    return out;
  }

  void backward(const StepContext& ctx, const float* dy, float* dx) override {
    if (!dx) return;
    const int64_t BT = ctx.batch * input_.steps, F = input_.features;
    for (int64_t i = 0; i < BT; ++i)
      for (int64_t f = 0; f < F; ++f) dx[i * F + f] = mask_[i] ? dy[i * F + f] : 0.0f;
  }

 private:
  float mask_value_;
  std::vector<float> y_;       // [B, T, F]
  std::vector<uint8_t> mask_;  // [B, T]
};

}  // namespace

std::unique_ptr<Layer> make_masking_layer(const LayerSpec& spec, FlowShape input) {
  return std::make_unique<MaskingLayer>(spec, input);
}

}  // namespace graph
}  // namespace recurrent
