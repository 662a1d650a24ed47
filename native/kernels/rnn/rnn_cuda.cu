// The CUDA backend's whole-sequence recurrent layer, forward (semantics:
// kernels/rnn/rnn_layer.h; declared in kernels/cuda/cuda_ops.h), cuDNN style: the input
// projection of every step is one GEMM before the loop (the input bias broadcast first);
// each step is one GEMM of the recurrent state with the recurrent kernel and one fused
// element-wise kernel, one thread per (sample, unit), running the cell math of
// common/cell_math.h that the CPU kernels run too. GRU with reset_after false takes two
// products per step (the gates, then the candidate's (r * h) Uh). The cache keeps what
// backward will read: per processing step the gate activations, the entering states and
// the LSTM's new c or the GRU's recurrent candidate projection.
//
// B batch, T steps, I input features, H units, G gates.
#include <stdexcept>

#include "common/cell_math.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"

namespace recurrent {
namespace cuda_ops {
namespace {

constexpr unsigned kThreads = 256;

// Offsets (in floats) of the cache's parts.
struct CacheLayout {
  int64_t xproj, gates, h_prev, c_prev, extra, rec, h, c, h_rec, rh, total;
  explicit CacheLayout(const RnnConfig& c) {
    const int64_t B = c.batch, T = c.steps, H = c.units, GH = c.gates() * H;
    int64_t at = 0;
    auto take = [&](int64_t n) {
      const int64_t here = at;
      at += (n + 15) / 16 * 16;  // 64-byte aligned parts
      return here;
    };
    xproj = take(B * T * GH);  // [B, T, GH] by input time, input bias included
    gates = take(T * B * GH);  // [T, B, GH] by processing step
    h_prev = take(T * B * H);  // [T, B, H]
    c_prev = take(T * B * H);  // [T, B, H] (LSTM)
    extra = take(T * B * H);   // [T, B, H] LSTM: new c; GRU: the candidate's recurrent projection
    rec = take(B * GH);        // [B, GH] this step's recurrent product
    h = take(B * H);
    this->c = take(B * H);
    h_rec = take(B * H);  // h * recurrent mask
    rh = take(B * H);     // GRU reset_before: r * h_rec
    total = at;
  }
};

SIMT_DEVICE int64_t first_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
SIMT_DEVICE int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

SIMT_KERNEL void copy_or_zero_kernel(float* dst, const float* src, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) dst[i] = src ? src[i] : 0.0f;
}

// Everything a step's element-wise kernel reads and writes.
struct StepArgs {
  RnnConfig cfg;
  int64_t s = 0, t = 0;
  const float* xproj = nullptr;  // [B, T, GH]
  const float* rec = nullptr;    // [B, GH] (GRU reset_before: [B, 2H], then the candidate's [B, H] in rhn)
  const float* rhn = nullptr;    // [B, H] GRU reset_before
  const float* recurrent_bias = nullptr;  // [GH] GRU reset_after, or null
  const float* peephole = nullptr;        // [3, H] or null
  const uint8_t* mask = nullptr;          // [B, T] or null
  const float* h_rec = nullptr;           // [B, H] what the recurrent products read
  float* h = nullptr;                     // [B, H] in: h_prev, out: h
  float* c = nullptr;                     // [B, H] LSTM
  float* y = nullptr;                     // [B, T, H] or null
  float* gates = nullptr;                 // [B, GH] of step s
  float* h_prev = nullptr;                // [B, H] of step s
  float* c_prev = nullptr;                // [B, H] of step s
  float* extra = nullptr;                 // [B, H] of step s
  float* rh = nullptr;                    // [B, H] GRU reset_before
};

SIMT_DEVICE bool step_valid(const StepArgs& a, int64_t b) {
  return a.mask == nullptr || a.mask[b * a.cfg.steps + a.t] != 0;
}

// SimpleRNN, LSTM and GRU with reset_after: the whole step.
SIMT_KERNEL void cell_step_kernel(StepArgs a) {
  const int64_t H = a.cfg.units, GH = a.cfg.gates() * H, n = a.cfg.batch * H;
  const Activation act = a.cfg.activation, ract = a.cfg.recurrent_activation;
  for (int64_t e = first_index(); e < n; e += grid_stride()) {
    const int64_t b = e / H, j = e % H;
    const float hp = a.h[e];
    a.h_prev[e] = hp;
    const bool valid = step_valid(a, b);
    float* y = a.y ? a.y + (b * a.cfg.steps + a.s) * H + j : nullptr;
    const float* xp = a.xproj + (b * a.cfg.steps + a.t) * GH;
    const float* rp = a.rec + b * GH;
    float* g = a.gates + b * GH;
    switch (a.cfg.cell) {
      case CellType::SimpleRnn: {
        if (!valid) break;
        const float v = activate(act, xp[j] + rp[j]);
        g[j] = v;
        a.h[e] = v;
        break;
      }
      case CellType::Lstm: {
        const float cp = a.c[e];
        a.c_prev[e] = cp;
        if (!valid) break;
        const float* p = a.peephole;
        float i, f, gg, o, c, h;
        lstm_step_forward(act, ract, xp[j] + rp[j], xp[H + j] + rp[H + j], xp[2 * H + j] + rp[2 * H + j],
                          xp[3 * H + j] + rp[3 * H + j], cp, p ? p[j] : 0.0f, p ? p[H + j] : 0.0f, p ? p[2 * H + j] : 0.0f,
                          &i, &f, &gg, &o, &c, &h);
        g[j] = i;
        g[H + j] = f;
        g[2 * H + j] = gg;
        g[3 * H + j] = o;
        a.extra[e] = c;
        a.c[e] = c;
        a.h[e] = h;
        break;
      }
      case CellType::Gru: {
        if (!valid) break;
        const float* rb = a.recurrent_bias;
        const float hz = rp[j] + (rb ? rb[j] : 0.0f), hr = rp[H + j] + (rb ? rb[H + j] : 0.0f),
                    hn = rp[2 * H + j] + (rb ? rb[2 * H + j] : 0.0f);
        float z, r, nn, h;
        gru_step_forward(act, ract, xp[j], xp[H + j], xp[2 * H + j], hz, hr, hn, hp, &z, &r, &nn, &h);
        g[j] = z;
        g[H + j] = r;
        g[2 * H + j] = nn;
        a.extra[e] = hn;
        a.h[e] = h;
        break;
      }
    }
    if (y) *y = valid ? a.h[e] : 0.0f;
  }
}

// GRU reset_before, first half: z, r and r * h_rec from the [B, 2H] product.
SIMT_KERNEL void gru_gates_kernel(StepArgs a) {
  const int64_t H = a.cfg.units, GH = 3 * H, n = a.cfg.batch * H;
  for (int64_t e = first_index(); e < n; e += grid_stride()) {
    const int64_t b = e / H, j = e % H;
    a.h_prev[e] = a.h[e];
    if (!step_valid(a, b)) {
      a.rh[e] = 0.0f;
      continue;
    }
    const float* xp = a.xproj + (b * a.cfg.steps + a.t) * GH;
    const float* rp = a.rec + b * 2 * H;
    float z, r, rh;
    gru_reset_before_gates(a.cfg.recurrent_activation, xp[j], xp[H + j], rp[j], rp[H + j], a.h_rec[e], &z, &r, &rh);
    a.gates[b * GH + j] = z;
    a.gates[b * GH + H + j] = r;
    a.rh[e] = rh;
  }
}

// Second half: the candidate from (r * h_rec) Uh, and the new state.
SIMT_KERNEL void gru_candidate_kernel(StepArgs a) {
  const int64_t H = a.cfg.units, GH = 3 * H, n = a.cfg.batch * H;
  for (int64_t e = first_index(); e < n; e += grid_stride()) {
    const int64_t b = e / H, j = e % H;
    const bool valid = step_valid(a, b);
    if (valid) {
      const float* xp = a.xproj + (b * a.cfg.steps + a.t) * GH;
      float nn, h;
      gru_reset_before_candidate(a.cfg.activation, xp[2 * H + j], a.rhn[e], a.gates[b * GH + j], a.h[e], &nn, &h);
      a.gates[b * GH + 2 * H + j] = nn;
      a.extra[e] = a.rhn[e];
      a.h[e] = h;
    }
    if (a.y) a.y[(b * a.cfg.steps + a.s) * H + j] = valid ? a.h[e] : 0.0f;
  }
}

unsigned blocks(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(4096, simt::blocks_for(n, kThreads))); }

void copy_or_zero(float* dst, const float* src, int64_t n, simt::Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, s, copy_or_zero_kernel, dst, src, n);
}

}  // namespace

int64_t rnn_cache_size(const RnnConfig& config) { return CacheLayout(config).total; }

void rnn_forward(const RnnConfig& cfg, const RnnWeights<float>& w, const RnnForwardIO<float>& io, float* cache,
                 Stream stream) {
  if (cfg.mixed_precision != MixedPrecision::None)
    throw std::invalid_argument("the CUDA backend has no bfloat16 recurrent layer yet; use mixedPrecision 'float32'");
  const simt::Stream st = static_cast<simt::Stream>(stream);
  const CacheLayout L(cfg);
  const int64_t B = cfg.batch, T = cfg.steps, I = cfg.input, H = cfg.units, GH = cfg.gates() * H;
  const bool reset_before = cfg.cell == CellType::Gru && !cfg.reset_after;
  float* xproj = cache + L.xproj;
  if (w.bias) broadcast_rows(w.bias, xproj, B * T, GH, stream);
  gemm(false, false, B * T, GH, I, 1.0f, io.x, I, w.kernel, GH, w.bias ? 1.0f : 0.0f, xproj, GH, stream);
  float* h = cache + L.h;
  float* c = cache + L.c;
  copy_or_zero(h, io.h0, B * H, st);
  if (cfg.has_cell_state()) copy_or_zero(c, io.c0, B * H, st);
  StepArgs a;
  a.cfg = cfg;
  a.xproj = xproj;
  float* rec = cache + L.rec;
  a.rec = rec;
  float* rhn = reset_before ? cache + L.rec + B * 2 * H : nullptr;  // after the [B, 2H] gate product
  a.rhn = rhn;
  a.recurrent_bias = cfg.cell == CellType::Gru && cfg.reset_after && w.bias ? w.bias + GH : nullptr;
  a.peephole = cfg.peephole ? w.peephole : nullptr;
  a.mask = io.mask;
  a.h = h;
  a.c = c;
  a.y = io.y;
  a.rh = cache + L.rh;
  float* h_rec = io.recurrent_mask ? cache + L.h_rec : h;
  a.h_rec = h_rec;
  for (int64_t s = 0; s < T; ++s) {
    a.s = s;
    a.t = cfg.go_backwards ? T - 1 - s : s;
    a.gates = cache + L.gates + s * B * GH;
    a.h_prev = cache + L.h_prev + s * B * H;
    a.c_prev = cache + L.c_prev + s * B * H;
    a.extra = cache + L.extra + s * B * H;
    if (io.recurrent_mask) multiply(h, io.recurrent_mask, h_rec, B * H, stream);
    if (!reset_before) {
      gemm(false, false, B, GH, H, 1.0f, h_rec, H, w.recurrent_kernel, GH, 0.0f, rec, GH, stream);
      simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, cell_step_kernel, a);
    } else {
      gemm(false, false, B, 2 * H, H, 1.0f, h_rec, H, w.recurrent_kernel, GH, 0.0f, rec, 2 * H, stream);
      simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, gru_gates_kernel, a);
      gemm(false, false, B, H, H, 1.0f, a.rh, H, w.recurrent_kernel + 2 * H, GH, 0.0f, rhn, H, stream);
      simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, gru_candidate_kernel, a);
    }
  }
  if (io.h_final) copy_or_zero(io.h_final, h, B * H, st);
  if (io.c_final && cfg.has_cell_state()) copy_or_zero(io.c_final, c, B * H, st);
}

}  // namespace cuda_ops
}  // namespace recurrent
