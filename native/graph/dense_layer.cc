// Dense on the last axis: y = act(x W + b) for every row of x [..., F] (on [T, F] this is
// Keras's TimeDistributed(Dense)); the mask passes through. The bias is broadcast into
// the rows first and the GEMM adds x W onto it.
#include <stdexcept>
#include <string>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class DenseLayer;

class DenseNode : public Node {
 public:
  DenseNode(const DenseLayer& layer, Backend* backend) : layer_(layer), dz_(backend) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;
  bool softmax_output() const override;
  void set_fused_softmax(bool fused) override { fused_ = fused; }

 private:
  const DenseLayer& layer_;
  bool fused_ = false;
  const float* x_ = nullptr;  // [R, F] as forward saw it
  const float* y_ = nullptr;  // [R, U]
  int64_t rows_ = 0;          // R = B * (the input's elements per sample / F)
  DeviceBuffer<float> dz_;    // [R, U] d loss / d pre-activation
};

class DenseLayer : public Layer {
 public:
  explicit DenseLayer(const LayerSpec& spec) : Layer(spec) {}
  void build(const std::vector<Shape>& in) override {
    if (in[0].empty() || in[0].back() == kFree)
      throw std::invalid_argument("needs a known size of the last axis, received " + shape_text(in[0]));
    features_ = in[0].back();
    weights_.push_back({spec_.name + "/kernel", {features_, spec_.units}, spec_.trainable, spec_.kernel_regularizer});
    if (spec_.use_bias)
      weights_.push_back({spec_.name + "/bias", {spec_.units}, spec_.trainable, spec_.bias_regularizer});
  }
  std::unique_ptr<Node> make_node(Backend* backend) override { return std::make_unique<DenseNode>(*this, backend); }
  int64_t features() const { return features_; }

 private:
  int64_t features_ = 0;
};

std::vector<Shape> DenseNode::output_shapes(const std::vector<Shape>& in) const {
  if (in[0].empty() || in[0].back() != layer_.features())
    throw std::invalid_argument("was built for inputs with " + std::to_string(layer_.features()) +
                                " features on the last axis, received " + shape_text(in[0]));
  Shape out = in[0];
  out.back() = layer_.spec().units;
  return {out};
}

bool DenseNode::softmax_output() const { return layer_.spec().activation == DenseActivation::Softmax; }

Activation activation_of(DenseActivation a) {
  switch (a) {
    case DenseActivation::Relu: return Activation::Relu;
    case DenseActivation::Sigmoid: return Activation::Sigmoid;
    case DenseActivation::Tanh: return Activation::Tanh;
    default: return Activation::Linear;
  }
}

void DenseNode::forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) {
  Backend& be = *ctx.backend;
  const LayerSpec& s = layer_.spec();
  const int64_t F = layer_.features(), U = s.units, R = ctx.batch * (in[0]->size() / F);
  x_ = in[0]->data;
  rows_ = R;
  float* y = out[0]->own_data(R * U);
  if (s.use_bias) be.broadcast_rows(layer_.value(1), y, R, U);
  be.gemm(false, false, R, U, F, 1.0f, x_, F, layer_.value(0), U, s.use_bias ? 1.0f : 0.0f, y, U);
  if (s.activation == DenseActivation::Softmax) be.softmax_rows(y, y, R, U);
  else if (s.activation != DenseActivation::Linear) be.activation(activation_of(s.activation), y, y, R * U);
  y_ = y;
  out[0]->mask = in[0]->mask;
}

void DenseNode::backward(const StepContext& ctx, const std::vector<Value*>&, const std::vector<Value*>& out,
                         const std::vector<float*>& dx) {
  Backend& be = *ctx.backend;
  const LayerSpec& s = layer_.spec();
  const int64_t F = layer_.features(), U = s.units, R = rows_;
  const bool train = layer_.trainable(0);
  if (!train && !dx[0]) return;
  const float* dy = out[0]->grad;
  const float* dz = dy;  // linear, or the loss handed d loss / d logits
  if (!fused_ && s.activation != DenseActivation::Linear) {
    float* d = dz_.ensure(R * U);
    if (s.activation == DenseActivation::Softmax) be.softmax_rows_backward(y_, dy, d, R, U);
    else be.activation_backward(activation_of(s.activation), y_, dy, d, R * U);
    dz = d;
  }
  if (train) {
    be.gemm(true, false, F, U, R, 1.0f, x_, F, dz, U, 1.0f, layer_.grad(0), U);
    if (s.use_bias) be.column_sums_add(dz, layer_.grad(1), R, U);
  }
  if (dx[0]) be.gemm(false, true, R, F, U, 1.0f, dz, U, layer_.value(0), U, 0.0f, dx[0], F);
}

}  // namespace

std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec) { return std::make_unique<DenseLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
