// Bidirectional (Keras): a forward and a backward recurrent layer over the same input.
// The backward layer runs with the opposite go_backwards of the forward one; with
// returnSequences its output is flipped back to input time before the merge.
//   concat: [yf, yb] (forward first); sum: yf + yb; mul: yf * yb; ave: (yf + yb) / 2.
#include <cstring>

#include "graph/layers.h"
#include "graph/recurrent_layer.h"

namespace recurrent {
namespace graph {
namespace {

class BidirectionalLayer : public Layer {
 public:
  BidirectionalLayer(const LayerSpec& spec, FlowShape input, uint64_t stream)
      : Layer(spec.name, input), merge_(spec.merge_mode) {
    RecurrentSpec backward = spec.backward;
    backward.go_backwards = !spec.forward.go_backwards;
    backward.return_sequences = spec.forward.return_sequences;
    forward_ = std::make_unique<RecurrentLayer>(spec.forward, input, stream | (uint64_t(1) << 40));
    backward_ = std::make_unique<RecurrentLayer>(backward, input, stream | (uint64_t(2) << 40));
    H_ = forward_->units();
    seq_ = forward_->return_sequences();
    output_ = FlowShape{seq_ ? input.steps : 0, merge_ == MergeMode::Concat ? 2 * H_ : H_};
  }

  std::vector<Parameter*> parameters() override {
    std::vector<Parameter*> p = forward_->parameters();
    for (Parameter* q : backward_->parameters()) p.push_back(q);
    return p;
  }

  void reset_states() override {
    forward_->reset_states();
    backward_->reset_states();
  }

  Flow forward(const StepContext& ctx, const Flow& in) override {
    const int64_t T = seq_ ? input_.steps : 1, R = ctx.batch * T, H = H_;
    yf_ = forward_->forward(ctx, in).data;
    yb_time_.resize(static_cast<size_t>(R * H));
    const float* yb = backward_->forward(ctx, in).data;
    for (int64_t b = 0; b < ctx.batch; ++b)
      for (int64_t t = 0; t < T; ++t)
        std::memcpy(&yb_time_[(b * T + t) * H], yb + (b * T + (T - 1 - t)) * H, sizeof(float) * H);
    const float* ybt = yb_time_.data();
    y_.resize(static_cast<size_t>(R * output_.features));
    for (int64_t r = 0; r < R; ++r) {
      const float* f = yf_ + r * H;
      const float* g = ybt + r * H;
      switch (merge_) {
        case MergeMode::Concat:
          std::memcpy(&y_[r * 2 * H], f, sizeof(float) * H);
          std::memcpy(&y_[r * 2 * H + H], g, sizeof(float) * H);
          break;
        case MergeMode::Sum: for (int64_t h = 0; h < H; ++h) y_[r * H + h] = f[h] + g[h]; break;
        case MergeMode::Mul: for (int64_t h = 0; h < H; ++h) y_[r * H + h] = f[h] * g[h]; break;
        case MergeMode::Ave: for (int64_t h = 0; h < H; ++h) y_[r * H + h] = 0.5f * (f[h] + g[h]); break;
      }
    }
    Flow out;
    out.data = y_.data();
    out.mask = seq_ ? in.mask : nullptr;
    return out;
  }

  void backward(const StepContext& ctx, const float* dy, float* dx) override {
    const int64_t T = seq_ ? input_.steps : 1, R = ctx.batch * T, H = H_;
    dyf_.resize(static_cast<size_t>(R * H));
    dyb_time_.resize(static_cast<size_t>(R * H));
    const float* ybt = yb_time_.data();
    for (int64_t r = 0; r < R; ++r) {
      for (int64_t h = 0; h < H; ++h) {
        float df, db;
        switch (merge_) {
          case MergeMode::Concat: df = dy[r * 2 * H + h]; db = dy[r * 2 * H + H + h]; break;
          case MergeMode::Sum: df = db = dy[r * H + h]; break;
          case MergeMode::Mul: df = dy[r * H + h] * ybt[r * H + h]; db = dy[r * H + h] * yf_[r * H + h]; break;
          case MergeMode::Ave:
          default: df = db = 0.5f * dy[r * H + h]; break;
        }
        dyf_[r * H + h] = df;
        dyb_time_[r * H + h] = db;
      }
    }
    // Back to the backward layer's processing order.
    dyb_.resize(static_cast<size_t>(R * H));
    for (int64_t b = 0; b < ctx.batch; ++b)
      for (int64_t t = 0; t < T; ++t)
        std::memcpy(&dyb_[(b * T + (T - 1 - t)) * H], &dyb_time_[(b * T + t) * H], sizeof(float) * H);
    float* dxb = nullptr;
    if (dx) {
      dxb_.resize(static_cast<size_t>(ctx.batch * input_.size()));
      dxb = dxb_.data();
      std::fill(dx, dx + ctx.batch * input_.size(), 0.0f);
      std::fill(dxb_.begin(), dxb_.end(), 0.0f);
    }
    forward_->backward(ctx, dyf_.data(), dx);
    backward_->backward(ctx, dyb_.data(), dxb);
    if (dx)
      for (int64_t i = 0, n = ctx.batch * input_.size(); i < n; ++i) dx[i] += dxb_[i];
  }

 private:
  MergeMode merge_;
  std::unique_ptr<RecurrentLayer> forward_, backward_;
  int64_t H_;
  bool seq_;
  const float* yf_ = nullptr;      // [B, T, H] forward output
  std::vector<float> yb_time_;     // [B, T, H] backward output in input time
  std::vector<float> y_;           // [B, T, out]
  std::vector<float> dyf_, dyb_time_, dyb_, dxb_;
};

}  // namespace

std::unique_ptr<Layer> make_bidirectional_layer(const LayerSpec& spec, FlowShape input, uint64_t stream) {
  return std::make_unique<BidirectionalLayer>(spec, input, stream);
}

}  // namespace graph
}  // namespace recurrent
