// Dropout: inverted dropout in training (kept elements scaled by 1 / (1 - rate), a fresh
// mask every step from the node's stream); at inference its output is its input's data.
// The mask passes through.
#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class DropoutNode : public Node {
 public:
  DropoutNode(float rate, Backend* backend) : rate_(rate), factors_(backend) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override { return {in[0]}; }
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    active_ = ctx.training && rate_ > 0.0f;
    out[0]->mask = in[0]->mask;
    if (!active_) {
      out[0]->data = in[0]->data;
      return;
    }
    const int64_t n = ctx.batch * in[0]->size();
    float* f = factors_.ensure(n);
    ctx.backend->dropout_factors(rate_, ctx.seed, ctx.step, ctx.stream, f, n);
    ctx.backend->multiply(in[0]->data, f, out[0]->own_data(n), n);
  }
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    if (!dx[0]) return;
    const int64_t n = ctx.batch * in[0]->size();
    if (active_) ctx.backend->multiply(out[0]->grad, factors_.data(), dx[0], n);
    else ctx.backend->copy(dx[0], out[0]->grad, sizeof(float) * n);
  }

 private:
  float rate_;
  bool active_ = false;
  DeviceBuffer<float> factors_;  // [B, ...shape]
};

class DropoutLayer : public Layer {
 public:
  explicit DropoutLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend* backend) override { return std::make_unique<DropoutNode>(spec_.rate, backend); }
};

}  // namespace

std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec) { return std::make_unique<DropoutLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
