// Embedding: y[b, t] = E[id[b, t]]. Ids are checked before the step runs
// (Model::check_ids), so forward may index directly. maskZero: id 0 masks the step.
#include <cstring>

#include "graph/layers.h"

namespace recurrent {
namespace graph {
namespace {

class EmbeddingLayer : public Layer {
 public:
  EmbeddingLayer(const LayerSpec& spec, FlowShape input)
      : Layer(spec.name, input), vocab_(spec.input_dim), dim_(spec.output_dim), mask_zero_(spec.mask_zero) {
    output_ = FlowShape{input.features, dim_};  // input: [T] ids, held as features
    params_.emplace_back(name_ + "/embeddings", std::vector<int64_t>{vocab_, dim_}, spec.trainable,
                         spec.embeddings_regularizer);
  }

  Flow forward(const StepContext& ctx, const Flow& in) override {
    const int64_t BT = ctx.batch * output_.steps, D = dim_;
    ids_ = in.ids;
    y_.resize(static_cast<size_t>(BT * D));
    const float* E = params_[0].value.data();
    for (int64_t i = 0; i < BT; ++i) std::memcpy(&y_[i * D], E + int64_t(ids_[i]) * D, sizeof(float) * D);
    Flow out;
    out.data = y_.data();
    if (mask_zero_) {
      mask_.resize(static_cast<size_t>(BT));
      for (int64_t i = 0; i < BT; ++i) mask_[i] = ids_[i] != 0;
      out.mask = mask_.data();
    }
    return out;
  }

  // Scatter-add in (b, t) order: repeated ids sum in a fixed order.
  void backward(const StepContext& ctx, const float* dy, float*) override {
    Parameter& p = params_[0];
    if (!p.trainable) return;
    const int64_t BT = ctx.batch * output_.steps, D = dim_;
    float* dE = p.grad.data();
    for (int64_t i = 0; i < BT; ++i) {
      float* row = dE + int64_t(ids_[i]) * D;
      const float* g = dy + i * D;
      for (int64_t d = 0; d < D; ++d) row[d] += g[d];
    }
  }

 private:
  int64_t vocab_, dim_;
  bool mask_zero_;
  const int32_t* ids_ = nullptr;
  std::vector<float> y_;       // [B, T, D]
  std::vector<uint8_t> mask_;  // [B, T]
};

}  // namespace

std::unique_ptr<Layer> make_embedding_layer(const LayerSpec& spec, FlowShape input) {
  return std::make_unique<EmbeddingLayer>(spec, input);
}

}  // namespace graph
}  // namespace recurrent
