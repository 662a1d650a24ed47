// Concatenate (Keras) along one axis (a Keras axis: -1, the last, or 1 .. rank counting
// the batch axis); the inputs agree on every other axis. Seen as [outer, inner] blocks
// (outer: the batch and the axes before the joined one), the output's rows are each
// input's rows side by side. Masks: joined along time when the joined axis is the time
// axis (an input without a mask counts as all valid), else ANDed.
#include <stdexcept>
#include <string>

#include "graph/layer.h"
#include "graph/merged_mask.h"

namespace recurrent {
namespace graph {
namespace {

class ConcatenateNode : public Node {
 public:
  explicit ConcatenateNode(int64_t keras_axis) : keras_axis_(keras_axis) {}

  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    const int64_t rank = static_cast<int64_t>(in[0].size()), ax = axis(rank);
    if (ax < 0 || ax >= rank)
      throw std::invalid_argument("axis " + std::to_string(keras_axis_) + " is outside inputs of shape " +
                                  shape_text(in[0]) + " (axes 1 .. " + std::to_string(rank) +
                                  " counting the batch axis as 0)");
    Shape out = in[0];
    for (size_t i = 1; i < in.size(); ++i) {
      bool same = static_cast<int64_t>(in[i].size()) == rank;
      for (int64_t a = 0; same && a < rank; ++a)
        if (a != ax) same = join_axis(out[a], in[i][a], &out[a]);
      if (!same)
        throw std::invalid_argument("needs inputs that agree on every axis but " + std::to_string(keras_axis_) +
                                    ", received " + shape_text(in[0]) + " and " + shape_text(in[i]) + " (inputs 0 and " +
                                    std::to_string(i) + ")");
      out[ax] = (out[ax] == kFree || in[i][ax] == kFree) ? kFree : out[ax] + in[i][ax];
    }
    return {out};
  }

  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    Backend& be = *ctx.backend;
    const int64_t B = ctx.batch;
    const Layout l = layout(B, in);
    float* y = out[0]->own_data(l.outer * l.total);
    int64_t offset = 0;
    for (const Value* v : in) {
      const int64_t inner = v->size() / l.before;
      be.copy_columns(v->data, inner, y + offset, l.total, l.outer, inner, false);
      offset += inner;
    }
    if (!in[0]->has_time_axis()) return;
    if (l.axis > 0) {
      and_masks(be, in, out[0], B * in[0]->shape[0]);
      return;
    }
    bool any = false;
    for (const Value* v : in) any = any || v->mask;
    if (!any) return;
    // Joined along time: each sample's steps are the inputs' steps one after the other.
    const int64_t steps = out[0]->shape[0];
    uint8_t* m = out[0]->own_mask(B * steps);
    for (int64_t b = 0; b < B; ++b) {
      int64_t t0 = 0;
      for (const Value* v : in) {
        const int64_t T = v->shape[0];
        if (v->mask) be.copy(m + b * steps + t0, v->mask + b * T, T);
        else be.fill_u8(m + b * steps + t0, 1, T);
        t0 += T;
      }
    }
  }

  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    const Layout l = layout(ctx.batch, in);
    int64_t offset = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const int64_t inner = in[i]->size() / l.before;
      if (dx[i]) ctx.backend->copy_columns(out[0]->grad + offset, l.total, dx[i], inner, l.outer, inner, false);
      offset += inner;
    }
  }

 private:
  struct Layout {
    int64_t axis;    // per-sample axis joined
    int64_t before;  // elements per sample of the axes before it
    int64_t outer;   // B * before
    int64_t total;   // output elements per outer row
  };
  int64_t axis(int64_t rank) const { return keras_axis_ == -1 ? rank - 1 : keras_axis_ - 1; }
  Layout layout(int64_t B, const std::vector<Value*>& in) const {
    Layout l;
    l.axis = axis(static_cast<int64_t>(in[0]->shape.size()));
    l.before = 1;
    for (int64_t a = 0; a < l.axis; ++a) l.before *= in[0]->shape[a];
    l.outer = B * l.before;
    l.total = 0;
    for (const Value* v : in) l.total += v->size() / l.before;
    return l;
  }

  int64_t keras_axis_;
};

class ConcatenateLayer : public Layer {
 public:
  explicit ConcatenateLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<ConcatenateNode>(spec_.axis); }
};

}  // namespace

std::unique_ptr<Layer> make_concatenate_layer(const LayerSpec& spec) { return std::make_unique<ConcatenateLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
