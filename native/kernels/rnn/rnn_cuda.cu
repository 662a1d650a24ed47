// The CUDA backend's whole-sequence recurrent layer (semantics: kernels/rnn/rnn_layer.h;
// declared in kernels/cuda/cuda_ops.h), cuDNN style. Forward: the input
// projection of every step is one GEMM before the loop (the input bias broadcast first);
// each step is one GEMM of the recurrent state with the recurrent kernel and one fused
// element-wise kernel, one thread per (sample, unit), running the cell math of
// common/cell_math.h that the CPU kernels run too. GRU with reset_after false takes two
// products per step (the gates, then the candidate's (r * h) Uh). The cache keeps what
// backward will read: per processing step the gate activations, the entering states and
// the LSTM's new c or the GRU's recurrent candidate projection.
//
// Backward mirrors it: per step, in reverse processing order, one fused element-wise
// kernel turns the gradient reaching the step's state into the gate pre-activation
// gradients dG (kept for every step, by input time) and the part of d h_prev that does not
// pass through the recurrent kernel; one GEMM dG U^T gives the rest. After the loop the
// weight gradients and dx are large GEMMs over all B*T rows (x^T dG, h_rec^T dG, dG W^T),
// the bias gradients column sums of dG, the peephole gradients one reduction.
//
// B batch, T steps, I input features, H units, G gates.
#include <atomic>
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

// ---- Backward.

int64_t persistent_units_per_block(const RnnConfig& c);  // below, with the path choice

// Offsets (in floats) of the backward workspace's parts.
struct WorkspaceLayout {
  int64_t dg, dg_rec, h_rec, rh, dh, dhm, dc, drh, partial, total;
  explicit WorkspaceLayout(const RnnConfig& c) {
    const int64_t B = c.batch, T = c.steps, H = c.units, GH = c.gates() * H;
    const bool gru_after = c.cell == CellType::Gru && c.reset_after;
    const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
    int64_t at = 0;
    auto take = [&](int64_t n) {
      const int64_t here = at;
      at += (n + 15) / 16 * 16;
      return here;
    };
    dg = take(B * T * GH);                        // [B, T, GH] by input time: d gate pre-activations
    dg_rec = gru_after ? take(B * T * GH) : dg;   // [B, T, GH] what the recurrent product got (GRU reset_after: n part dn * r)
    h_rec = take(B * T * H);                      // [B, T, H] what the recurrent products read, by input time
    rh = gru_before ? take(B * T * H) : h_rec;    // [B, T, H] GRU reset_before: r * h_rec
    dh = take(B * H);                             // carried: the part of d h_prev not through the recurrent kernel
    dhm = take(B * H);                            // carried: dG_rec U^T of the step just processed
    dc = take(B * H);                             // carried: d c_prev (LSTM)
    drh = take(B * H);                            // GRU reset_before: d (r * h_rec) of this step
    const int64_t P = persistent_units_per_block(c);
    partial = take(P > 0 ? 2 * ((H + P - 1) / P) * B * H : 0);  // the persistent backward's [2, blocks, B, H]
    total = at;
  }
};

// Everything a backward step's element-wise kernels read and write.
struct BackStepArgs {
  RnnConfig cfg;
  int64_t s = 0, t = 0;
  bool cut = false;                 // truncated BPTT: no gradient reaches this step from the later one
  const float* gates = nullptr;     // [B, GH] of step s (cache)
  const float* h_prev = nullptr;    // [B, H] of step s
  const float* c_prev = nullptr;    // [B, H] of step s
  const float* extra = nullptr;     // [B, H] of step s: LSTM new c, GRU reset_after h_prev Uh + b_rh
  const float* peephole = nullptr;  // [3, H] or null
  const uint8_t* mask = nullptr;    // [B, T] or null
  const float* recurrent_mask = nullptr;  // [B, H] or null
  const float* dy = nullptr;        // [B, T, H] or null
  float* dhm = nullptr;             // [B, H]
  const float* drh = nullptr;       // [B, H] GRU reset_before
  float* dh = nullptr;              // [B, H] carried
  float* dc = nullptr;              // [B, H] carried (LSTM)
  float* dg = nullptr;              // dG + t * GH: row b at b * T * GH
  float* dg_rec = nullptr;          // the same for dG_rec
};

SIMT_DEVICE bool back_valid(const BackStepArgs& a, int64_t b) {
  return a.mask == nullptr || a.mask[b * a.cfg.steps + a.t] != 0;
}

// The gradient reaching h of step s: the carried parts, then dy where the step is valid.
SIMT_DEVICE float incoming_dh(const BackStepArgs& a, int64_t e) {
  if (a.cut) return 0.0f;
  return a.dh[e] + a.dhm[e] * (a.recurrent_mask ? a.recurrent_mask[e] : 1.0f);
}

// SimpleRNN, LSTM, GRU reset_after; and the first half of GRU reset_before (all but the
// reset gate, which needs d (r * h_rec) from the candidate's product first).
// One (sample, unit) e = b * H + j of step a.s.
SIMT_DEVICE void backward_cell(const BackStepArgs& a, int64_t e) {
  const int64_t H = a.cfg.units, T = a.cfg.steps, GH = a.cfg.gates() * H;
  const Activation act = a.cfg.activation, ract = a.cfg.recurrent_activation;
  const bool lstm = a.cfg.cell == CellType::Lstm;
  {
    const int64_t b = e / H, j = e % H;
    float dh = incoming_dh(a, e);
    const float dc = lstm && !a.cut ? a.dc[e] : 0.0f;
    float* dg = a.dg + b * T * GH;
    float* dgr = a.dg_rec + b * T * GH;
    if (!back_valid(a, b)) {
      // A masked step passes the state through; it adds nothing to any gradient.
      for (int g = 0; g < a.cfg.gates(); ++g) dg[g * H + j] = dgr[g * H + j] = 0.0f;
      a.dh[e] = dh;
      if (lstm) a.dc[e] = dc;
      return;
    }
    if (a.dy) dh += a.dy[(b * T + a.s) * H + j];
    const float* gate = a.gates + b * GH;
    switch (a.cfg.cell) {
      case CellType::SimpleRnn:
        dg[j] = dh * activation_grad(act, gate[j]);
        a.dh[e] = 0.0f;
        break;
      case CellType::Lstm: {
        const float* p = a.peephole;
        float di, df, dgg, d_o, dcp;
        lstm_step_backward(act, ract, dh, dc, gate[j], gate[H + j], gate[2 * H + j], gate[3 * H + j], a.c_prev[e],
                           a.extra[e], p ? p[j] : 0.0f, p ? p[H + j] : 0.0f, p ? p[2 * H + j] : 0.0f, &di, &df, &dgg,
                           &d_o, &dcp);
        dg[j] = di;
        dg[H + j] = df;
        dg[2 * H + j] = dgg;
        dg[3 * H + j] = d_o;
        a.dh[e] = 0.0f;
        a.dc[e] = dcp;
        break;
      }
      case CellType::Gru:
        if (a.cfg.reset_after) {
          float dz, dr, dn, direct;
          gru_step_backward(act, ract, dh, gate[j], gate[H + j], gate[2 * H + j], a.extra[e], a.h_prev[e], &dz, &dr,
                            &dn, &direct);
          dg[j] = dgr[j] = dz;
          dg[H + j] = dgr[H + j] = dr;
          dg[2 * H + j] = dn;
          dgr[2 * H + j] = dn * gate[H + j];
          a.dh[e] = direct;
        } else {
          float dz, dn, direct;
          gru_reset_before_backward_candidate(act, ract, dh, gate[j], gate[2 * H + j], a.h_prev[e], &dz, &dn, &direct);
          dg[j] = dz;
          dg[2 * H + j] = dn;
          a.dh[e] = direct;
        }
        break;
    }
  }
}

SIMT_KERNEL void cell_step_backward_kernel(BackStepArgs a) {
  for (int64_t e = first_index(); e < a.cfg.batch * a.cfg.units; e += grid_stride()) backward_cell(a, e);
}

// Where step s's parts of the cache and of dG are.
struct StepBases {
  const float* gates;   // cache [T, B, GH]
  const float* h_prev;  // cache [T, B, H]
  const float* c_prev;
  const float* extra;
  float* dg;            // [B, T, GH]
  float* dg_rec;
};

RECURRENT_HD inline void place_step(BackStepArgs& a, const StepBases& at, int64_t s) {
  const int64_t B = a.cfg.batch, T = a.cfg.steps, H = a.cfg.units, GH = a.cfg.gates() * H;
  a.s = s;
  a.t = a.cfg.go_backwards ? T - 1 - s : s;
  a.cut = a.cfg.truncate_steps > 0 && s + 1 < T && (s + 1) % a.cfg.truncate_steps == 0;
  a.gates = at.gates + s * B * GH;
  a.h_prev = at.h_prev + s * B * H;
  a.c_prev = at.c_prev + s * B * H;
  a.extra = at.extra + s * B * H;
  a.dg = at.dg + a.t * GH;
  a.dg_rec = at.dg_rec + a.t * GH;
}

// ---- The persistent backward: one cooperative launch for the whole reversed sequence,
// each block owning the units of the persistent forward (and its columns of the recurrent
// kernel, in shared memory). Per step: (A) each thread turns the gradient reaching its
// (sample, unit) into dG; (B) each block multiplies its units' columns of dG_rec
// by its columns of U^T, a partial dG_rec U^T for every unit; grid sync; (C) each unit's
// owner adds the blocks' partials in block order. The partials alternate between two
// buffers, so step s-1's (B) never overwrites what step s's (C) still reads. Summed by block,
// not in one GEMM's column order: the same bits run to run, not the stepwise path's.
struct PersistentBackArgs {
  BackStepArgs a;
  StepBases at;
  const float* recurrent_kernel = nullptr;  // [H, GH]
  int64_t per_block = 0;
  float* partial = nullptr;  // [2, blocks, B, H]
};

SIMT_KERNEL void persistent_backward_kernel(PersistentBackArgs p) {
  SIMT_DYNAMIC_SHARED(float, u);  // [H, G, per_block], as the persistent forward's
  BackStepArgs a = p.a;
  const int64_t B = a.cfg.batch, T = a.cfg.steps, H = a.cfg.units, G = a.cfg.gates(), GH = G * H, P = p.per_block;
  const int64_t blocks = gridDim.x, j0 = int64_t(blockIdx.x) * P;
  for (int64_t e = threadIdx.x; e < H * G * P; e += blockDim.x) {
    const int64_t jj = e % P, g = (e / P) % G, k = e / (P * G), j = j0 + jj;
    u[e] = j < H ? p.recurrent_kernel[k * GH + g * H + j] : 0.0f;
  }
  simt_sync();
  for (int64_t s = T - 1; s >= 0; --s) {
    place_step(a, p.at, s);
    for (int64_t e = threadIdx.x; e < B * P; e += blockDim.x) {
      const int64_t b = e / P, j = j0 + e % P;
      if (j < H) backward_cell(a, b * H + j);
    }
    simt_sync();  // (B) reads only this block's columns of dG_rec
    float* part = p.partial + (s % 2) * blocks * B * H;
    for (int64_t e = threadIdx.x; e < B * H; e += blockDim.x) {
      const int64_t b = e / H, k = e % H;
      const float* row = a.dg_rec + b * T * GH;
      float sum = 0.0f;
      for (int64_t g = 0; g < G; ++g)
        for (int64_t jj = 0; jj < P && j0 + jj < H; ++jj) sum += row[g * H + j0 + jj] * u[(k * G + g) * P + jj];
      part[(int64_t(blockIdx.x) * B + b) * H + k] = sum;
    }
    simt_grid_sync();
    for (int64_t e = threadIdx.x; e < B * P; e += blockDim.x) {
      const int64_t b = e / P, j = j0 + e % P;
      if (j >= H) continue;
      float sum = 0.0f;
      for (int64_t blk = 0; blk < blocks; ++blk) sum += part[(blk * B + b) * H + j];
      a.dhm[b * H + j] = sum;
    }
  }
}

// GRU reset_before, second half: the reset gate from d (r * h_rec).
SIMT_KERNEL void gru_reset_gate_backward_kernel(BackStepArgs a) {
  const int64_t H = a.cfg.units, T = a.cfg.steps, GH = 3 * H, n = a.cfg.batch * H;
  for (int64_t e = first_index(); e < n; e += grid_stride()) {
    const int64_t b = e / H, j = e % H;
    if (!back_valid(a, b)) continue;  // its dG row is zero already
    const float m = a.recurrent_mask ? a.recurrent_mask[e] : 1.0f;
    float dr, direct = a.dh[e];
    gru_reset_before_backward_gates(a.cfg.recurrent_activation, a.drh[e], a.gates[b * GH + H + j], a.h_prev[e] * m, m,
                                    &dr, &direct);
    a.dg[b * T * GH + H + j] = dr;
    a.dh[e] = direct;
  }
}

// dh0 = what reaches h0 (the carried parts after step 0).
SIMT_KERNEL void initial_state_gradient_kernel(const float* dh, const float* dhm, const float* recurrent_mask,
                                               float* dh0, int64_t n) {
  for (int64_t e = first_index(); e < n; e += grid_stride())
    dh0[e] = dh[e] + dhm[e] * (recurrent_mask ? recurrent_mask[e] : 1.0f);
}

// What the recurrent products read, by input time: h_rec[b, t] = h_prev[s, b] * m[b], and
// for GRU reset_before rh[b, t] = r[s, b] * h_rec[b, t] (zero at masked steps, whose gates
// forward did not write).
SIMT_KERNEL void recurrent_inputs_kernel(RnnConfig cfg, const float* h_prev, const float* gates, const uint8_t* mask,
                                         const float* recurrent_mask, float* h_rec, float* rh) {
  const int64_t B = cfg.batch, T = cfg.steps, H = cfg.units, GH = cfg.gates() * H, n = B * T * H;
  for (int64_t e = first_index(); e < n; e += grid_stride()) {
    const int64_t b = e / (T * H), t = (e / H) % T, j = e % H;
    const int64_t s = cfg.go_backwards ? T - 1 - t : t;
    const float hr = h_prev[(s * B + b) * H + j] * (recurrent_mask ? recurrent_mask[b * H + j] : 1.0f);
    h_rec[e] = hr;
    if (rh) {
      const bool valid = mask == nullptr || mask[b * T + t] != 0;
      rh[e] = valid ? gates[(s * B + b) * GH + H + j] * hr : 0.0f;
    }
  }
}

// dpeephole[g, j] += sum over valid (b, t) of dG(i, f, o)[b, t, j] times c_prev (i, f) or
// the new c (o), in double, b then t ascending. One thread per element of [3, H].
SIMT_KERNEL void peephole_gradient_kernel(RnnConfig cfg, const float* dg, const float* c_prev, const float* c_new,
                                          const uint8_t* mask, float* dpeephole) {
  const int64_t B = cfg.batch, T = cfg.steps, H = cfg.units, GH = 4 * H;
  for (int64_t e = first_index(); e < 3 * H; e += grid_stride()) {
    const int64_t g = e / H, j = e % H, gate = g == 2 ? 3 : g;  // i, f, o
    double sum = 0.0;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) {
        if (mask && mask[b * T + t] == 0) continue;
        const int64_t s = cfg.go_backwards ? T - 1 - t : t;
        const float c = (g == 2 ? c_new : c_prev)[(s * B + b) * H + j];
        sum += double(dg[(b * T + t) * GH + gate * H + j]) * c;
      }
    dpeephole[e] += static_cast<float>(sum);
  }
}

// ---- The persistent forward (the Persistent RNN idea): one cooperative launch for the
// whole sequence. Block bi owns units [bi * per_block, ...) and keeps their columns of the
// recurrent kernel (every gate) in shared memory for all steps; each thread computes one
// (sample, unit) of a step: the recurrent products for its unit's gates, summed over k
// ascending as the stepwise GEMM sums them, then the same cell math, so the two paths give
// the same bits. The state is double-buffered in global memory and the grid synchronises
// once per step, since the next step reads every unit of h. GRU with reset_after false
// needs r of every unit before its candidate's product: it always takes the stepwise path.
struct PersistentArgs {
  RnnConfig cfg;
  int64_t per_block = 0;  // units per block
  const float* xproj = nullptr;
  const float* recurrent_kernel = nullptr;  // [H, GH]
  const float* recurrent_bias = nullptr;    // GRU reset_after, or null
  const float* peephole = nullptr;
  const uint8_t* mask = nullptr;
  const float* recurrent_mask = nullptr;
  float* h[2] = {nullptr, nullptr};  // [B, H] each: the state entering even / odd steps
  float* c = nullptr;                // [B, H]
  float* y = nullptr;
  float* gates = nullptr;   // cache [T, B, GH]
  float* h_prev = nullptr;  // cache [T, B, H]
  float* c_prev = nullptr;
  float* extra = nullptr;
};

SIMT_KERNEL void persistent_forward_kernel(PersistentArgs a) {
  SIMT_DYNAMIC_SHARED(float, u);  // [H, G, per_block]: u[(k * G + g) * per_block + jj]
  const int64_t B = a.cfg.batch, T = a.cfg.steps, H = a.cfg.units, G = a.cfg.gates(), GH = G * H, P = a.per_block;
  const int64_t j0 = int64_t(blockIdx.x) * P;
  for (int64_t e = threadIdx.x; e < H * G * P; e += blockDim.x) {
    const int64_t jj = e % P, g = (e / P) % G, k = e / (P * G), j = j0 + jj;
    u[e] = j < H ? a.recurrent_kernel[k * GH + g * H + j] : 0.0f;
  }
  simt_sync();
  const Activation act = a.cfg.activation, ract = a.cfg.recurrent_activation;
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = a.cfg.go_backwards ? T - 1 - s : s;
    const float* cur = a.h[s % 2];
    float* next = a.h[(s + 1) % 2];
    for (int64_t e = threadIdx.x; e < B * P; e += blockDim.x) {
      const int64_t b = e / P, jj = e % P, j = j0 + jj;
      if (j >= H) continue;
      const int64_t bj = b * H + j;
      const float hp = cur[bj];
      a.h_prev[s * B * H + bj] = hp;
      const bool valid = a.mask == nullptr || a.mask[b * T + t] != 0;
      float* yout = a.y ? a.y + (b * T + s) * H + j : nullptr;
      float rec[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      if (valid)
        for (int64_t k = 0; k < H; ++k) {
          const float hk = a.recurrent_mask ? cur[b * H + k] * a.recurrent_mask[b * H + k] : cur[b * H + k];
          for (int64_t g = 0; g < G; ++g) rec[g] += hk * u[(k * G + g) * P + jj];
        }
      const float* xp = a.xproj + (b * T + t) * GH;
      float* gate = a.gates + (s * B + b) * GH;
      float h = hp;
      switch (a.cfg.cell) {
        case CellType::SimpleRnn:
          if (valid) gate[j] = h = activate(act, xp[j] + rec[0]);
          break;
        case CellType::Lstm: {
          const float cp = a.c[bj];
          a.c_prev[s * B * H + bj] = cp;
          if (!valid) break;
          const float* p = a.peephole;
          float i, f, gg, o, c;
          lstm_step_forward(act, ract, xp[j] + rec[0], xp[H + j] + rec[1], xp[2 * H + j] + rec[2], xp[3 * H + j] + rec[3],
                            cp, p ? p[j] : 0.0f, p ? p[H + j] : 0.0f, p ? p[2 * H + j] : 0.0f, &i, &f, &gg, &o, &c, &h);
          gate[j] = i;
          gate[H + j] = f;
          gate[2 * H + j] = gg;
          gate[3 * H + j] = o;
          a.extra[s * B * H + bj] = c;
          a.c[bj] = c;
          break;
        }
        case CellType::Gru: {
          if (!valid) break;
          const float* rb = a.recurrent_bias;
          const float hz = rec[0] + (rb ? rb[j] : 0.0f), hr = rec[1] + (rb ? rb[H + j] : 0.0f),
                      hn = rec[2] + (rb ? rb[2 * H + j] : 0.0f);
          float z, r, nn;
          gru_step_forward(act, ract, xp[j], xp[H + j], xp[2 * H + j], hz, hr, hn, hp, &z, &r, &nn, &h);
          gate[j] = z;
          gate[H + j] = r;
          gate[2 * H + j] = nn;
          a.extra[s * B * H + bj] = hn;
          break;
        }
      }
      next[bj] = h;
      if (yout) *yout = valid ? h : 0.0f;
    }
    simt_grid_sync();
  }
}

std::atomic<RnnPath> path_setting{RnnPath::Auto};
std::atomic<int64_t> units_per_block_limit{0};  // 0: as many as fit

constexpr int64_t kPersistentMaxBatch = 8;
constexpr size_t kPersistentSharedBytes = 48 * 1024;  // without opting in to more
constexpr unsigned kPersistentThreads = 128;

// Units per block of the persistent path (their recurrent columns fill at most the shared
// memory), or 0 where the layer cannot take it.
int64_t persistent_units_per_block(const RnnConfig& c) {
  if (c.cell == CellType::Gru && !c.reset_after) return 0;
  const int64_t per_unit = c.units * c.gates() * int64_t(sizeof(float));
  const int64_t fit = std::min<int64_t>(c.units, int64_t(kPersistentSharedBytes) / per_unit);
  const int64_t limit = units_per_block_limit.load();
  return limit > 0 ? std::min(fit, limit) : fit;
}

// Blocks of `kernel` (a persistent one) that can be resident at once (a cooperative launch
// needs them all); the emulation runs any number.
template <class Kernel>
int64_t persistent_capacity(Kernel kernel, size_t shared_bytes) {
#if defined(__CUDACC__)
  int device = 0, sms = 0, per_sm = 0;
  if (cudaGetDevice(&device) != cudaSuccess || cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess ||
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kPersistentThreads, shared_bytes) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return int64_t(sms) * per_sm;
#else
  (void)kernel;
  (void)shared_bytes;
  return int64_t(1) << 30;
#endif
}

// Whether the forward (or the backward) of this layer takes the persistent path.
bool use_persistent(const RnnConfig& c, bool backward) {
  if (path_setting == RnnPath::Stepwise) return false;
  const int64_t P = persistent_units_per_block(c);
  const size_t shared = size_t(c.units * c.gates() * (P > 0 ? P : 0)) * sizeof(float);
  const int64_t capacity = P <= 0 ? 0
                           : backward ? persistent_capacity(persistent_backward_kernel, shared)
                                      : persistent_capacity(persistent_forward_kernel, shared);
  const bool fits = P > 0 && (c.units + P - 1) / P <= capacity;
  if (path_setting == RnnPath::Persistent) {
    if (!fits)
      throw std::invalid_argument("the persistent recurrent layer cannot take this layer (GRU resetAfter false, or its recurrent kernel does not fit the device's resident blocks)");
    return true;
  }
  return fits && c.batch <= kPersistentMaxBatch;
}

unsigned blocks(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(4096, simt::blocks_for(n, kThreads))); }

void copy_or_zero(float* dst, const float* src, int64_t n, simt::Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, s, copy_or_zero_kernel, dst, src, n);
}

}  // namespace

int64_t rnn_cache_size(const RnnConfig& config) { return CacheLayout(config).total; }

void set_rnn_path(RnnPath path, int64_t max_units_per_block) {
  path_setting = path;
  units_per_block_limit = max_units_per_block;
}
RnnPath rnn_path_for(const RnnConfig& config) {
  return use_persistent(config, false) ? RnnPath::Persistent : RnnPath::Stepwise;
}

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
  if (use_persistent(cfg, false)) {
    PersistentArgs p;
    p.cfg = cfg;
    p.per_block = persistent_units_per_block(cfg);
    p.xproj = xproj;
    p.recurrent_kernel = w.recurrent_kernel;
    p.recurrent_bias = a.recurrent_bias;
    p.peephole = a.peephole;
    p.mask = io.mask;
    p.recurrent_mask = io.recurrent_mask;
    p.h[0] = h;
    p.h[1] = cache + L.rh;  // the second state buffer (rh serves GRU reset_before only)
    p.c = c;
    p.y = io.y;
    p.gates = cache + L.gates;
    p.h_prev = cache + L.h_prev;
    p.c_prev = cache + L.c_prev;
    p.extra = cache + L.extra;
    const int64_t grid = (H + p.per_block - 1) / p.per_block;
    const size_t shared = size_t(H * cfg.gates() * p.per_block) * sizeof(float);
    simt::launch_cooperative(dim3(static_cast<unsigned>(grid)), dim3(kPersistentThreads), shared, st,
                             persistent_forward_kernel, p);
    const float* h_last = p.h[T % 2];
    if (io.h_final) copy_or_zero(io.h_final, h_last, B * H, st);
    if (io.c_final && cfg.has_cell_state()) copy_or_zero(io.c_final, c, B * H, st);
    return;
  }
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

int64_t rnn_backward_workspace_size(const RnnConfig& config) { return WorkspaceLayout(config).total; }

void rnn_backward(const RnnConfig& cfg, const RnnWeights<float>& w, const RnnForwardIO<float>& inputs,
                  const float* cache, const RnnBackwardIO<float>& g, float* workspace, Stream stream) {
  if (cfg.mixed_precision != MixedPrecision::None)
    throw std::invalid_argument("the CUDA backend has no bfloat16 recurrent layer yet; use mixedPrecision 'float32'");
  const simt::Stream st = static_cast<simt::Stream>(stream);
  const CacheLayout L(cfg);
  const WorkspaceLayout W(cfg);
  const int64_t B = cfg.batch, T = cfg.steps, I = cfg.input, H = cfg.units, GH = cfg.gates() * H;
  const bool reset_before = cfg.cell == CellType::Gru && !cfg.reset_after;
  const bool lstm = cfg.has_cell_state();
  float* dg = workspace + W.dg;
  float* dg_rec = workspace + W.dg_rec;
  float* dh = workspace + W.dh;
  float* dhm = workspace + W.dhm;
  float* dc = workspace + W.dc;
  float* drh = workspace + W.drh;
  copy_or_zero(dh, g.dh_final, B * H, st);
  fill(dhm, 0.0f, B * H, stream);
  if (lstm) copy_or_zero(dc, g.dc_final, B * H, st);
  BackStepArgs a;
  a.cfg = cfg;
  a.peephole = cfg.peephole ? w.peephole : nullptr;
  a.mask = inputs.mask;
  a.recurrent_mask = inputs.recurrent_mask;
  a.dy = g.dy;
  a.dhm = dhm;
  a.drh = drh;
  a.dh = dh;
  a.dc = dc;
  const StepBases at{cache + L.gates, cache + L.h_prev, cache + L.c_prev, cache + L.extra, dg, dg_rec};
  if (use_persistent(cfg, true)) {
    PersistentBackArgs p;
    p.a = a;
    p.at = at;
    p.recurrent_kernel = w.recurrent_kernel;
    p.per_block = persistent_units_per_block(cfg);
    p.partial = workspace + W.partial;
    const int64_t grid = (H + p.per_block - 1) / p.per_block;
    const size_t shared = size_t(H * cfg.gates() * p.per_block) * sizeof(float);
    simt::launch_cooperative(dim3(static_cast<unsigned>(grid)), dim3(kPersistentThreads), shared, st,
                             persistent_backward_kernel, p);
  } else {
    const int64_t row = T * GH;  // the stride between samples' rows of dG at one step
    for (int64_t s = T - 1; s >= 0; --s) {
      place_step(a, at, s);
      simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, cell_step_backward_kernel, a);
      if (!reset_before) {
        gemm(false, true, B, H, GH, 1.0f, a.dg_rec, row, w.recurrent_kernel, GH, 0.0f, dhm, H, stream);
      } else {
        gemm(false, true, B, H, H, 1.0f, a.dg + 2 * H, row, w.recurrent_kernel + 2 * H, GH, 0.0f, drh, H, stream);
        simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, gru_reset_gate_backward_kernel, a);
        gemm(false, true, B, H, 2 * H, 1.0f, a.dg, row, w.recurrent_kernel, GH, 0.0f, dhm, H, stream);
      }
    }
  }
  if (g.dh0)
    simt::launch_kernel(dim3(blocks(B * H)), dim3(kThreads), 0, st, initial_state_gradient_kernel, dh, dhm,
                        inputs.recurrent_mask, g.dh0, B * H);
  if (g.dc0 && lstm) copy_or_zero(g.dc0, dc, B * H, st);
  if (g.dx) gemm(false, true, B * T, I, GH, 1.0f, dg, GH, w.kernel, GH, 0.0f, g.dx, I, stream);
  if (g.dkernel) gemm(true, false, I, GH, B * T, 1.0f, inputs.x, I, dg, GH, 1.0f, g.dkernel, GH, stream);
  if (g.drecurrent_kernel) {
    float* h_rec = workspace + W.h_rec;
    float* rh = reset_before ? workspace + W.rh : nullptr;
    simt::launch_kernel(dim3(blocks(B * T * H)), dim3(kThreads), 0, st, recurrent_inputs_kernel, cfg,
                        cache + L.h_prev, cache + L.gates, inputs.mask, inputs.recurrent_mask, h_rec, rh);
    const int64_t gate_columns = reset_before ? 2 * H : GH;
    gemm(true, false, H, gate_columns, B * T, 1.0f, h_rec, H, dg_rec, GH, 1.0f, g.drecurrent_kernel, GH, stream);
    if (reset_before)
      gemm(true, false, H, H, B * T, 1.0f, rh, H, dg + 2 * H, GH, 1.0f, g.drecurrent_kernel + 2 * H, GH, stream);
  }
  if (g.dbias && w.bias) {
    column_sums_add(dg, g.dbias, B * T, GH, stream);
    if (cfg.cell == CellType::Gru && cfg.reset_after) column_sums_add(dg_rec, g.dbias + GH, B * T, GH, stream);
  }
  if (g.dpeephole && cfg.peephole)
    simt::launch_kernel(dim3(blocks(3 * H)), dim3(kThreads), 0, st, peephole_gradient_kernel, cfg, dg,
                        cache + L.c_prev, cache + L.extra, inputs.mask, g.dpeephole);
}

}  // namespace cuda_ops
}  // namespace recurrent
