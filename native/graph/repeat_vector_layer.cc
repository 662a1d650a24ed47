// RepeatVector (Keras): [F] -> [n, F], the vector at every step; backward sums the
// steps' gradients. No mask.
#include <stdexcept>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class RepeatVectorNode : public Node {
 public:
  explicit RepeatVectorNode(int64_t n) : n_(n) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    if (in[0].size() != 1) throw std::invalid_argument("needs input of shape [features], received " + shape_text(in[0]));
    return {{n_, in[0][0]}};
  }
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    const int64_t B = ctx.batch, F = in[0]->shape[0];
    ctx.backend->repeat_rows(in[0]->data, out[0]->own_data(B * n_ * F), B, n_, F);
  }
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    if (dx[0]) ctx.backend->sum_repeats(out[0]->grad, dx[0], ctx.batch, n_, in[0]->shape[0]);
  }

 private:
  int64_t n_;
};

class RepeatVectorLayer : public Layer {
 public:
  explicit RepeatVectorLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<RepeatVectorNode>(spec_.n); }
};

}  // namespace

std::unique_ptr<Layer> make_repeat_vector_layer(const LayerSpec& spec) {
  return std::make_unique<RepeatVectorLayer>(spec);
}

}  // namespace graph
}  // namespace recurrent
