// Masking (Keras): [T, F] -> the same, a step whose features all equal maskValue masked
// and its features zeroed; an incoming mask stays in force, as Keras combines them.
#include <stdexcept>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class MaskingNode : public Node {
 public:
  explicit MaskingNode(const LayerSpec& spec) : spec_(spec) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    if (in[0].size() != 2) throw std::invalid_argument("needs input of shape [steps, features], received " + shape_text(in[0]));
    return {in[0]};
  }
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    const int64_t R = ctx.batch * in[0]->shape[0], F = in[0]->shape[1];
    ctx.backend->masking(in[0]->data, spec_.mask_value, in[0]->mask, out[0]->own_data(R * F), out[0]->own_mask(R), R, F);
  }
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    if (!dx[0]) return;
    const int64_t R = ctx.batch * in[0]->shape[0], F = in[0]->shape[1];
    ctx.backend->apply_row_mask(out[0]->grad, out[0]->mask, dx[0], R, F);
  }

 private:
  const LayerSpec& spec_;
};

class MaskingLayer : public Layer {
 public:
  explicit MaskingLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<MaskingNode>(spec_); }
};

}  // namespace

std::unique_ptr<Layer> make_masking_layer(const LayerSpec& spec) { return std::make_unique<MaskingLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
