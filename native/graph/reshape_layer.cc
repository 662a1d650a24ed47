// Reshape and Flatten (Keras): the same data under another per-sample shape, so the
// output is the input's data itself (no copy); backward copies the gradient through.
// Reshape's targetShape may hold one -1, inferred from the element count (free when the
// input has a free axis); Flatten needs every axis known. No mask.
#include <stdexcept>
#include <string>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class ReshapeNode : public Node {
 public:
  explicit ReshapeNode(const LayerSpec& spec) : spec_(spec) {}

  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    const bool known = fully_known(in[0]);
    if (spec_.kind == LayerKind::Flatten) {
      if (!known) throw std::invalid_argument("needs every axis known, received " + shape_text(in[0]));
      return {{shape_size(in[0])}};
    }
    Shape out = spec_.target_shape;
    if (known_elements(out) > kMaxSampleElements)
      throw std::invalid_argument("targetShape " + shape_text(out, false) + " is too large");
    int64_t fixed = 1, inferred = -1;
    for (size_t a = 0; a < out.size(); ++a) {
      if (out[a] == -1) inferred = static_cast<int64_t>(a);
      else fixed *= out[a];
    }
    if (!known) {
      if (inferred < 0)
        throw std::invalid_argument("the input " + shape_text(in[0]) +
                                    " has a free axis: targetShape needs a -1 for it, received " + shape_text(out));
      out[inferred] = kFree;
      return {out};
    }
    const int64_t size = shape_size(in[0]);
    if (inferred >= 0 && size % fixed == 0) out[inferred] = size / fixed;
    if ((inferred >= 0 && size % fixed != 0) || shape_size(out) != size)
      throw std::invalid_argument("cannot reshape input " + shape_text(in[0]) + " (" + std::to_string(size) +
                                  " values per sample) to " + shape_text(spec_.target_shape, false));
    return {out};
  }

  void forward(const StepContext&, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    out[0]->data = in[0]->data;
  }

  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    if (dx[0]) ctx.backend->copy(dx[0], out[0]->grad, sizeof(float) * ctx.batch * in[0]->size());
  }

 private:
  const LayerSpec& spec_;
};

class ReshapeLayer : public Layer {
 public:
  explicit ReshapeLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<ReshapeNode>(spec_); }
};

}  // namespace

std::unique_ptr<Layer> make_reshape_layer(const LayerSpec& spec) { return std::make_unique<ReshapeLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
