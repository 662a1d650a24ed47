// Dropout: inverted dropout while training (kept elements scaled by 1 / (1 - rate)), the
// identity otherwise. The mask passes through.
#include <cstring>

#include "kernels/dropout/dropout_mask.h"
#include "graph/layers.h"

namespace recurrent {
namespace graph {
namespace {

class DropoutLayer : public Layer {
 public:
  DropoutLayer(const LayerSpec& spec, FlowShape input, uint64_t stream)
      : Layer(spec.name, input), rate_(spec.rate), stream_(stream) {}

  Flow forward(const StepContext& ctx, const Flow& in) override {
    active_ = ctx.training && rate_ > 0.0f;
    if (!active_) return in;
    const int64_t n = ctx.batch * input_.size();
    factors_.resize(static_cast<size_t>(n));
    y_.resize(static_cast<size_t>(n));
    dropout::dropout_factors_range(rate_, ctx.seed, ctx.step, stream_, factors_.data(), 0, n);
    for (int64_t i = 0; i < n; ++i) y_[i] = in.data[i] * factors_[i];
    Flow out = in;
    out.data = y_.data();
    return out;
  }

  void backward(const StepContext& ctx, const float* dy, float* dx) override {
    if (!dx) return;
    const int64_t n = ctx.batch * input_.size();
    if (!active_) {
      std::memcpy(dx, dy, sizeof(float) * n);
      return;
    }
    for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * factors_[i];
  }

 private:
  float rate_;
  uint64_t stream_;
  bool active_ = false;
  std::vector<float> factors_;  // [B, ...]
  std::vector<float> y_;
};

}  // namespace

std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec, FlowShape input, uint64_t stream) {
  return std::make_unique<DropoutLayer>(spec, input, stream);
}

}  // namespace graph
}  // namespace recurrent
