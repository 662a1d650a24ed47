// SimpleRNN, LSTM, GRU (Keras): node inputs [x [T, F]] or [x, h0 [H]] (and c0 [H] for
// LSTM: Keras's initial_state); outputs [y] with y [T, H] (returnSequences, keeping x's
// mask) or [H], then with returnState the final h (and c). Without returnSequences y is
// the final h itself, so both outputs' gradients reach the op as one d h_final.
#include <stdexcept>
#include <string>

#include "graph/layer.h"
#include "graph/recurrent_unit.h"

namespace recurrent {
namespace graph {
namespace {

class RecurrentLayer;

class RecurrentNode : public Node {
 public:
  RecurrentNode(const RecurrentLayer& layer, Backend* backend);
  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override;
  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override;
  void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override;
  double workspace_floats(int64_t batch, const std::vector<Shape>& in) const override;
  void reset_states(Backend* backend) override;

 private:
  const RecurrentLayer& layer_;
  RecurrentRun run_;
  DeviceBuffer<float> h_final_, c_final_;  // [B, H] when no output holds them
  DeviceBuffer<float> dh_sum_;             // [B, H] d y + d h (no returnSequences, with returnState)
};

class RecurrentLayer : public Layer {
 public:
  explicit RecurrentLayer(const LayerSpec& spec) : Layer(spec), unit_(spec.forward, *this, 0) {}
  void build(const std::vector<Shape>& in) override { unit_.declare(sequence_features(in[0]), &weights_); }
  bool stateful() const override { return spec_.forward.stateful; }
  std::unique_ptr<Node> make_node(Backend* backend) override {
    return std::make_unique<RecurrentNode>(*this, backend);
  }
  const RecurrentUnit& unit() const { return unit_; }

 private:
  RecurrentUnit unit_;
};

RecurrentNode::RecurrentNode(const RecurrentLayer& layer, Backend* backend)
    : layer_(layer), run_(backend), h_final_(backend), c_final_(backend), dh_sum_(backend) {}

std::vector<Shape> RecurrentNode::output_shapes(const std::vector<Shape>& in) const {
  const RecurrentSpec& s = layer_.unit().spec();
  std::vector<Shape> out{layer_.unit().output_shape(in)};
  if (s.return_state)
    for (int k = 0; k < s.state_count(); ++k) out.push_back({s.units});
  return out;
}

double RecurrentNode::workspace_floats(int64_t batch, const std::vector<Shape>& in) const {
  return layer_.unit().workspace_floats(batch, in[0][0]);
}

void RecurrentNode::reset_states(Backend* backend) { layer_.unit().reset_states(backend, run_); }

void RecurrentNode::forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) {
  const RecurrentUnit& unit = layer_.unit();
  const RecurrentSpec& s = unit.spec();
  const int64_t B = ctx.batch, T = in[0]->shape[0], H = s.units;
  const bool lstm = s.cell == CellType::Lstm;
  RecurrentOutputs o;
  if (s.return_sequences) {
    o.y = out[0]->own_data(B * T * H);
    o.h_final = s.return_state ? out[1]->own_data(B * H) : h_final_.ensure(B * H);
    out[0]->mask = in[0]->mask;
  } else {
    o.h_final = out[0]->own_data(B * H);
    if (s.return_state) out[1]->data = o.h_final;
  }
  if (lstm && s.return_state) o.c_final = out[2]->own_data(B * H);
  else if (unit.wants_c_final()) o.c_final = c_final_.ensure(B * H);
  const float* h0 = in.size() > 1 ? in[1]->data : nullptr;
  const float* c0 = in.size() > 2 ? in[2]->data : nullptr;
  unit.forward(ctx, run_, ctx.stream, in[0]->data, in[0]->mask, T, h0, c0, o);
}

void RecurrentNode::backward(const StepContext& ctx, const std::vector<Value*>&, const std::vector<Value*>& out,
                             const std::vector<float*>& dx) {
  const RecurrentSpec& s = layer_.unit().spec();
  const int64_t n = ctx.batch * s.units;
  RecurrentGrads g;
  const float* dh_state = s.return_state ? out[1]->grad : nullptr;
  if (s.return_sequences) {
    g.dy = out[0]->grad;
    g.dh_final = dh_state;
  } else if (out[0]->grad && dh_state) {
    float* sum = dh_sum_.ensure(n);
    ctx.backend->add(out[0]->grad, dh_state, sum, n);
    g.dh_final = sum;
  } else {
    g.dh_final = out[0]->grad ? out[0]->grad : dh_state;
  }
  if (s.return_state && s.cell == CellType::Lstm) g.dc_final = out[2]->grad;
  g.dx = dx[0];
  g.dh0 = dx.size() > 1 ? dx[1] : nullptr;
  g.dc0 = dx.size() > 2 ? dx[2] : nullptr;
  layer_.unit().backward(ctx, run_, g);
}

}  // namespace

std::unique_ptr<Layer> make_recurrent_layer(const LayerSpec& spec) { return std::make_unique<RecurrentLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
