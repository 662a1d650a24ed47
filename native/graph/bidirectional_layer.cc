// Bidirectional (Keras): a forward and a backward recurrent unit over the same input, the
// backward one with the opposite goBackwards. Node inputs [x] or [x, forward states...,
// backward states...]; outputs [y] merged by mergeMode, or with mergeMode null
// [y_forward, y_backward]; with returnState the final states follow, forward h (c), then
// backward h (c). With returnSequences the backward output is flipped back to input time
// before the merge.
//   concat: [yf, yb] (forward first); sum: yf + yb; mul: yf * yb; ave: 0.5 * (yf + yb).
// The units draw dropout from the node's stream | 1 << 40 and | 2 << 40.
#include <stdexcept>
#include <string>

#include "graph/layer.h"
#include "graph/recurrent_unit.h"

namespace recurrent {
namespace graph {
namespace {

class BidirectionalLayer;

// One direction's buffers where no output holds them.
struct DirectionBuffers {
  explicit DirectionBuffers(Backend* b) : run(b), y(b), h_final(b), c_final(b), dy_time(b), dy(b), dh_sum(b) {}
  RecurrentRun run;
  DeviceBuffer<float> y;        // [B, T, H] processing order (merged outputs; the backward unit always)
  DeviceBuffer<float> h_final;  // [B, H]
  DeviceBuffer<float> c_final;  // [B, H]
  DeviceBuffer<float> dy_time;  // [B, T, H] its share of the merged output's gradient, input time
  DeviceBuffer<float> dy;       // [B, T, H] the same in processing order (the backward unit)
  DeviceBuffer<float> dh_sum;   // [B, H]
};

class BidirectionalNode : public Node {
 public:
  BidirectionalNode(const BidirectionalLayer& layer, Backend* backend);
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;
  double workspace_floats(int64_t batch, const std::vector<Shape>& in) const override;
  void reset_states(Backend* backend) override;

 private:
  // The gradients of one direction; dy_time in input time (the backward unit's is flipped).
  RecurrentGrads direction_grads(const StepContext& ctx, DirectionBuffers& d, const float* dy_time, bool flip,
                                 const float* dh_state, const float* dc_state);

  const BidirectionalLayer& layer_;
  DirectionBuffers f_, b_;
  DeviceBuffer<float> yb_time_;   // [B, T, H] the backward output in input time (merged outputs)
  DeviceBuffer<float> dx_back_;   // [B, T, F] the backward unit's dx, added to the forward one's
  const float* yf_ = nullptr;     // [B, T, H] (or [B, H]) forward output of the last forward
  const float* yb_ = nullptr;     // the backward output, input time
};

class BidirectionalLayer : public Layer {
 public:
  explicit BidirectionalLayer(const LayerSpec& spec)
      : Layer(spec), forward_(spec.forward, *this, 0),
        backward_(spec.backward, *this, RecurrentUnit::weight_count(spec.forward)) {}
  void build(const std::vector<Shape>& in) override {
    forward_.declare(sequence_features(in[0]), &weights_);
    backward_.declare(sequence_features(in[0]), &weights_);
  }
  bool stateful() const override { return spec_.forward.stateful; }
  std::unique_ptr<Node> make_node(Backend* backend) override {
    return std::make_unique<BidirectionalNode>(*this, backend);
  }
  const RecurrentUnit& forward_unit() const { return forward_; }
  const RecurrentUnit& backward_unit() const { return backward_; }

 private:
  RecurrentUnit forward_, backward_;
};

BidirectionalNode::BidirectionalNode(const BidirectionalLayer& layer, Backend* backend)
    : layer_(layer), f_(backend), b_(backend), yb_time_(backend), dx_back_(backend) {}

std::vector<Shape> BidirectionalNode::output_shapes(const std::vector<Shape>& in) const {
  const LayerSpec& spec = layer_.spec();
  const RecurrentSpec& s = spec.forward;
  const Shape y = layer_.forward_unit().output_shape(in);
  std::vector<Shape> out;
  if (spec.merge_mode == MergeMode::None) {
    out = {y, y};
  } else {
    Shape merged = y;
    if (spec.merge_mode == MergeMode::Concat) merged.back() = 2 * s.units;
    out = {merged};
  }
  if (s.return_state)
    for (int k = 0; k < 2 * s.state_count(); ++k) out.push_back({s.units});
  return out;
}

double BidirectionalNode::workspace_floats(int64_t batch, const std::vector<Shape>& in) const {
  const double T = double(in[0][0]), H = double(layer_.spec().forward.units);
  return layer_.forward_unit().workspace_floats(batch, in[0][0]) +
         layer_.backward_unit().workspace_floats(batch, in[0][0]) + 6.0 * batch * T * H +
         double(batch) * T * double(in[0][1]);
}

void BidirectionalNode::reset_states(Backend* backend) {
  layer_.forward_unit().reset_states(backend, f_.run);
  layer_.backward_unit().reset_states(backend, b_.run);
}

void BidirectionalNode::forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) {
  Backend& be = *ctx.backend;
  const LayerSpec& spec = layer_.spec();
  const RecurrentSpec& s = spec.forward;
  const bool seq = s.return_sequences, lstm = s.cell == CellType::Lstm, separate = spec.merge_mode == MergeMode::None;
  const int64_t B = ctx.batch, T = in[0]->shape[0], H = s.units, S = s.state_count();
  const size_t states = separate ? 2 : 1;  // index of the first state output
  auto outputs = [&](const RecurrentUnit& unit, DirectionBuffers& d, size_t state, Value* y_out) {
    RecurrentOutputs o;
    o.h_final = s.return_state ? out[state]->own_data(B * H) : d.h_final.ensure(B * H);
    if (lstm && s.return_state) o.c_final = out[state + 1]->own_data(B * H);
    else if (unit.wants_c_final()) o.c_final = d.c_final.ensure(B * H);
    if (seq) o.y = y_out ? y_out->own_data(B * T * H) : d.y.ensure(B * T * H);
    return o;
  };
  const RecurrentOutputs fo = outputs(layer_.forward_unit(), f_, states, separate ? out[0] : nullptr);
  const RecurrentOutputs bo = outputs(layer_.backward_unit(), b_, states + S, nullptr);
  const float* x = in[0]->data;
  const uint8_t* mask = in[0]->mask;
  const size_t nf = in.size() > 1 ? 1 : 0;  // first forward state input
  const float* hf0 = nf ? in[1]->data : nullptr;
  const float* cf0 = nf && lstm ? in[2]->data : nullptr;
  const float* hb0 = nf ? in[1 + S]->data : nullptr;
  const float* cb0 = nf && lstm ? in[2 + S]->data : nullptr;
  layer_.forward_unit().forward(ctx, f_.run, ctx.stream | (uint64_t(1) << 40), x, mask, T, hf0, cf0, fo);
  layer_.backward_unit().forward(ctx, b_.run, ctx.stream | (uint64_t(2) << 40), x, mask, T, hb0, cb0, bo);
  yf_ = seq ? fo.y : fo.h_final;
  if (seq) {
    float* ybt = separate ? out[1]->own_data(B * T * H) : yb_time_.ensure(B * T * H);
    be.reverse_time(bo.y, ybt, B, T, H);
    yb_ = ybt;
  } else {
    yb_ = bo.h_final;
  }
  if (separate) {
    out[0]->data = yf_;
    out[1]->data = yb_;
    if (seq) out[1]->mask = mask;
  } else {
    const int64_t R = seq ? B * T : B;
    switch (spec.merge_mode) {
      case MergeMode::Concat: {
        float* y = out[0]->own_data(R * 2 * H);
        be.copy_columns(yf_, H, y, 2 * H, R, H, false);
        be.copy_columns(yb_, H, y + H, 2 * H, R, H, false);
        break;
      }
      case MergeMode::Sum: be.add(yf_, yb_, out[0]->own_data(R * H), R * H); break;
      case MergeMode::Mul: be.multiply(yf_, yb_, out[0]->own_data(R * H), R * H); break;
      case MergeMode::Ave: {
        float* y = out[0]->own_data(R * H);
        be.add(yf_, yb_, y, R * H);
        be.scale(y, 0.5f, y, R * H);
        break;
      }
      case MergeMode::None: break;
    }
  }
  if (seq) out[0]->mask = mask;
}

RecurrentGrads BidirectionalNode::direction_grads(const StepContext& ctx, DirectionBuffers& d, const float* dy_time,
                                                  bool flip, const float* dh_state, const float* dc_state) {
  const RecurrentSpec& s = layer_.spec().forward;
  const int64_t B = ctx.batch, H = s.units;
  RecurrentGrads g;
  g.dc_final = dc_state;
  if (s.return_sequences) {
    const int64_t T = d.run.config.steps;
    if (dy_time && flip) {
      float* dy = d.dy.ensure(B * T * H);
      ctx.backend->reverse_time(dy_time, dy, B, T, H);
      g.dy = dy;
    } else {
      g.dy = dy_time;
    }
    g.dh_final = dh_state;
  } else if (dy_time && dh_state) {
    float* sum = d.dh_sum.ensure(B * H);
    ctx.backend->add(dy_time, dh_state, sum, B * H);
    g.dh_final = sum;
  } else {
    g.dh_final = dy_time ? dy_time : dh_state;
  }
  return g;
}

void BidirectionalNode::backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                                 const std::vector<float*>& dx) {
  Backend& be = *ctx.backend;
  const LayerSpec& spec = layer_.spec();
  const RecurrentSpec& s = spec.forward;
  const bool seq = s.return_sequences, lstm = s.cell == CellType::Lstm, separate = spec.merge_mode == MergeMode::None;
  const int64_t B = ctx.batch, T = in[0]->shape[0], H = s.units, S = s.state_count(), R = seq ? B * T : B;
  // Each direction's share of the output gradient, in input time.
  const float* dyf = nullptr;
  const float* dyb = nullptr;
  if (separate) {
    dyf = out[0]->grad;
    dyb = out[1]->grad;
  } else if (const float* dy = out[0]->grad) {
    switch (spec.merge_mode) {
      case MergeMode::Concat: {
        float* a = f_.dy_time.ensure(R * H);
        float* b = b_.dy_time.ensure(R * H);
        be.copy_columns(dy, 2 * H, a, H, R, H, false);
        be.copy_columns(dy + H, 2 * H, b, H, R, H, false);
        dyf = a;
        dyb = b;
        break;
      }
      case MergeMode::Sum: dyf = dyb = dy; break;
      case MergeMode::Mul: {
        float* a = f_.dy_time.ensure(R * H);
        float* b = b_.dy_time.ensure(R * H);
        be.multiply(dy, yb_, a, R * H);
        be.multiply(dy, yf_, b, R * H);
        dyf = a;
        dyb = b;
        break;
      }
      case MergeMode::Ave: {
        float* a = f_.dy_time.ensure(R * H);
        be.scale(dy, 0.5f, a, R * H);
        dyf = dyb = a;
        break;
      }
      case MergeMode::None: break;
    }
  }
  const size_t states = separate ? 2 : 1;
  const float* dhf = s.return_state ? out[states]->grad : nullptr;
  const float* dcf = s.return_state && lstm ? out[states + 1]->grad : nullptr;
  const float* dhb = s.return_state ? out[states + S]->grad : nullptr;
  const float* dcb = s.return_state && lstm ? out[states + S + 1]->grad : nullptr;
  RecurrentGrads gf = direction_grads(ctx, f_, dyf, false, dhf, dcf);
  RecurrentGrads gb = direction_grads(ctx, b_, dyb, true, dhb, dcb);
  const bool has_f = gf.dy || gf.dh_final || gf.dc_final;
  const bool has_b = gb.dy || gb.dh_final || gb.dc_final;
  const size_t nf = in.size() > 1 ? 1 : 0;
  gf.dh0 = nf ? dx[1] : nullptr;
  gf.dc0 = nf && lstm ? dx[2] : nullptr;
  gb.dh0 = nf ? dx[1 + S] : nullptr;
  gb.dc0 = nf && lstm ? dx[2 + S] : nullptr;
  float* dxv = dx[0];
  const int64_t nx = B * T * in[0]->shape[1];
  if (dxv) {
    gf.dx = has_f ? dxv : nullptr;
    gb.dx = has_b ? (has_f ? dx_back_.ensure(nx) : dxv) : nullptr;
  }
  // A direction that no gradient reached contributes zeros.
  for (auto* g : {&gf, &gb}) {
    const bool has = g == &gf ? has_f : has_b;
    if (has) continue;
    for (float* p : {g->dh0, g->dc0})
      if (p) be.fill(p, 0.0f, B * H);
    g->dh0 = g->dc0 = nullptr;
  }
  if (has_f) layer_.forward_unit().backward(ctx, f_.run, gf);
  if (has_b) layer_.backward_unit().backward(ctx, b_.run, gb);
  if (dxv) {
    if (has_f && has_b) be.add(dxv, gb.dx, dxv, nx);
    else if (!has_f && !has_b) be.fill(dxv, 0.0f, nx);
  }
}

}  // namespace

std::unique_ptr<Layer> make_bidirectional_layer(const LayerSpec& spec) {
  return std::make_unique<BidirectionalLayer>(spec);
}

}  // namespace graph
}  // namespace recurrent
