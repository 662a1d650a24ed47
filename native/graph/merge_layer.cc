// The elementwise merge layers (Keras): add, subtract (exactly two inputs), multiply and
// average over inputs of one shape; the output's mask is the AND of the inputs' masks.
//   add: y = x0 + x1 + ...; subtract: y = x0 - x1; multiply: y = x0 * x1 * ...;
//   average: y = (x0 + x1 + ...) * (1 / n).
#include <stdexcept>
#include <string>

#include "graph/layer.h"
#include "graph/merged_mask.h"

namespace recurrent {
namespace graph {
namespace {

class MergeNode : public Node {
 public:
  explicit MergeNode(LayerKind kind) : kind_(kind) {}

  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    Shape out = in[0];
    for (size_t i = 1; i < in.size(); ++i) {
      bool same = in[i].size() == out.size();
      for (size_t a = 0; same && a < out.size(); ++a) same = join_axis(out[a], in[i][a], &out[a]);
      if (!same)
        throw std::invalid_argument("needs inputs of one shape, received " + shape_text(in[0]) + " and " +
                                    shape_text(in[i]) + " (inputs 0 and " + std::to_string(i) + ")");
    }
    return {out};
  }

  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    Backend& be = *ctx.backend;
    const int64_t n = ctx.batch * in[0]->size();
    float* y = out[0]->own_data(n);
    switch (kind_) {
      case LayerKind::Subtract: be.subtract(in[0]->data, in[1]->data, y, n); break;
      case LayerKind::Multiply:
        be.multiply(in[0]->data, in[1]->data, y, n);
        for (size_t i = 2; i < in.size(); ++i) be.multiply(y, in[i]->data, y, n);
        break;
      default:  // add, average
        be.add(in[0]->data, in[1]->data, y, n);
        for (size_t i = 2; i < in.size(); ++i) be.add(y, in[i]->data, y, n);
        if (kind_ == LayerKind::Average) be.scale(y, 1.0f / static_cast<float>(in.size()), y, n);
    }
    if (in[0]->has_time_axis()) and_masks(be, in, out[0], ctx.batch * in[0]->shape[0]);
  }

  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    Backend& be = *ctx.backend;
    const int64_t n = ctx.batch * in[0]->size();
    const float* dy = out[0]->grad;
    for (size_t i = 0; i < in.size(); ++i) {
      float* d = dx[i];
      if (!d) continue;
      switch (kind_) {
        case LayerKind::Add: be.copy(d, dy, sizeof(float) * n); break;
        case LayerKind::Subtract:
          if (i == 0) be.copy(d, dy, sizeof(float) * n);
          else be.scale(dy, -1.0f, d, n);
          break;
        case LayerKind::Average: be.scale(dy, 1.0f / static_cast<float>(in.size()), d, n); break;
        default: {  // multiply: dy times the product of the other inputs
          bool first = true;
          for (size_t j = 0; j < in.size(); ++j) {
            if (j == i) continue;
            be.multiply(first ? dy : d, in[j]->data, d, n);
            first = false;
          }
        }
      }
    }
  }

 private:
  LayerKind kind_;
};

class MergeLayer : public Layer {
 public:
  explicit MergeLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<MergeNode>(spec_.kind); }
};

}  // namespace

std::unique_ptr<Layer> make_merge_layer(const LayerSpec& spec) { return std::make_unique<MergeLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
