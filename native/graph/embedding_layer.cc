// Embedding: y[b, t] = E[id[b, t]] for int32 ids [T] -> [T, outputDim]. Ids are checked
// before a step is queued (Model::prepare), so forward indexes directly. maskZero: id 0
// masks the step, ANDed with an explicit mask of the ids' input.
#include <stdexcept>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class EmbeddingLayer;

class EmbeddingNode : public Node {
 public:
  explicit EmbeddingNode(const EmbeddingLayer& layer) : layer_(layer) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;

 private:
  const EmbeddingLayer& layer_;
  const int32_t* ids_ = nullptr;  // [B, T] the last forward's
  int64_t rows_ = 0;              // B * T
};

class EmbeddingLayer : public Layer {
 public:
  explicit EmbeddingLayer(const LayerSpec& spec) : Layer(spec) {}
  void build(const std::vector<Shape>&) override {
    weights_.push_back({spec_.name + "/embeddings", {spec_.input_dim, spec_.output_dim}, spec_.trainable,
                        spec_.embeddings_regularizer});
  }
  std::unique_ptr<Node> make_node(Backend*) override { return std::make_unique<EmbeddingNode>(*this); }
};

std::vector<Shape> EmbeddingNode::output_shapes(const std::vector<Shape>& in) const {
  if (in[0].size() != 1) throw std::invalid_argument("needs token ids of shape [steps], received " + shape_text(in[0]));
  return {{in[0][0], layer_.spec().output_dim}};
}

void EmbeddingNode::forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) {
  Backend& be = *ctx.backend;
  const int64_t N = ctx.batch * in[0]->shape[0], D = layer_.spec().output_dim;
  ids_ = in[0]->ids;
  rows_ = N;
  be.gather_rows(layer_.value(0), ids_, out[0]->own_data(N * D), N, D);
  if (layer_.spec().mask_zero) {
    uint8_t* mask = out[0]->own_mask(N);
    be.mask_nonzero(ids_, mask, N);
    if (in[0]->mask) be.mask_and(mask, in[0]->mask, mask, N);
  } else {
    out[0]->mask = in[0]->mask;
  }
}

void EmbeddingNode::backward(const StepContext& ctx, const std::vector<Value*>&, const std::vector<Value*>& out,
                             const std::vector<float*>&) {
  if (!layer_.trainable(0)) return;
  ctx.backend->scatter_add_rows(out[0]->grad, ids_, layer_.grad(0), rows_, layer_.spec().output_dim);
}

}  // namespace

std::unique_ptr<Layer> make_embedding_layer(const LayerSpec& spec) { return std::make_unique<EmbeddingLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
