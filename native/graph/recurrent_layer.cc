#include "graph/recurrent_layer.h"

#include <cstring>
#include <stdexcept>

#include "kernels/dropout/dropout_mask.h"
#include "graph/layers.h"
#include "kernels/rnn/rnn_cpu.h"

namespace recurrent {
namespace graph {

RecurrentLayer::RecurrentLayer(const RecurrentSpec& spec, FlowShape input, uint64_t stream)
    : Layer(spec.name, input),
      return_sequences_(spec.return_sequences),
      stateful_(spec.stateful),
      dropout_(spec.dropout),
      recurrent_dropout_(spec.recurrent_dropout),
      stream_(stream) {
  config_.cell = spec.cell;
  config_.steps = input.steps;
  config_.input = input.features;
  config_.units = spec.units;
  config_.activation = spec.activation;
  config_.recurrent_activation = spec.recurrent_activation;
  config_.reset_after = spec.reset_after;
  config_.go_backwards = spec.go_backwards;
  const int64_t I = input.features, H = spec.units, GH = config_.gates() * H;
  output_ = return_sequences_ ? FlowShape{input.steps, H} : FlowShape{0, H};
  params_.emplace_back(name_ + "/kernel", std::vector<int64_t>{I, GH}, spec.trainable, spec.kernel_regularizer);
  params_.emplace_back(name_ + "/recurrent_kernel", std::vector<int64_t>{H, GH}, spec.trainable,
                       spec.recurrent_regularizer);
  if (spec.use_bias) {
    std::vector<int64_t> shape = config_.bias_size() == GH ? std::vector<int64_t>{GH} : std::vector<int64_t>{2, GH};
    params_.emplace_back(name_ + "/bias", shape, spec.trainable, spec.bias_regularizer);
  }
}

RnnWeights<float> RecurrentLayer::weights() const {
  RnnWeights<float> w;
  w.kernel = params_[0].value.data();
  w.recurrent_kernel = params_[1].value.data();
  w.bias = params_.size() > 2 ? params_[2].value.data() : nullptr;
  return w;
}

RnnForwardIO<float> RecurrentLayer::saved_inputs() const {
  RnnForwardIO<float> io;
  io.x = x_;
  io.mask = mask_;
  io.recurrent_mask = recurrent_dropped_ ? recurrent_factors_.data() : nullptr;
  return io;
}

void RecurrentLayer::reset_states() {
  std::fill(state_h_.begin(), state_h_.end(), 0.0f);
  std::fill(state_c_.begin(), state_c_.end(), 0.0f);
}

Flow RecurrentLayer::forward(const StepContext& ctx, const Flow& in) {
  const int64_t B = ctx.batch, T = config_.steps, I = config_.input, H = config_.units;
  config_.batch = B;
  x_ = in.data;
  mask_ = in.mask;
  dropped_ = ctx.training && dropout_ > 0.0f;
  if (dropped_) {
    drop_factors_.resize(static_cast<size_t>(B * I));
    dropout::dropout_factors_range(dropout_, ctx.seed, ctx.step, stream_, drop_factors_.data(), 0, B * I);
    x_dropped_.resize(static_cast<size_t>(B * T * I));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t i = 0; i < I; ++i)
          x_dropped_[(b * T + t) * I + i] = in.data[(b * T + t) * I + i] * drop_factors_[b * I + i];
    x_ = x_dropped_.data();
  }

  // Recurrent dropout: one [B, H] mask on h_prev for the whole sequence (its own random
  // stream, so it is independent of the input dropout mask).
  recurrent_dropped_ = ctx.training && recurrent_dropout_ > 0.0f;
  config_.recurrent_masked = recurrent_dropped_;
  if (recurrent_dropped_) {
    recurrent_factors_.resize(static_cast<size_t>(B * H));
    dropout::dropout_factors_range(recurrent_dropout_, ctx.seed, ctx.step, stream_ | (uint64_t(1) << 48),
                                   recurrent_factors_.data(), 0, B * H);
  }

  const RnnWeights<float> w = weights();
  RnnForwardIO<float> io = saved_inputs();
  if (stateful_) {
    if (state_h_.empty()) {
      state_h_.assign(static_cast<size_t>(B * H), 0.0f);
      if (config_.has_cell_state()) state_c_.assign(static_cast<size_t>(B * H), 0.0f);
    } else if (static_cast<int64_t>(state_h_.size()) != B * H) {
      throw std::invalid_argument("layer '" + name_ + "' is stateful and was run with batch " +
                                  std::to_string(state_h_.size() / H) + "; every batch must have that size (received " +
                                  std::to_string(B) + ")");
    }
    h0_ = state_h_;
    io.h0 = h0_.data();
    if (config_.has_cell_state()) {
      c0_ = state_c_;
      io.c0 = c0_.data();
    }
  }
  y_.resize(static_cast<size_t>(return_sequences_ ? B * T * H : 0));
  h_final_.resize(static_cast<size_t>(B * H));
  c_final_.resize(static_cast<size_t>(config_.has_cell_state() ? B * H : 0));
  io.y = return_sequences_ ? y_.data() : nullptr;
  io.h_final = h_final_.data();
  io.c_final = config_.has_cell_state() ? c_final_.data() : nullptr;
  cache_.resize(static_cast<size_t>(cpu::rnn_cache_size(config_)));
  cpu::rnn_forward(config_, w, io, cache_.data());
  if (stateful_) {
    state_h_ = h_final_;
    if (config_.has_cell_state()) state_c_ = c_final_;
  }
  Flow out;
  out.data = return_sequences_ ? y_.data() : h_final_.data();
  out.mask = return_sequences_ ? in.mask : nullptr;
  return out;
}

void RecurrentLayer::backward(const StepContext& ctx, const float* dy, float* dx) {
  const int64_t B = ctx.batch, T = config_.steps, I = config_.input;
  const bool trainable = params_[0].trainable;
  if (!trainable && !dx) return;
  const RnnWeights<float> w = weights();
  RnnForwardIO<float> io = saved_inputs();
  io.c0 = (stateful_ && config_.has_cell_state()) ? c0_.data() : nullptr;
  RnnBackwardIO<float> g;
  g.dy = return_sequences_ ? dy : nullptr;
  g.dh_final = return_sequences_ ? nullptr : dy;
  if (dx) {
    if (dropped_) {
      dx_dropped_.resize(static_cast<size_t>(B * T * I));
      g.dx = dx_dropped_.data();
    } else {
      g.dx = dx;
    }
  }
  if (trainable) {
    g.dkernel = params_[0].grad.data();
    g.drecurrent_kernel = params_[1].grad.data();
    g.dbias = params_.size() > 2 ? params_[2].grad.data() : nullptr;
  }
  cpu::rnn_backward(config_, w, io, cache_.data(), g);
  if (dx && dropped_) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t i = 0; i < I; ++i)
          dx[(b * T + t) * I + i] = dx_dropped_[(b * T + t) * I + i] * drop_factors_[b * I + i];
  }
}

std::unique_ptr<Layer> make_recurrent_layer(const RecurrentSpec& spec, FlowShape input, uint64_t stream) {
  return std::make_unique<RecurrentLayer>(spec, input, stream);
}

}  // namespace graph
}  // namespace recurrent
