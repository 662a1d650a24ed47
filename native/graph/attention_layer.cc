// Attention (Keras Attention and AdditiveAttention) over [query [Tq, D], value [Tv, Dv],
// key [Tv, D] (default: the value)]:
//   scores  S = Q K^T (times the scalar `scale` with useScale)                    'dot'
//             = c * sum_d tanh(s (q + k))   (c: concat_score_weight, s: scale)    'concat'
//             = sum_d scale_d tanh(q + k)   (scale [D] with useScale, else 1)     'additive'
//   masking S -= 1e9 where the value's mask marks padding, and above the diagonal with
//           useCausalMask; W = softmax over the keys; in training W is dropped out at
//           `dropout` (inverted); the output is W V, zeroed where the query's mask is 0,
//           and carries the query's mask. returnAttentionScores adds W (as used) as a
//           second output [Tq, Tv]. The key's own mask is not read, as in Keras.
//           useCausalMask and returnAttentionScores are per application (Keras call
//           arguments: NodeSpec.call).
// Weights: 'dot'/'concat' with useScale a scalar `scale` (ones); 'concat' a scalar
// `concat_score_weight` (ones) after it; 'additive' with useScale `scale` [D].
#include <stdexcept>
#include <string>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

class AttentionLayer;

class AttentionNode : public Node {
 public:
  AttentionNode(const AttentionLayer& layer, Backend* b)
      : layer_(layer), raw_(b), scores_(b), weights_(b), factors_(b), dropped_weights_(b), ones_(b), dout_(b),
        dweights_(b), dscores_(b), dkey_(b), product_(b) {}
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void set_call(const NodeCall& call) override { call_ = call; }
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;
  double workspace_floats(int64_t batch, const std::vector<Shape>& in) const override {
    const double s = double(batch) * double(in[0][0]) * double(in[1][0]);
    return 8.0 * s + 2.0 * double(batch) * double(in[0][0]) * double(in[1][1]);
  }

 private:
  float scalar(Backend& be, size_t k) const;
  // The additive score's weights: `scale` [D], or a one without useScale.
  const float* additive_weights(Backend& be, bool* scalar_weight);

  const AttentionLayer& layer_;
  NodeCall call_;
  // What forward saw, for backward.
  const float *q_ = nullptr, *k_ = nullptr, *v_ = nullptr;
  const uint8_t* q_mask_ = nullptr;
  int64_t Tq_ = 0, Tv_ = 0, D_ = 0, Dv_ = 0;
  bool dropped_ = false;
  float scale_ = 1.0f;             // the scalar `scale` as forward read it (1 without one), for backward
  const float* used_ = nullptr;  // W as multiplied into V (dropped out in training)
  DeviceBuffer<float> raw_;       // [B, Tq, Tv] Q K^T before the scale ('dot' with useScale)
  DeviceBuffer<float> scores_;    // [B, Tq, Tv] masked scores
  DeviceBuffer<float> weights_;   // [B, Tq, Tv] softmax
  DeviceBuffer<float> factors_;   // [B, Tq, Tv] dropout factors
  DeviceBuffer<float> dropped_weights_;  // [B, Tq, Tv] W times the factors
  DeviceBuffer<float> ones_;      // [1] the weight of 'additive' without useScale
  DeviceBuffer<float> dout_;      // [B, Tq, Dv] the output's gradient with the query mask applied
  DeviceBuffer<float> dweights_;  // [B, Tq, Tv]
  DeviceBuffer<float> dscores_;   // [B, Tq, Tv]
  DeviceBuffer<float> dkey_;      // [B, Tv, D] the key's gradient when the key is the value
  DeviceBuffer<float> product_;   // [B, Tq, Tv] dS * raw, summed into the scale's gradient
};

class AttentionLayer : public Layer {
 public:
  explicit AttentionLayer(const LayerSpec& spec) : Layer(spec) {}
  void build(const std::vector<Shape>& in) override {
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i].size() != 2 || in[i][1] == kFree)
        throw std::invalid_argument("takes inputs [steps, features] with known features, received " +
                                    shape_text(in[i]) + " (input " + std::to_string(i) + ")");
    dim_ = in[0][1];
    const AttentionScore score = spec_.score;
    if (spec_.use_scale) {
      scale_ = static_cast<int>(weights_.size());
      weights_.push_back({spec_.name + "/scale", score == AttentionScore::Additive ? Shape{dim_} : Shape{},
                          spec_.trainable, {}});
    }
    if (score == AttentionScore::Concat) {
      concat_ = static_cast<int>(weights_.size());
      weights_.push_back({spec_.name + "/concat_score_weight", Shape{}, spec_.trainable, {}});
    }
  }
  std::unique_ptr<Node> make_node(Backend* backend) override { return std::make_unique<AttentionNode>(*this, backend); }
  int64_t dim() const { return dim_; }
  int scale_index() const { return scale_; }    // -1: no scale weight
  int concat_index() const { return concat_; }  // -1: not 'concat'

 private:
  int64_t dim_ = 0;
  int scale_ = -1, concat_ = -1;
};

std::vector<Shape> AttentionNode::output_shapes(const std::vector<Shape>& in) const {
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].size() != 2)
      throw std::invalid_argument("takes inputs [steps, features], received " + shape_text(in[i]) + " (input " +
                                  std::to_string(i) + ")");
  const Shape& q = in[0];
  const Shape& v = in[1];
  const Shape& k = in.size() > 2 ? in[2] : in[1];
  if (q[1] != layer_.dim())
    throw std::invalid_argument("was built for queries of " + std::to_string(layer_.dim()) + " features, received " +
                                shape_text(q));
  if (k[1] != q[1])
    throw std::invalid_argument("needs keys with the query's " + std::to_string(q[1]) + " features, received " +
                                shape_text(k) + (in.size() > 2 ? " (the key)" : " (the value, which is the key)"));
  int64_t steps = 0;
  if (!join_axis(v[0], k[0], &steps))
    throw std::invalid_argument("needs a value and a key of one length, received " + shape_text(v) + " and " +
                                shape_text(k));
  std::vector<Shape> out{{q[0], v[1]}};
  if (call_.return_attention_scores) out.push_back({q[0], steps});
  return out;
}

float AttentionNode::scalar(Backend& be, size_t k) const {
  float x = 0.0f;
  be.download(&x, layer_.value(k), sizeof(float));
  be.synchronize();
  return x;
}

const float* AttentionNode::additive_weights(Backend& be, bool* scalar_weight) {
  *scalar_weight = layer_.scale_index() < 0;
  if (!*scalar_weight) return layer_.value(static_cast<size_t>(layer_.scale_index()));
  if (!ones_.data()) be.fill(ones_.ensure(1), 1.0f, 1);
  return ones_.data();
}

void AttentionNode::forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) {
  Backend& be = *ctx.backend;
  const LayerSpec& s = layer_.spec();
  const int64_t B = ctx.batch;
  const Value& q = *in[0];
  const Value& v = *in[1];
  const Value& k = in.size() > 2 ? *in[2] : *in[1];
  q_ = q.data, k_ = k.data, v_ = v.data, q_mask_ = q.mask;
  Tq_ = q.shape[0], Tv_ = v.shape[0], D_ = q.shape[1], Dv_ = v.shape[1];
  const int64_t n = B * Tq_ * Tv_;
  float* S = scores_.ensure(n);
  // One read of the scalar scale per step ('additive' keeps a vector on the device).
  const bool scalar_scale = layer_.scale_index() >= 0 && s.score != AttentionScore::Additive;
  scale_ = scalar_scale ? scalar(be, static_cast<size_t>(layer_.scale_index())) : 1.0f;
  if (s.score == AttentionScore::Dot) {
    float* raw = scalar_scale ? raw_.ensure(n) : S;
    be.gemm_batched(false, true, Tq_, Tv_, D_, 1.0f, q_, D_, Tq_ * D_, k_, D_, Tv_ * D_, 0.0f, raw, Tv_, Tq_ * Tv_, B);
    if (scalar_scale) be.scale(raw, scale_, S, n);
  } else if (s.score == AttentionScore::Concat) {
    be.additive_scores(q_, k_, layer_.value(static_cast<size_t>(layer_.concat_index())), true, scale_, B, Tq_, Tv_, D_,
                       S);
  } else {
    bool scalar_weight = false;
    const float* w = additive_weights(be, &scalar_weight);
    be.additive_scores(q_, k_, w, scalar_weight, 1.0f, B, Tq_, Tv_, D_, S);
  }
  if (v.mask || call_.use_causal_mask) be.mask_scores(S, v.mask, call_.use_causal_mask, B, Tq_, Tv_);
  float* W = weights_.ensure(n);
  be.softmax_rows(S, W, B * Tq_, Tv_);
  dropped_ = ctx.training && s.rate > 0.0f;
  used_ = W;
  if (dropped_) {
    float* f = factors_.ensure(n);
    be.dropout_factors(s.rate, ctx.seed, ctx.step, ctx.stream, f, n);
    float* used = dropped_weights_.ensure(n);
    be.multiply(W, f, used, n);
    used_ = used;
  }
  float* y = out[0]->own_data(B * Tq_ * Dv_);
  be.gemm_batched(false, false, Tq_, Dv_, Tv_, 1.0f, used_, Tv_, Tq_ * Tv_, v_, Dv_, Tv_ * Dv_, 0.0f, y, Dv_,
                  Tq_ * Dv_, B);
  if (q.mask) be.apply_row_mask(y, q.mask, y, B * Tq_, Dv_);
  out[0]->mask = q.mask;
  if (call_.return_attention_scores) {
    be.copy(out[1]->own_data(n), used_, sizeof(float) * static_cast<size_t>(n));
    out[1]->mask = nullptr;
  }
}

void AttentionNode::backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                             const std::vector<float*>& dx) {
  Backend& be = *ctx.backend;
  const LayerSpec& s = layer_.spec();
  const int64_t B = ctx.batch, n = B * Tq_ * Tv_;
  const bool key_is_value = in.size() == 2;
  float* dq = dx[0];
  float* dv = dx[1];
  float* dk = key_is_value ? (dv ? dkey_.ensure(B * Tv_ * D_) : nullptr) : dx[2];
  const int scale = layer_.scale_index(), concat = layer_.concat_index();
  float* dscale = scale >= 0 && layer_.trainable(static_cast<size_t>(scale)) ? layer_.grad(static_cast<size_t>(scale)) : nullptr;
  float* dconcat = concat >= 0 && layer_.trainable(static_cast<size_t>(concat)) ? layer_.grad(static_cast<size_t>(concat)) : nullptr;

  // d loss / d W as used: from the output (through V) and from the scores output.
  float* dW = dweights_.ensure(n);
  const float* dy = out[0]->grad;
  if (dy) {
    const float* dym = dy;
    if (q_mask_) {
      float* m = dout_.ensure(B * Tq_ * Dv_);
      be.apply_row_mask(dy, q_mask_, m, B * Tq_, Dv_);
      dym = m;
    }
    be.gemm_batched(false, true, Tq_, Tv_, Dv_, 1.0f, dym, Dv_, Tq_ * Dv_, v_, Dv_, Tv_ * Dv_, 0.0f, dW, Tv_, Tq_ * Tv_,
                    B);
    if (dv)
      be.gemm_batched(true, false, Tv_, Dv_, Tq_, 1.0f, used_, Tv_, Tq_ * Tv_, dym, Dv_, Tq_ * Dv_, 0.0f, dv, Dv_,
                      Tv_ * Dv_, B);
  } else {
    be.fill(dW, 0.0f, n);
    if (dv) be.fill(dv, 0.0f, B * Tv_ * Dv_);
  }
  if (call_.return_attention_scores && out[1]->grad) be.add(dW, out[1]->grad, dW, n);
  if (dropped_) be.multiply(dW, factors_.data(), dW, n);
  float* dS = dscores_.ensure(n);
  be.softmax_rows_backward(weights_.data(), dW, dS, B * Tq_, Tv_);  // the -1e9 of masking passes gradients unchanged

  if (s.score == AttentionScore::Dot) {
    const float alpha = scale_;
    if (dscale) {
      float* p = product_.ensure(n);
      be.multiply(dS, raw_.data(), p, n);
      be.column_sums_add(p, dscale, n, 1);
    }
    if (dq)
      be.gemm_batched(false, false, Tq_, D_, Tv_, alpha, dS, Tv_, Tq_ * Tv_, k_, D_, Tv_ * D_, 0.0f, dq, D_, Tq_ * D_, B);
    if (dk)
      be.gemm_batched(true, false, Tv_, D_, Tq_, alpha, dS, Tv_, Tq_ * Tv_, q_, D_, Tq_ * D_, 0.0f, dk, D_, Tv_ * D_, B);
  } else if (s.score == AttentionScore::Concat) {
    be.additive_scores_backward(q_, k_, layer_.value(static_cast<size_t>(concat)), true, scale_, dS, B, Tq_, Tv_, D_, dq,
                                dk, dconcat, dscale);
  } else {
    bool scalar_weight = false;
    const float* w = additive_weights(be, &scalar_weight);
    be.additive_scores_backward(q_, k_, w, scalar_weight, 1.0f, dS, B, Tq_, Tv_, D_, dq, dk, dscale, nullptr);
  }
  if (key_is_value && dk) be.add(dv, dk, dv, B * Tv_ * D_);
}

}  // namespace

std::unique_ptr<Layer> make_attention_layer(const LayerSpec& spec) { return std::make_unique<AttentionLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
