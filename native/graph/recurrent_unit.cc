#include "graph/recurrent_unit.h"

#include <stdexcept>
#include <string>

namespace recurrent {
namespace graph {

int64_t sequence_features(const Shape& input) {
  if (input.size() != 2 || input[1] == kFree)
    throw std::invalid_argument("needs input of shape [steps, features] with a known feature size, received " +
                                shape_text(input));
  return input[1];
}

RecurrentUnit::RecurrentUnit(const RecurrentSpec& spec, const Layer& owner, size_t first_weight)
    : spec_(spec), owner_(owner), first_(first_weight) {
  base_.cell = spec.cell;
  base_.units = spec.units;
  base_.activation = spec.activation;
  base_.recurrent_activation = spec.recurrent_activation;
  base_.reset_after = spec.reset_after;
  base_.peephole = spec.peephole;
  base_.go_backwards = spec.go_backwards;
  base_.mixed_precision = spec.mixed_precision;
}

void RecurrentUnit::declare(int64_t I, std::vector<WeightDecl>* weights) {
  input_ = I;
  base_.input = I;
  const int64_t H = spec_.units, GH = base_.gates() * H;
  const std::string& n = spec_.name;
  weights->push_back({n + "/kernel", {I, GH}, spec_.trainable, spec_.kernel_regularizer});
  weights->push_back({n + "/recurrent_kernel", {H, GH}, spec_.trainable, spec_.recurrent_regularizer});
  if (spec_.use_bias)
    weights->push_back({n + "/bias", base_.bias_size() == GH ? Shape{GH} : Shape{2, GH}, spec_.trainable,
                        spec_.bias_regularizer});
  if (spec_.peephole)
    for (const char* gate : {"input", "forget", "output"})
      weights->push_back({n + "/" + gate + "_gate_peephole_weights", {H}, spec_.trainable, {}});
}

Shape RecurrentUnit::output_shape(const std::vector<Shape>& in) const {
  if (in[0].size() != 2) throw std::invalid_argument("needs input of shape [steps, features], received " + shape_text(in[0]));
  const int64_t H = spec_.units;
  if (in[0][1] != input_)
    throw std::invalid_argument("was built for inputs with " + std::to_string(input_) + " features, received " +
                                shape_text(in[0]));
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i] != Shape{H})
      throw std::invalid_argument("initial state " + std::to_string(i - 1) + " must have shape [" + std::to_string(H) +
                                  "], received " + shape_text(in[i]));
  return spec_.return_sequences ? Shape{in[0][0], H} : Shape{H};
}

double RecurrentUnit::workspace_floats(int64_t B, int64_t T) const {
  const double BT = double(B) * T, H = double(spec_.units), G = base_.gates();
  // The op's cache (gates, states, dropout copies) and its own scratch of about the same.
  return 2.0 * BT * (G * H + 4.0 * H) + 2.0 * BT * double(input_) + 6.0 * B * H;
}

RnnWeights<float> RecurrentUnit::weights() const {
  RnnWeights<float> w;
  w.kernel = owner_.value(first_);
  w.recurrent_kernel = owner_.value(first_ + 1);
  w.bias = spec_.use_bias ? owner_.value(first_ + 2) : nullptr;
  w.peephole = spec_.peephole ? owner_.value(first_ + 2 + (spec_.use_bias ? 1 : 0)) : nullptr;
  return w;
}

RnnForwardIO<float> RecurrentUnit::saved_inputs(const RecurrentRun& run) const {
  RnnForwardIO<float> io;
  io.x = run.x;
  io.mask = run.mask;
  io.h0 = run.h0;
  io.c0 = run.c0;
  io.recurrent_mask = run.recurrent_dropped ? run.recurrent_factors.data() : nullptr;
  return io;
}

void RecurrentUnit::reset_states(Backend* backend, RecurrentRun& run) const {
  const int64_t n = run.state_batch * spec_.units;
  if (n == 0) return;
  backend->fill(run.state_h.data(), 0.0f, n);
  if (spec_.cell == CellType::Lstm) backend->fill(run.state_c.data(), 0.0f, n);
}

void RecurrentUnit::forward(const StepContext& ctx, RecurrentRun& run, uint64_t stream, const float* x,
                            const uint8_t* mask, int64_t T, const float* h0, const float* c0,
                            const RecurrentOutputs& out) const {
  Backend& be = *ctx.backend;
  const int64_t B = ctx.batch, I = input_, H = spec_.units;
  const bool lstm = spec_.cell == CellType::Lstm;
  RnnConfig& c = run.config;
  c = base_;
  c.batch = B;
  c.steps = T;
  run.x = x;
  run.mask = mask;
  run.dropped = ctx.training && spec_.dropout > 0.0f;
  if (run.dropped) {
    float* factors = run.drop_factors.ensure(B * I);
    be.dropout_factors(spec_.dropout, ctx.seed, ctx.step, stream, factors, B * I);
    float* xd = run.x_dropped.ensure(B * T * I);
    be.scale_sequences(x, factors, xd, B, T, I);
    run.x = xd;
  }
  run.recurrent_dropped = ctx.training && spec_.recurrent_dropout > 0.0f;
  c.recurrent_masked = run.recurrent_dropped;
  if (run.recurrent_dropped)
    be.dropout_factors(spec_.recurrent_dropout, ctx.seed, ctx.step, stream | (uint64_t(1) << 48),
                       run.recurrent_factors.ensure(B * H), B * H);
  if (spec_.stateful) {
    if (run.state_batch == 0) {
      be.fill(run.state_h.ensure(B * H), 0.0f, B * H);
      if (lstm) be.fill(run.state_c.ensure(B * H), 0.0f, B * H);
      run.state_batch = B;
    } else if (run.state_batch != B) {
      throw std::invalid_argument("layer '" + owner_.name() + "' is stateful and was run with batch " +
                                  std::to_string(run.state_batch) + "; every batch must have that size (received " +
                                  std::to_string(B) + ")");
    }
    float* h = run.h0_copy.ensure(B * H);
    be.copy(h, run.state_h.data(), sizeof(float) * B * H);
    h0 = h;
    if (lstm) {
      float* cc = run.c0_copy.ensure(B * H);
      be.copy(cc, run.state_c.data(), sizeof(float) * B * H);
      c0 = cc;
    }
  }
  run.h0 = h0;
  run.c0 = lstm ? c0 : nullptr;
  RnnForwardIO<float> io = saved_inputs(run);
  io.y = out.y;
  io.h_final = out.h_final;
  io.c_final = lstm ? out.c_final : nullptr;
  be.rnn_forward(c, weights(), io, run.cache.ensure(be.rnn_cache_size(c)));
  if (spec_.stateful) {
    be.copy(run.state_h.data(), out.h_final, sizeof(float) * B * H);
    if (lstm) be.copy(run.state_c.data(), out.c_final, sizeof(float) * B * H);
  }
}

void RecurrentUnit::backward(const StepContext& ctx, RecurrentRun& run, const RecurrentGrads& grads) const {
  Backend& be = *ctx.backend;
  const RnnConfig& c = run.config;
  const int64_t B = c.batch, T = c.steps, I = input_;
  const bool train = trainable();
  if (!train && !grads.dx && !grads.dh0 && !grads.dc0) return;
  RnnBackwardIO<float> g;
  g.dy = grads.dy;
  g.dh_final = grads.dh_final;
  g.dc_final = grads.dc_final;
  if (grads.dx) g.dx = run.dropped ? run.dx_dropped.ensure(B * T * I) : grads.dx;
  g.dh0 = grads.dh0;
  g.dc0 = grads.dc0;
  if (train) {
    g.dkernel = owner_.grad(first_);
    g.drecurrent_kernel = owner_.grad(first_ + 1);
    g.dbias = spec_.use_bias ? owner_.grad(first_ + 2) : nullptr;
    g.dpeephole = spec_.peephole ? owner_.grad(first_ + 2 + (spec_.use_bias ? 1 : 0)) : nullptr;
  }
  be.rnn_backward(c, weights(), saved_inputs(run), run.cache.data(), g);
  if (grads.dx && run.dropped) be.scale_sequences(g.dx, run.drop_factors.data(), grads.dx, B, T, I);
}

}  // namespace graph
}  // namespace recurrent
