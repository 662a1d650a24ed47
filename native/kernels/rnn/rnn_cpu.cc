#include "kernels/rnn/rnn_cpu.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/gemm/gemm.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace cpu {
namespace {

// Where forward's saved values live inside the cache. All [B, T, *] arrays are indexed
// by input time t (row b * T + t), so that they line up with x for the weight GEMMs.
struct CacheLayout {
  float* gates;  // [B, T, G*H] saved activations
  float* hprev;  // [B, T, H] state entering step t (h0 for the first processed step)
  float* cnew;   // [B, T, H] cell state after step t (LSTM)
  float* c0;     // [B, H] initial cell state (LSTM)
  float* aux;    // [B, T, H] GRU: hn (reset_after) or r * h_rec (reset_before)
  float* hrec;   // [B, T, H] h_prev * recurrent dropout mask: what the recurrent GEMMs read
};

CacheLayout layout(const RnnConfig& c, float* base) {
  const int64_t BT = c.batch * c.steps, H = c.units;
  CacheLayout l{};
  l.gates = base;
  base += BT * c.gates() * H;
  l.hprev = base;
  base += BT * H;
  if (c.cell == CellType::Lstm) {
    l.cnew = base;
    base += BT * H;
    l.c0 = base;
    base += c.batch * H;
  }
  if (c.cell == CellType::Gru) {
    l.aux = base;
    base += BT * H;
  }
  l.hrec = c.recurrent_masked ? base : l.hprev;
  return l;
}

// Input time read at processing step s.
inline int64_t time_of(const RnnConfig& c, int64_t s) { return c.go_backwards ? c.steps - 1 - s : s; }

// Rows per chunk so that a step kernel's chunk holds enough work to be worth waking a
// thread for (a few microseconds of work); smaller steps run on the calling thread.
int64_t row_grain(const RnnConfig& c) { return std::max<int64_t>(1, 16384 / (c.gates() * c.units)); }

void run_step(CellStepFn fn, const CellStep& step, int64_t batch, int64_t grain) {
  struct Ctx { CellStepFn fn; const CellStep* step; };
  Ctx ctx{fn, &step};
  parallel_for(batch, grain, [](void* p, int64_t b0, int64_t b1) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    x.fn(*x.step, b0, b1);
  }, &ctx);
}

std::unique_ptr<float[]> uninitialized(int64_t n) { return std::unique_ptr<float[]>(new float[std::max<int64_t>(n, 1)]); }

// dst rows [rows, width] (stride dst_ld) = src rows (stride src_ld), or zeros if src is null.
void copy_rows(float* dst, int64_t dst_ld, const float* src, int64_t src_ld, int64_t rows, int64_t width) {
  for (int64_t r = 0; r < rows; ++r) {
    if (src) std::memcpy(dst + r * dst_ld, src + r * src_ld, sizeof(float) * width);
    else std::memset(dst + r * dst_ld, 0, sizeof(float) * width);
  }
}

// out[j] += sum over rows of m[r * ld + j], j < width; each column summed in row order.
void add_column_sums(const float* m, int64_t rows, int64_t width, int64_t ld, float* out) {
  struct Ctx { const float* m; int64_t rows, ld; float* out; };
  Ctx ctx{m, rows, ld, out};
  parallel_for(width, 64, [](void* p, int64_t j0, int64_t j1) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    std::unique_ptr<double[]> acc(new double[j1 - j0]());
    for (int64_t r = 0; r < x.rows; ++r) {
      const float* row = x.m + r * x.ld;
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += row[j];
    }
    for (int64_t j = j0; j < j1; ++j) x.out[j] += static_cast<float>(acc[j - j0]);
  }, &ctx);
}

// Recurrent dropout: dst rows = src rows * m ([B, H], rows of dst/src `ld` apart).
void mask_rows(float* dst, const float* src, int64_t ld, const float* m, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) dst[b * ld + j] = src[b * ld + j] * m[b * H + j];
}

// dh += dhm * m, over [B, H].
void add_masked(float* dh, const float* dhm, const float* m, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dh[i] += dhm[i] * m[i];
}

}  // namespace

int64_t rnn_cache_size(const RnnConfig& c) {
  const int64_t BT = c.batch * c.steps, H = c.units;
  int64_t n = BT * c.gates() * H + BT * H;
  if (c.cell == CellType::Lstm) n += BT * H + c.batch * H;
  if (c.cell == CellType::Gru) n += BT * H;
  if (c.recurrent_masked) n += BT * H;
  return n;
}

void rnn_forward(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& io, float* cache) {
  const CellKernels& kern = active_kernels().cells;
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates(), GH = G * H;
  const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
  CacheLayout saved = layout(c, cache);

  // Input projection of every step at once, bias included (input half for GRU reset_after).
  auto xproj = uninitialized(B * T * GH);
  if (w.bias) {
    for (int64_t r = 0; r < B * T; ++r) std::memcpy(xproj.get() + r * GH, w.bias, sizeof(float) * GH);
  }
  sgemm(false, false, B * T, GH, I, 1.0f, io.x, I, w.kernel, GH, w.bias ? 1.0f : 0.0f, xproj.get(), GH);

  // The recurrent kernel, packed once for all steps (GRU reset_before: z,r and h parts).
  PackedMatrix u_main(false, H, gru_before ? 2 * H : GH, w.recurrent_kernel, GH);
  PackedMatrix u_candidate;
  std::unique_ptr<float[]> rhn;  // [B, H] (r * h_rec) U_h, GRU reset_before
  if (gru_before) {
    u_candidate.pack(false, H, H, w.recurrent_kernel + 2 * H, GH);
    rhn = uninitialized(B * H);
  }
  auto hproj = uninitialized(B * GH);

  const int64_t row_stride = T * H;  // between samples in the [B, T, H] arrays
  copy_rows(saved.hprev + time_of(c, 0) * H, row_stride, io.h0, H, B, H);
  if (c.cell == CellType::Lstm) copy_rows(saved.c0, H, io.c0, H, B, H);

  CellStep step;
  step.units = H;
  step.act = c.activation;
  step.ract = c.recurrent_activation;
  step.peephole = w.peephole;
  step.rbias = (c.cell == CellType::Gru && c.reset_after && w.bias) ? w.bias + GH : nullptr;
  step.mask_stride = T;
  step.xproj_stride = T * GH;
  step.hproj = hproj.get();
  step.hproj_stride = gru_before ? 2 * H : GH;
  step.h_prev_stride = row_stride;
  step.gates_stride = T * GH;
  step.aux_stride = row_stride;
  step.c_stride = row_stride;
  step.y_stride = row_stride;
  const int64_t grain = row_grain(c);

  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = time_of(c, s);
    step.mask = io.mask ? io.mask + t : nullptr;
    step.xproj = xproj.get() + t * GH;
    step.h_prev = saved.hprev + t * H;
    step.gates = saved.gates + t * GH;
    if (s + 1 < T) {
      step.h = saved.hprev + time_of(c, s + 1) * H;
      step.h_stride = row_stride;
    } else {
      step.h = io.h_final;
      step.h_stride = H;
    }
    step.y = io.y ? io.y + s * H : nullptr;
    if (c.cell == CellType::Lstm) {
      step.c_prev = s == 0 ? saved.c0 : saved.cnew + time_of(c, s - 1) * H;
      step.c_prev_stride = s == 0 ? H : row_stride;
      step.c = saved.cnew + t * H;
    }
    if (c.cell == CellType::Gru) step.aux = saved.aux + t * H;
    if (io.recurrent_mask) {
      mask_rows(saved.hrec + t * H, step.h_prev, row_stride, io.recurrent_mask, B, H);
      step.h_rec = saved.hrec + t * H;
      step.h_rec_stride = row_stride;
    }

    sgemm_packed(false, B, 1.0f, saved.hrec + t * H, row_stride, u_main, 0.0f, hproj.get(), step.hproj_stride);
    switch (c.cell) {
      case CellType::SimpleRnn: run_step(kern.rnn_forward, step, B, grain); break;
      case CellType::Lstm: run_step(kern.lstm_forward, step, B, grain); break;
      case CellType::Gru:
        if (!gru_before) {
          run_step(kern.gru_forward, step, B, grain);
        } else {
          run_step(kern.gru_reset_before_gates, step, B, grain);
          CellStep candidate = step;
          sgemm_packed(false, B, 1.0f, step.aux, row_stride, u_candidate, 0.0f, rhn.get(), H);
          candidate.hproj = rhn.get();
          candidate.hproj_stride = H;
          run_step(kern.gru_reset_before_candidate, candidate, B, grain);
        }
        break;
    }
  }
  if (c.cell == CellType::Lstm && io.c_final) {
    copy_rows(io.c_final, H, saved.cnew + time_of(c, T - 1) * H, row_stride, B, H);
  }
}

void rnn_backward(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& in, const float* cache,
                  const RnnBackwardIO<float>& g) {
  const CellKernels& kern = active_kernels().cells;
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates(), GH = G * H;
  const bool gru_after = c.cell == CellType::Gru && c.reset_after;
  const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
  CacheLayout saved = layout(c, const_cast<float*>(cache));
  const int64_t row_stride = T * H;

  auto dgx = uninitialized(B * T * GH);
  std::unique_ptr<float[]> dgh_store;
  if (gru_after) dgh_store = uninitialized(B * T * GH);
  float* dgh = gru_after ? dgh_store.get() : dgx.get();
  auto dh = uninitialized(B * H);
  copy_rows(dh.get(), H, g.dh_final, H, B, H);
  std::unique_ptr<float[]> dc;
  if (c.cell == CellType::Lstm) {
    dc = uninitialized(B * H);
    copy_rows(dc.get(), H, g.dc_final, H, B, H);
  }
  std::unique_ptr<float[]> drh;
  if (gru_before) drh = uninitialized(B * H);
  // Under recurrent dropout, dG U^T is the gradient of h_prev * m: it reaches dh times m.
  const float* rmask = in.recurrent_mask;
  std::unique_ptr<float[]> dhm;
  if (rmask) dhm = uninitialized(B * H);
  auto recurrent_grad = [&](const float* dg, int64_t ld, const PackedMatrix& ut) {
    if (!rmask) {
      sgemm_packed(false, B, 1.0f, dg, ld, ut, 1.0f, dh.get(), H);
      return;
    }
    sgemm_packed(false, B, 1.0f, dg, ld, ut, 0.0f, dhm.get(), H);
    add_masked(dh.get(), dhm.get(), rmask, B * H);
  };

  // U^T packed once: d h_prev = dG U^T.
  PackedMatrix ut_main(true, gru_before ? 2 * H : GH, H, w.recurrent_kernel, GH);
  PackedMatrix ut_candidate;
  if (gru_before) ut_candidate.pack(true, H, H, w.recurrent_kernel + 2 * H, GH);

  CellStep step;
  step.units = H;
  step.act = c.activation;
  step.ract = c.recurrent_activation;
  step.peephole = w.peephole;
  step.mask_stride = T;
  step.h_prev_stride = row_stride;
  step.gates_stride = T * GH;
  step.aux_stride = row_stride;
  step.c_stride = row_stride;
  step.dy_stride = row_stride;
  step.dgx_stride = T * GH;
  step.dgh_stride = T * GH;
  step.dh = dh.get();
  step.dc = dc.get();
  step.drh = drh.get();
  step.rmask = rmask;
  step.h_rec_stride = row_stride;
  const int64_t grain = row_grain(c);

  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = time_of(c, s);
    step.mask = in.mask ? in.mask + t : nullptr;
    step.h_prev = saved.hprev + t * H;
    step.gates = saved.gates + t * GH;
    step.dy = g.dy ? g.dy + s * H : nullptr;
    step.dgx = dgx.get() + t * GH;
    step.dgh = gru_after ? dgh + t * GH : nullptr;
    if (c.cell == CellType::Lstm) {
      step.c_prev = s == 0 ? saved.c0 : saved.cnew + time_of(c, s - 1) * H;
      step.c_prev_stride = s == 0 ? H : row_stride;
      step.c = saved.cnew + t * H;
    }
    if (c.cell == CellType::Gru) step.aux = saved.aux + t * H;
    if (rmask) step.h_rec = saved.hrec + t * H;

    switch (c.cell) {
      case CellType::SimpleRnn:
        run_step(kern.rnn_backward, step, B, grain);
        recurrent_grad(step.dgx, T * GH, ut_main);
        break;
      case CellType::Lstm:
        run_step(kern.lstm_backward, step, B, grain);
        recurrent_grad(step.dgx, T * GH, ut_main);
        break;
      case CellType::Gru:
        if (gru_after) {
          run_step(kern.gru_backward, step, B, grain);
          recurrent_grad(step.dgh, T * GH, ut_main);
        } else {
          run_step(kern.gru_reset_before_backward_candidate, step, B, grain);
          sgemm_packed(false, B, 1.0f, step.dgx + 2 * H, T * GH, ut_candidate, 0.0f, drh.get(), H);
          run_step(kern.gru_reset_before_backward_gates, step, B, grain);
          recurrent_grad(step.dgx, T * GH, ut_main);
        }
        break;
    }
    if (c.truncate_steps > 0 && s > 0 && s % c.truncate_steps == 0) {
      std::memset(dh.get(), 0, sizeof(float) * B * H);
      if (dc) std::memset(dc.get(), 0, sizeof(float) * B * H);
    }
  }
  if (g.dh0) std::memcpy(g.dh0, dh.get(), sizeof(float) * B * H);
  if (g.dc0 && dc) std::memcpy(g.dc0, dc.get(), sizeof(float) * B * H);

  // Weight gradients over all steps at once.
  const int64_t BT = B * T;
  if (g.dkernel) sgemm(true, false, I, GH, BT, 1.0f, in.x, I, dgx.get(), GH, 1.0f, g.dkernel, GH);
  if (g.drecurrent_kernel) {
    if (gru_before) {
      sgemm(true, false, H, 2 * H, BT, 1.0f, saved.hrec, H, dgx.get(), GH, 1.0f, g.drecurrent_kernel, GH);
      sgemm(true, false, H, H, BT, 1.0f, saved.aux, H, dgx.get() + 2 * H, GH, 1.0f, g.drecurrent_kernel + 2 * H, GH);
    } else {
      sgemm(true, false, H, GH, BT, 1.0f, saved.hrec, H, dgh, GH, 1.0f, g.drecurrent_kernel, GH);
    }
  }
  if (g.dbias) {
    add_column_sums(dgx.get(), BT, GH, GH, g.dbias);
    if (gru_after) add_column_sums(dgh, BT, GH, GH, g.dbias + GH);
  }
  if (g.dx) sgemm(false, true, BT, I, GH, 1.0f, dgx.get(), GH, w.kernel, GH, 0.0f, g.dx, I);
  if (g.dpeephole && c.peephole) {
    // dp_i += sum di * c_prev, dp_f += sum df * c_prev, dp_o += sum do * c (over b, t).
    struct Ctx { const RnnConfig* c; CacheLayout saved; const float* dgx; float* out; };
    Ctx ctx{&c, saved, dgx.get(), g.dpeephole};
    parallel_for(H, 16, [](void* p, int64_t j0, int64_t j1) {
      const Ctx& x = *static_cast<const Ctx*>(p);
      const int64_t B = x.c->batch, T = x.c->steps, H = x.c->units, GH = 4 * H;
      for (int64_t j = j0; j < j1; ++j) {
        double pi = 0, pf = 0, po = 0;
        for (int64_t b = 0; b < B; ++b) {
          for (int64_t s = 0; s < T; ++s) {
            const int64_t t = time_of(*x.c, s);
            const float* dg = x.dgx + (b * T + t) * GH;
            const float cprev = s == 0 ? x.saved.c0[b * H + j] : x.saved.cnew[(b * T + time_of(*x.c, s - 1)) * H + j];
            const float cnew = x.saved.cnew[(b * T + t) * H + j];
            pi += static_cast<double>(dg[j]) * cprev;
            pf += static_cast<double>(dg[H + j]) * cprev;
            po += static_cast<double>(dg[3 * H + j]) * cnew;
          }
        }
        x.out[j] += static_cast<float>(pi);
        x.out[H + j] += static_cast<float>(pf);
        x.out[2 * H + j] += static_cast<float>(po);
      }
    }, &ctx);
  }
}

}  // namespace cpu
}  // namespace recurrent

// ---- The CPU backend's recurrent layer op: the functions above.
namespace recurrent {

int64_t CpuBackend::rnn_cache_size(const RnnConfig& config) { return cpu::rnn_cache_size(config); }

void CpuBackend::rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io,
                             float* cache) {
  cpu::rnn_forward(config, weights, io, cache);
}

void CpuBackend::rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights,
                              const RnnForwardIO<float>& inputs, const float* cache, const RnnBackwardIO<float>& grads) {
  cpu::rnn_backward(config, weights, inputs, cache, grads);
}

}  // namespace recurrent
