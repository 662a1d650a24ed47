// The reference recurrent layer: each sample runs on its own through the processing
// order, one step at a time, with the cell equations of kernels/rnn/rnn_layer.h written out
// term by term. Backward replays the forward pass of the sample, keeping what each step
// saw and produced, then walks the steps in reverse. Under mixed precision every operand
// of the four products below (input_forward, recurrent_forward and their backward) is
// rounded to bfloat16 first, as rnn_layer.h says; everything else stays double.
#include "kernels/rnn/rnn_reference.h"

#include <algorithm>
#include <vector>

#include "common/bfloat16.h"
#include "kernels/reference_backend.h"

namespace recurrent {
namespace {

// What one sample's forward pass saw and produced at each processing step s.
struct SampleTrace {
  std::vector<char> valid;      // [T]
  std::vector<double> h_prev;   // [T, H] state entering the step
  std::vector<double> c_prev;   // [T, H] (LSTM)
  std::vector<double> gates;    // [T, G*H] gate activations, Keras order (SimpleRNN: h)
  std::vector<double> extra;    // [T, H] LSTM: the new c; GRU reset_after: h_prev Uh + b_rh
  std::vector<double> h, c;     // [H] state after the last step
};

class Layer {
 public:
  Layer(const RnnConfig& config, const RnnWeights<double>& weights)
      : cfg_(config), w_(weights), I_(config.input), H_(config.units), G_(config.gates()), GH_(G_ * H_),
        bf16_(config.mixed_precision == MixedPrecision::Bfloat16),
        kernel_(operands(weights.kernel, I_ * GH_)),
        recurrent_kernel_(operands(weights.recurrent_kernel, H_ * GH_)) {}

  // Input time read by processing step s.
  int64_t input_time(int64_t s) const { return cfg_.go_backwards ? cfg_.steps - 1 - s : s; }

  void forward_sample(const RnnForwardIO<double>& io, int64_t b, SampleTrace* tr) const {
    const int64_t T = cfg_.steps, H = H_;
    tr->valid.assign(T, 0);
    tr->h_prev.assign(T * H, 0.0);
    tr->c_prev.assign(T * H, 0.0);
    tr->gates.assign(T * GH_, 0.0);
    tr->extra.assign(T * H, 0.0);
    tr->h.assign(H, 0.0);
    tr->c.assign(H, 0.0);
    if (io.h0 != nullptr) std::copy(io.h0 + b * H, io.h0 + (b + 1) * H, tr->h.begin());
    if (io.c0 != nullptr && cfg_.has_cell_state()) std::copy(io.c0 + b * H, io.c0 + (b + 1) * H, tr->c.begin());
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = input_time(s);
      const bool valid = io.mask == nullptr || io.mask[b * T + t] != 0;
      tr->valid[s] = valid;
      double* hp = &tr->h_prev[s * H];
      double* cp = &tr->c_prev[s * H];
      std::copy(tr->h.begin(), tr->h.end(), hp);
      std::copy(tr->c.begin(), tr->c.end(), cp);
      if (valid) {
        const double* x = io.x + (b * T + t) * I_;
        double* gates = &tr->gates[s * GH_];
        double* extra = &tr->extra[s * H];
        const std::vector<double> hm = recurrent_input(io, b, hp);
        switch (cfg_.cell) {
          case CellType::SimpleRnn: simple_step(x, hm.data(), gates, tr->h.data()); break;
          case CellType::Lstm: lstm_step(x, hm.data(), cp, gates, extra, tr->h.data(), tr->c.data()); break;
          case CellType::Gru: gru_step(x, hp, hm.data(), gates, extra, tr->h.data()); break;
        }
      }
      if (io.y != nullptr) {
        double* y = io.y + (b * T + s) * H;
        for (int64_t j = 0; j < H; ++j) y[j] = valid ? tr->h[j] : 0.0;
      }
    }
  }

  void backward_sample(const RnnForwardIO<double>& inputs, RnnBackwardIO<double>& io, int64_t b,
                       const SampleTrace& tr) const {
    const int64_t T = cfg_.steps, H = H_;
    std::vector<double> dh(H, 0.0), dc(H, 0.0);  // d loss / d state leaving the current step
    std::vector<double> dh_prev(H), dc_prev(H), dx(I_);
    if (io.dh_final != nullptr) std::copy(io.dh_final + b * H, io.dh_final + (b + 1) * H, dh.begin());
    if (io.dc_final != nullptr && cfg_.has_cell_state())
      std::copy(io.dc_final + b * H, io.dc_final + (b + 1) * H, dc.begin());
    for (int64_t s = T - 1; s >= 0; --s) {
      const int64_t t = input_time(s);
      std::fill(dx.begin(), dx.end(), 0.0);
      // A masked step outputs a constant zero and passes the state through unchanged,
      // so its dy is ignored and dh, dc flow through it as they are.
      if (tr.valid[s]) {
        if (io.dy != nullptr) {
          const double* dy = io.dy + (b * T + s) * H;
          for (int64_t j = 0; j < H; ++j) dh[j] += dy[j];
        }
        const double* x = inputs.x + (b * T + t) * I_;
        const double* hp = &tr.h_prev[s * H];
        const double* cp = &tr.c_prev[s * H];
        const double* gates = &tr.gates[s * GH_];
        const double* extra = &tr.extra[s * H];
        std::fill(dh_prev.begin(), dh_prev.end(), 0.0);
        std::fill(dc_prev.begin(), dc_prev.end(), 0.0);
        // dhm collects the gradient of the masked state the recurrent products read.
        std::vector<double> dhm(H, 0.0);
        const std::vector<double> hm = recurrent_input(inputs, b, hp);
        switch (cfg_.cell) {
          case CellType::SimpleRnn: simple_step_backward(io, x, hm.data(), gates, dh.data(), dx.data(), dhm.data()); break;
          case CellType::Lstm:
            lstm_step_backward(io, x, hm.data(), cp, gates, extra, dh.data(), dc.data(), dx.data(), dhm.data(),
                               dc_prev.data());
            break;
          case CellType::Gru:
            gru_step_backward(io, x, hp, hm.data(), gates, extra, dh.data(), dx.data(), dh_prev.data(), dhm.data());
            break;
        }
        const double* m = inputs.recurrent_mask ? inputs.recurrent_mask + b * H : nullptr;
        for (int64_t j = 0; j < H; ++j) dh_prev[j] += m ? dhm[j] * m[j] : dhm[j];
        dh = dh_prev;
        if (cfg_.has_cell_state()) dc = dc_prev;
      }
      if (io.dx != nullptr) std::copy(dx.begin(), dx.end(), io.dx + (b * T + t) * I_);
      // Truncated BPTT: the state entering the first step of a chunk is a constant for
      // that chunk, so nothing flows from it into the chunk before.
      if (cfg_.truncate_steps > 0 && s > 0 && s % cfg_.truncate_steps == 0) {
        std::fill(dh.begin(), dh.end(), 0.0);
        std::fill(dc.begin(), dc.end(), 0.0);
      }
    }
    if (io.dh0 != nullptr) std::copy(dh.begin(), dh.end(), io.dh0 + b * H);
    if (io.dc0 != nullptr && cfg_.has_cell_state()) std::copy(dc.begin(), dc.end(), io.dc0 + b * H);
  }

 private:
  // A value as a matrix product reads it: itself, or under mixed precision its bfloat16 rounding.
  double op(double v) const { return bf16_ ? round_to_bfloat16(v) : v; }
  std::vector<double> operands(const double* v, int64_t n) const {
    std::vector<double> out(v, v + n);
    for (double& x : out) x = op(x);
    return out;
  }

  // What the recurrent products read: h_prev, times the recurrent dropout mask if any.
  std::vector<double> recurrent_input(const RnnForwardIO<double>& io, int64_t b, const double* hp) const {
    std::vector<double> hm(hp, hp + H_);
    if (io.recurrent_mask != nullptr)
      for (int64_t j = 0; j < H_; ++j) hm[j] *= io.recurrent_mask[b * H_ + j];
    return hm;
  }

  // out[j] = sum_i x[i] kernel[i, g*H + j], j < H.
  void input_forward(const double* x, int g, double* out) const {
    for (int64_t j = 0; j < H_; ++j) out[j] = 0.0;
    for (int64_t i = 0; i < I_; ++i) {
      const double* row = kernel_.data() + i * GH_ + g * H_;
      for (int64_t j = 0; j < H_; ++j) out[j] += op(x[i]) * row[j];
    }
  }
  // out[j] = sum_k v[k] recurrent_kernel[k, g*H + j], j < H.
  void recurrent_forward(const double* v, int g, double* out) const {
    for (int64_t j = 0; j < H_; ++j) out[j] = 0.0;
    for (int64_t k = 0; k < H_; ++k) {
      const double* row = recurrent_kernel_.data() + k * GH_ + g * H_;
      for (int64_t j = 0; j < H_; ++j) out[j] += op(v[k]) * row[j];
    }
  }
  // Gradients of out = input_forward(x, g): given da = d loss / d out [H],
  // dx[i] += sum_j kernel[i, gH+j] da[j] and dkernel[i, gH+j] += x[i] da[j].
  void input_backward(RnnBackwardIO<double>& io, const double* x, int g, const double* da, double* dx) const {
    for (int64_t i = 0; i < I_; ++i) {
      const double* row = kernel_.data() + i * GH_ + g * H_;
      double sum = 0.0;
      for (int64_t j = 0; j < H_; ++j) sum += row[j] * op(da[j]);
      dx[i] += sum;
      if (io.dkernel != nullptr) {
        double* drow = io.dkernel + i * GH_ + g * H_;
        for (int64_t j = 0; j < H_; ++j) drow[j] += op(x[i]) * op(da[j]);
      }
    }
  }
  // The same for out = recurrent_forward(v, g): dv += U da, drecurrent_kernel += v da^T.
  void recurrent_backward(RnnBackwardIO<double>& io, const double* v, int g, const double* da, double* dv) const {
    for (int64_t k = 0; k < H_; ++k) {
      const double* row = recurrent_kernel_.data() + k * GH_ + g * H_;
      double sum = 0.0;
      for (int64_t j = 0; j < H_; ++j) sum += row[j] * op(da[j]);
      dv[k] += sum;
      if (io.drecurrent_kernel != nullptr) {
        double* drow = io.drecurrent_kernel + k * GH_ + g * H_;
        for (int64_t j = 0; j < H_; ++j) drow[j] += op(v[k]) * op(da[j]);
      }
    }
  }
  // bias element `offset + j` (0 when there is no bias) and its gradient.
  double bias(int64_t offset) const { return w_.bias != nullptr ? w_.bias[offset] : 0.0; }
  void bias_backward(RnnBackwardIO<double>& io, int64_t offset, const double* da) const {
    if (io.dbias == nullptr || w_.bias == nullptr) return;
    for (int64_t j = 0; j < H_; ++j) io.dbias[offset + j] += da[j];
  }

  // h = act(x W + h_prev U + b). Here and in the LSTM steps `hp` is what the recurrent
  // products read (h_prev, masked under recurrent dropout) and dh_prev its gradient.
  void simple_step(const double* x, const double* hp, double* gates, double* h) const {
    std::vector<double> xw(H_), hu(H_);
    input_forward(x, 0, xw.data());
    recurrent_forward(hp, 0, hu.data());
    for (int64_t j = 0; j < H_; ++j) {
      gates[j] = activate(cfg_.activation, xw[j] + hu[j] + bias(j));
      h[j] = gates[j];
    }
  }

  void simple_step_backward(RnnBackwardIO<double>& io, const double* x, const double* hp, const double* gates,
                            const double* dh, double* dx, double* dh_prev) const {
    std::vector<double> da(H_);
    for (int64_t j = 0; j < H_; ++j) da[j] = dh[j] * activation_grad(cfg_.activation, gates[j]);
    input_backward(io, x, 0, da.data(), dx);
    recurrent_backward(io, hp, 0, da.data(), dh_prev);
    bias_backward(io, 0, da.data());
  }

  // Gates i, f, c (called g here), o; peephole weights [3, H] = p_i, p_f, p_o.
  void lstm_step(const double* x, const double* hp, const double* cp, double* gates, double* c_new, double* h,
                 double* c) const {
    const int64_t H = H_;
    std::vector<double> pre(GH_), xw(H), hu(H);
    for (int g = 0; g < 4; ++g) {
      input_forward(x, g, xw.data());
      recurrent_forward(hp, g, hu.data());
      for (int64_t j = 0; j < H; ++j) pre[g * H + j] = xw[j] + hu[j] + bias(g * H + j);
    }
    const double* p = cfg_.peephole ? w_.peephole : nullptr;
    for (int64_t j = 0; j < H; ++j) {
      const double i = activate(cfg_.recurrent_activation, pre[j] + (p ? p[j] * cp[j] : 0.0));
      const double f = activate(cfg_.recurrent_activation, pre[H + j] + (p ? p[H + j] * cp[j] : 0.0));
      const double g = activate(cfg_.activation, pre[2 * H + j]);
      const double cn = f * cp[j] + i * g;
      const double o = activate(cfg_.recurrent_activation, pre[3 * H + j] + (p ? p[2 * H + j] * cn : 0.0));
      gates[j] = i;
      gates[H + j] = f;
      gates[2 * H + j] = g;
      gates[3 * H + j] = o;
      c_new[j] = cn;
      c[j] = cn;
      h[j] = o * activate(cfg_.activation, cn);
    }
  }

  void lstm_step_backward(RnnBackwardIO<double>& io, const double* x, const double* hp, const double* cp,
                          const double* gates, const double* c_new, const double* dh, const double* dc, double* dx,
                          double* dh_prev, double* dc_prev) const {
    const int64_t H = H_;
    const Activation act = cfg_.activation, ract = cfg_.recurrent_activation;
    const double* p = cfg_.peephole ? w_.peephole : nullptr;
    std::vector<double> da(GH_);  // d loss / d gate pre-activation (x W + h_prev U + b), gates i, f, c, o
    for (int64_t j = 0; j < H; ++j) {
      const double i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
      const double cn = c_new[j];
      const double tc = activate(act, cn);
      const double da_o = dh[j] * tc * activation_grad(ract, o);
      // c reaches the loss through the next step (dc), through h = o act(c), and through o's peephole.
      const double dct = dc[j] + dh[j] * o * activation_grad(act, tc) + (p ? da_o * p[2 * H + j] : 0.0);
      const double da_i = dct * g * activation_grad(ract, i);
      const double da_f = dct * cp[j] * activation_grad(ract, f);
      const double da_g = dct * i * activation_grad(act, g);
      da[j] = da_i;
      da[H + j] = da_f;
      da[2 * H + j] = da_g;
      da[3 * H + j] = da_o;
      dc_prev[j] = dct * f + (p ? da_i * p[j] + da_f * p[H + j] : 0.0);
      if (p != nullptr && io.dpeephole != nullptr) {
        io.dpeephole[j] += da_i * cp[j];
        io.dpeephole[H + j] += da_f * cp[j];
        io.dpeephole[2 * H + j] += da_o * cn;
      }
    }
    for (int g = 0; g < 4; ++g) {
      input_backward(io, x, g, &da[g * H], dx);
      recurrent_backward(io, hp, g, &da[g * H], dh_prev);
      bias_backward(io, g * H, &da[g * H]);
    }
  }

  // Gates z, r, h (the candidate, called n here). reset_after: bias [2, 3H] = input row,
  // recurrent row; `rn` keeps h_prev Uh + b_rh. reset_before: bias [3H].
  // hp: h_prev; hm: what the recurrent products read (h_prev, masked under recurrent dropout).
  void gru_step(const double* x, const double* hp, const double* hm, double* gates, double* rn, double* h) const {
    const int64_t H = H_;
    const bool after = cfg_.reset_after;
    const Activation act = cfg_.activation, ract = cfg_.recurrent_activation;
    std::vector<double> xw(H), hu(H), rh(H);
    double* z = gates;
    double* r = gates + H;
    double* n = gates + 2 * H;
    for (int g = 0; g < 2; ++g) {
      input_forward(x, g, xw.data());
      recurrent_forward(hm, g, hu.data());
      for (int64_t j = 0; j < H; ++j) {
        const double b = bias(g * H + j) + (after ? bias(3 * H + g * H + j) : 0.0);
        gates[g * H + j] = activate(ract, xw[j] + hu[j] + b);
      }
    }
    input_forward(x, 2, xw.data());
    if (after) {
      recurrent_forward(hm, 2, hu.data());
      for (int64_t j = 0; j < H; ++j) {
        rn[j] = hu[j] + bias(5 * H + j);
        n[j] = activate(act, xw[j] + bias(2 * H + j) + r[j] * rn[j]);
      }
    } else {
      for (int64_t k = 0; k < H; ++k) rh[k] = r[k] * hm[k];
      recurrent_forward(rh.data(), 2, hu.data());
      for (int64_t j = 0; j < H; ++j) n[j] = activate(act, xw[j] + bias(2 * H + j) + hu[j]);
    }
    for (int64_t j = 0; j < H; ++j) h[j] = z[j] * hp[j] + (1.0 - z[j]) * n[j];
  }

  // dh_prev gets the direct term z * dh; dhm the gradient of what the recurrent products read.
  void gru_step_backward(RnnBackwardIO<double>& io, const double* x, const double* hp, const double* hm,
                         const double* gates, const double* rn, const double* dh, double* dx, double* dh_prev,
                         double* dhm) const {
    const int64_t H = H_;
    const bool after = cfg_.reset_after;
    const Activation act = cfg_.activation, ract = cfg_.recurrent_activation;
    const double* z = gates;
    const double* r = gates + H;
    const double* n = gates + 2 * H;
    std::vector<double> da_z(H), da_r(H), da_n(H), da_nh(H), rh(H), drh(H, 0.0);
    for (int64_t j = 0; j < H; ++j) {
      da_z[j] = dh[j] * (hp[j] - n[j]) * activation_grad(ract, z[j]);
      da_n[j] = dh[j] * (1.0 - z[j]) * activation_grad(act, n[j]);
      dh_prev[j] += dh[j] * z[j];
    }
    if (after) {
      for (int64_t j = 0; j < H; ++j) {
        da_r[j] = da_n[j] * rn[j] * activation_grad(ract, r[j]);
        da_nh[j] = da_n[j] * r[j];  // d loss / d (h_prev Uh + b_rh)
      }
      recurrent_backward(io, hm, 2, da_nh.data(), dhm);
      bias_backward(io, 5 * H, da_nh.data());
    } else {
      for (int64_t k = 0; k < H; ++k) rh[k] = r[k] * hm[k];
      recurrent_backward(io, rh.data(), 2, da_n.data(), drh.data());  // drh = d loss / d (r * hm)
      for (int64_t k = 0; k < H; ++k) {
        da_r[k] = drh[k] * hm[k] * activation_grad(ract, r[k]);
        dhm[k] += drh[k] * r[k];
      }
    }
    const double* da[3] = {da_z.data(), da_r.data(), da_n.data()};
    for (int g = 0; g < 3; ++g) {
      input_backward(io, x, g, da[g], dx);
      bias_backward(io, g * H, da[g]);
    }
    for (int g = 0; g < 2; ++g) {
      recurrent_backward(io, hm, g, da[g], dhm);
      if (after) bias_backward(io, 3 * H + g * H, da[g]);
    }
  }

  const RnnConfig& cfg_;
  const RnnWeights<double>& w_;
  const int64_t I_, H_, G_, GH_;
  const bool bf16_;
  const std::vector<double> kernel_, recurrent_kernel_;  // as the products read them
};

}  // namespace

void rnn_forward_reference(const RnnConfig& config, const RnnWeights<double>& weights, RnnForwardIO<double>& io) {
  const Layer layer(config, weights);
  const int64_t H = config.units;
  SampleTrace trace;
  for (int64_t b = 0; b < config.batch; ++b) {
    layer.forward_sample(io, b, &trace);
    if (io.h_final != nullptr) std::copy(trace.h.begin(), trace.h.end(), io.h_final + b * H);
    if (io.c_final != nullptr && config.has_cell_state()) std::copy(trace.c.begin(), trace.c.end(), io.c_final + b * H);
  }
}

void rnn_backward_reference(const RnnConfig& config, const RnnWeights<double>& weights,
                            const RnnForwardIO<double>& inputs, RnnBackwardIO<double>& io) {
  const Layer layer(config, weights);
  RnnForwardIO<double> replay;  // the inputs only: the replay writes no outputs
  replay.x = inputs.x;
  replay.h0 = inputs.h0;
  replay.c0 = inputs.c0;
  replay.mask = inputs.mask;
  replay.recurrent_mask = inputs.recurrent_mask;
  SampleTrace trace;
  for (int64_t b = 0; b < config.batch; ++b) {
    layer.forward_sample(replay, b, &trace);
    layer.backward_sample(inputs, io, b, trace);
  }
}

}  // namespace recurrent

// ---- The reference backend's recurrent layer op: the float tensors widened to double,
// the layer above, the results rounded back. Backward replays the forward pass from its
// inputs, so the op keeps no cache.
namespace recurrent {
namespace {

std::vector<double> widen(const float* p, int64_t n) {
  return p ? std::vector<double>(p, p + n) : std::vector<double>();
}
double* data_or_null(std::vector<double>& v) { return v.empty() ? nullptr : v.data(); }
void narrow(const std::vector<double>& v, float* out) {
  if (out) std::transform(v.begin(), v.end(), out, [](double d) { return static_cast<float>(d); });
}

// The double copies of a layer call's weights and inputs.
struct WideCall {
  std::vector<double> kernel, recurrent_kernel, bias, peephole, x, h0, c0, recurrent_mask;
  RnnWeights<double> weights;
  RnnForwardIO<double> io;

  WideCall(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& in) {
    const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, GH = c.gates() * H;
    kernel = widen(w.kernel, I * GH);
    recurrent_kernel = widen(w.recurrent_kernel, H * GH);
    bias = widen(w.bias, c.bias_size());
    peephole = widen(c.peephole ? w.peephole : nullptr, 3 * H);
    x = widen(in.x, B * T * I);
    h0 = widen(in.h0, B * H);
    c0 = widen(c.has_cell_state() ? in.c0 : nullptr, B * H);
    recurrent_mask = widen(in.recurrent_mask, B * H);
    weights.kernel = kernel.data();
    weights.recurrent_kernel = recurrent_kernel.data();
    weights.bias = data_or_null(bias);
    weights.peephole = data_or_null(peephole);
    io.x = x.data();
    io.h0 = data_or_null(h0);
    io.c0 = data_or_null(c0);
    io.mask = in.mask;
    io.recurrent_mask = data_or_null(recurrent_mask);
  }
};

}  // namespace

int64_t ReferenceBackend::rnn_cache_size(const RnnConfig&) { return 0; }

void ReferenceBackend::rnn_forward(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& io,
                                   float*) {
  const int64_t B = c.batch, T = c.steps, H = c.units;
  WideCall call(c, w, io);
  std::vector<double> y(io.y ? B * T * H : 0), h_final(B * H), c_final(c.has_cell_state() ? B * H : 0);
  call.io.y = data_or_null(y);
  call.io.h_final = h_final.data();
  call.io.c_final = data_or_null(c_final);
  rnn_forward_reference(c, call.weights, call.io);
  narrow(y, io.y);
  narrow(h_final, io.h_final);
  narrow(c_final, io.c_final);
}

void ReferenceBackend::rnn_backward(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& inputs,
                                    const float*, const RnnBackwardIO<float>& g) {
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, GH = c.gates() * H;
  const bool lstm = c.has_cell_state();
  WideCall call(c, w, inputs);
  std::vector<double> dy = widen(g.dy, B * T * H), dh_final = widen(g.dh_final, B * H),
                      dc_final = widen(lstm ? g.dc_final : nullptr, B * H);
  // Outputs written (=) start at zero; accumulated ones (+=) start from the caller's.
  std::vector<double> dx(g.dx ? B * T * I : 0), dh0(g.dh0 ? B * H : 0), dc0(g.dc0 && lstm ? B * H : 0);
  std::vector<double> dkernel = widen(g.dkernel, I * GH), drecurrent = widen(g.drecurrent_kernel, H * GH),
                      dbias = widen(g.dbias, c.bias_size()),
                      dpeephole = widen(c.peephole ? g.dpeephole : nullptr, 3 * H);
  RnnBackwardIO<double> wide;
  wide.dy = data_or_null(dy);
  wide.dh_final = data_or_null(dh_final);
  wide.dc_final = data_or_null(dc_final);
  wide.dx = data_or_null(dx);
  wide.dh0 = data_or_null(dh0);
  wide.dc0 = data_or_null(dc0);
  wide.dkernel = data_or_null(dkernel);
  wide.drecurrent_kernel = data_or_null(drecurrent);
  wide.dbias = data_or_null(dbias);
  wide.dpeephole = data_or_null(dpeephole);
  rnn_backward_reference(c, call.weights, call.io, wide);
  narrow(dx, g.dx);
  narrow(dh0, g.dh0);
  narrow(dc0, g.dc0);
  narrow(dkernel, g.dkernel);
  narrow(drecurrent, g.drecurrent_kernel);
  narrow(dbias, g.dbias);
  narrow(dpeephole, c.peephole ? g.dpeephole : nullptr);
}

}  // namespace recurrent
