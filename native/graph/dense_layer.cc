// Dense on the last axis: y = act(x W + b) for every row of x [..., F] (on [T, F] this is
// Keras's TimeDistributed(Dense)); the mask passes through. The bias is broadcast into
// the rows first and the GEMM adds x W onto it. Trained with sampled softmax
// (graph/sampled_softmax_head.h) a training step computes only the candidates' logits:
// with Wc [R + S, F] the kernel's columns of the rows' labels and of the sampled ids,
//   true_r = x_r . Wc_r + b[label_r],  sampled[r, j] = x_r . Wc_{R + j} + b[sampled_j]
// and backward scatters dWc back into the kernel's columns.
#include <stdexcept>
#include <string>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class DenseLayer;

class DenseNode : public Node, public SampledSoftmaxHead {
 public:
  DenseNode(const DenseLayer& layer, Backend* backend)
      : layer_(layer), dz_(backend), wc_(backend), bc_(backend), logits_(backend), dlogits_(backend), dwc_(backend),
        dbc_(backend) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;
  bool softmax_output() const override;
  void set_fused_softmax(bool fused) override { fused_ = fused; }
  SampledSoftmaxHead* sampled_softmax_head() override;
  void set_sampled_training(bool on) override { sampled_ = on; }
  int64_t classes() const override;
  CandidateLogits candidate_logits(Backend& be, const int32_t* candidates, int64_t samples) override;

 private:
  void sampled_backward(Backend& be, const float* dsampled, float* dx);

  const DenseLayer& layer_;
  bool fused_ = false;
  bool sampled_ = false;        // compiled with sampled softmax
  bool sampled_step_ = false;   // this step's forward left the output to candidate_logits
  const float* x_ = nullptr;  // [R, F] as forward saw it
  const float* y_ = nullptr;  // [R, U]
  int64_t rows_ = 0;          // R = B * (the input's elements per sample / F)
  DeviceBuffer<float> dz_;    // [R, U] d loss / d pre-activation
  // Sampled softmax steps: n = R + S candidates.
  const int32_t* candidates_ = nullptr;  // [n]
  int64_t samples_ = 0;
  DeviceBuffer<float> wc_, bc_;          // [n, F] kernel columns, [n] biases
  DeviceBuffer<float> logits_, dlogits_; // [R + R * S]: the true logits, then the sampled
  DeviceBuffer<float> dwc_, dbc_;        // [n, F], [n]
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
  sampled_step_ = sampled_ && ctx.training;
  if (sampled_step_) {
    candidates_ = nullptr;
    out[0]->mask = in[0]->mask;
    return;
  }
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
  if (sampled_step_) return sampled_backward(be, dy, dx[0]);
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

SampledSoftmaxHead* DenseNode::sampled_softmax_head() {
  const DenseActivation a = layer_.spec().activation;
  return a == DenseActivation::Softmax || a == DenseActivation::Linear ? this : nullptr;
}

int64_t DenseNode::classes() const { return layer_.spec().units; }

CandidateLogits DenseNode::candidate_logits(Backend& be, const int32_t* candidates, int64_t S) {
  if (!sampled_step_) throw std::logic_error("sampled softmax: the output layer's forward was not a sampled training step");
  const LayerSpec& s = layer_.spec();
  const int64_t F = layer_.features(), U = s.units, R = rows_, n = R + S;
  candidates_ = candidates;
  samples_ = S;
  float* wc = wc_.ensure(n * F);
  be.gather_columns(layer_.value(0), candidates, wc, n, F, U);
  float* logits = logits_.ensure(R + R * S);
  float* sampled = logits + R;
  be.row_dots(x_, wc, logits, R, F);
  if (s.use_bias) {
    float* bc = bc_.ensure(n);
    be.gather_rows(layer_.value(1), candidates, bc, n, 1);
    be.add(logits, bc, logits, R);
    be.broadcast_rows(bc + R, sampled, R, S);
  }
  be.gemm(false, true, R, S, F, 1.0f, x_, F, wc + R * F, F, s.use_bias ? 1.0f : 0.0f, sampled, S);
  float* dlogits = dlogits_.ensure(R + R * S);
  return {R, logits, sampled, dlogits, dlogits + R};
}

// dlogits_ holds [dtrue (R) | dsampled (R, S)]; the output's gradient points at dsampled.
void DenseNode::sampled_backward(Backend& be, const float* dsampled, float* dx) {
  if (!candidates_) throw std::logic_error("sampled softmax: backward without the loss's candidate logits");
  const LayerSpec& s = layer_.spec();
  const int64_t F = layer_.features(), U = s.units, R = rows_, S = samples_, n = R + S;
  const float* dtrue = dlogits_.data();
  const float* wc = wc_.data();
  if (layer_.trainable(0)) {
    float* dwc = dwc_.ensure(n * F);
    be.scale_rows(x_, dtrue, dwc, R, F, false);
    be.gemm(true, false, S, F, R, 1.0f, dsampled, S, x_, F, 0.0f, dwc + R * F, F);
    be.scatter_add_columns(dwc, candidates_, layer_.grad(0), n, F, U);
  }
  if (s.use_bias && layer_.trainable(1)) {
    float* dbc = dbc_.ensure(n);
    be.copy(dbc, dtrue, sizeof(float) * R);
    be.fill(dbc + R, 0.0f, S);
    be.column_sums_add(dsampled, dbc + R, R, S);
    be.scatter_add_rows(dbc, candidates_, layer_.grad(1), n, 1);
  }
  if (dx) {
    be.scale_rows(wc, dtrue, dx, R, F, false);
    be.gemm(false, false, R, F, S, 1.0f, dsampled, S, wc + R * F, F, 1.0f, dx, F);
  }
}

}  // namespace

std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec) { return std::make_unique<DenseLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
