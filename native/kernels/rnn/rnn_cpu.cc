#include "kernels/rnn/rnn_cpu.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_bf16.h"
#include "runtime/phased_loop.h"
#include "runtime/thread_pool.h"
#include "runtime/thread_scratch.h"

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

// How the time loop is split between threads. Every unit of every row goes through the
// same arithmetic in the same order under either split and any thread count (the
// recurrent products sum each element as sgemm does, kGemmBlockK, and the cell kernels
// work unit by unit), so the choice changes the speed, never the bits.
//   Rows:  each thread runs its own rows of the batch through every step, with no
//          synchronisation at all; the recurrent kernel is small (few units) and the
//          small GEMM reads it in place, from L1.
//   Units: the units are cut into one slice per thread, the same columns of every gate
//          block of U; each slice's columns of U are packed once, and in every step a
//          slice's part of the product and its cell kernel run together on one thread,
//          the thread that owns it (runtime/phased_loop.h), so they stay in that core's
//          cache. One barrier per step (two for GRU reset_before): the next step's
//          product reads every unit of h.
enum class Split { Rows, Units };

// Recurrent kernels up to this many floats (H * G*H: 64 KiB; LSTM up to 64 units, GRU up
// to 73) take the Rows split.
constexpr int64_t kSmallRecurrentKernel = 16384;
// A call with fewer recurrent flops than this runs on one thread: waking another costs
// more than it saves.
constexpr double kParallelRecurrentFlops = double(1 << 20);

Split split_of(const RnnConfig& c) {
  const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
  const int64_t width = gru_before ? 2 * c.units : c.gates() * c.units;
  return c.units * width <= kSmallRecurrentKernel ? Split::Rows : Split::Units;
}

// Threads for the call's loop: each gets at least one row (Rows) or one panel-wide block
// of units (Units).
int loop_threads(const RnnConfig& c, Split split, int64_t unit_align) {
  const double flops = 2.0 * c.batch * c.steps * c.units * c.gates() * c.units;
  if (flops < kParallelRecurrentFlops) return 1;
  const int64_t most = split == Split::Rows ? c.batch : std::max<int64_t>(1, c.units / unit_align);
  return static_cast<int>(std::min<int64_t>(num_threads(), most));
}

// A share of the loop: rows [row_begin, row_end), units [unit_begin, unit_end).
struct Block {
  int64_t row_begin, row_end, unit_begin, unit_end;
};

// Slice `index` of `count` of the units, cut at multiples of `align` (the GEMM panel
// width: no slice of U has a partial panel but the last), all rows.
Block unit_slice(const RnnConfig& c, int64_t align, int index, int count) {
  auto bound = [&](int i) { return i == count ? c.units : (c.units * i / count) / align * align; };
  return Block{0, c.batch, bound(index), bound(index + 1)};
}

// Recurrent dropout: dst = src * m over a block of [B, H] (rows of dst/src `ld` apart).
void mask_block(float* dst, const float* src, int64_t ld, const float* m, int64_t H, const Block& k) {
  for (int64_t b = k.row_begin; b < k.row_end; ++b)
    for (int64_t j = k.unit_begin; j < k.unit_end; ++j) dst[b * ld + j] = src[b * ld + j] * m[b * H + j];
}

// dh += dhm * m over a block of [B, H].
void add_masked_block(float* dh, const float* dhm, const float* m, int64_t H, const Block& k) {
  for (int64_t b = k.row_begin; b < k.row_end; ++b)
    for (int64_t j = k.unit_begin; j < k.unit_end; ++j) dh[b * H + j] += dhm[b * H + j] * m[b * H + j];
}

// C = op(A) op(B) + beta C in float32 (sgemm) or mixed precision (gemm_bf16).
void product(bool bf16, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (bf16) gemm_bf16(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
  else sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

// c[rows, n] (+)= a[rows, k] b[k, n] for a small b (a layer's kernel with few units),
// through the small GEMM that reads b in place, rows split between threads: the packed GEMM
// would pack (gather) every row of a for a product of a few dozen columns. The same bits as
// sgemm gives.
void small_weight_product(const CpuKernels& kern, int64_t rows, int64_t n, int64_t k, const float* a, const float* b,
                          float* c, bool accumulate) {
  struct Ctx { const CpuKernels* kern; int64_t n, k; const float* a; const float* b; float* c; bool accumulate; };
  Ctx ctx{&kern, n, k, a, b, c, accumulate};
  const int64_t grain = std::max<int64_t>(64, (int64_t(1) << 18) / std::max<int64_t>(1, n * k));
  parallel_for(rows, grain, [](void* p, int64_t r0, int64_t r1) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    x.kern->small_gemm(r1 - r0, x.n, x.k, x.a + r0 * x.k, x.k, x.b, x.n, x.c + r0 * x.n, x.n, x.accumulate);
  }, &ctx);
}

// Whether a layer's input kernel [I, G*H] is small enough for small_weight_product.
bool small_input_kernel(const RnnConfig& c) {
  return c.mixed_precision == MixedPrecision::None && c.input * c.gates() * c.units <= kSmallRecurrentKernel;
}

// Asks for rows [r0, r1) of one step's slice of a [B, T, width] array (row stride ld) to be
// brought into L2 ahead of use. With few units a row of one step is a few cache lines,
// T * width floats away from the next row's: 64 or 128 such streams at once are more than
// the hardware prefetchers follow, and the cell kernels of W1-sized layers spent most of
// their time waiting for them.
void prefetch_rows(const float* p, int64_t ld, int64_t r0, int64_t r1, int64_t width) {
  for (int64_t b = r0; b < r1; ++b)
    for (int64_t j = 0; j < width; j += 16) __builtin_prefetch(p + b * ld + j, 0, 2);
}

void zero_block(float* x, int64_t H, const Block& k) {
  for (int64_t b = k.row_begin; b < k.row_end; ++b)
    std::memset(x + b * H + k.unit_begin, 0, sizeof(float) * (k.unit_end - k.unit_begin));
}

// A recurrent matrix op(U) [depth, blocks * block_stride] as the products read it: `blocks`
// gate blocks of block_stride (= H) columns each. Stored row-major at b (row stride ldb);
// the transposed ones (backward) are given transposed already for the Rows split.
struct RecurrentMatrix {
  const float* b;
  int64_t ldb, depth, blocks, block_stride;
};

// Up to this many rows, a float32 product reads U in place whatever the split: packing the
// slice of U (a megabyte for W6) would cost more than the few rows of each step gain from
// it (batch-1 latency).
constexpr int64_t kInPlaceRows = 4;

// Whether the products of a call read op(U) in place (the small GEMM), rather than packed.
bool reads_in_place(const RnnConfig& c, Split split) {
  return c.mixed_precision == MixedPrecision::None && (split == Split::Rows || c.batch <= kInPlaceRows);
}

// One share's product with a recurrent matrix: all columns of its rows (Rows) or its
// units' columns of every gate block for all rows (Units). In float32 the Rows split (and
// any split of a batch of a few rows) reads U in place with the small GEMM, the Units split
// packs its columns once when the share is made; under mixed precision both pack theirs as
// bfloat16.
class ShareProduct {
 public:
  // u, ldu: U itself [H, G*H]; `trans`: op(U) = U^T (whose columns are U's rows).
  ShareProduct(const RecurrentMatrix& m, bool trans, const float* u, int64_t ldu, bool in_place, bool bf16,
               const Block& k)
      : m_(m), in_place_(in_place), bf16_(bf16), block_(k) {
    if (in_place_) return;
    const int64_t nu = k.unit_end - k.unit_begin;
    for (int64_t g = 0; g < m.blocks; ++g) {
      const int64_t col = g * m.block_stride + k.unit_begin;
      const float* b = trans ? u + col * ldu : u + col;
      if (bf16) packed_bf16_.emplace_back(trans, m.depth, nu, b, ldu);
      else packed_.emplace_back(trans, m.depth, nu, b, ldu);
    }
    for (const PackedMatrix& p : packed_) ptrs_.push_back(&p);
    for (const PackedMatrixBf16& p : packed_bf16_) ptrs_bf16_.push_back(&p);
    outs_.resize(static_cast<size_t>(m.blocks));
  }

  // c (row stride ldc) = (accumulate ? c : 0) + a [B, depth] (row stride lda) * op(U),
  // over this share's rows and columns.
  void run(const CpuKernels& kern, const float* a, int64_t lda, float* c, int64_t ldc, bool accumulate) {
    const Block& k = block_;
    const int64_t rows = k.row_end - k.row_begin;
    a += k.row_begin * lda;
    c += k.row_begin * ldc;
    if (in_place_) {
      // Each gate block's columns of this share (all of them for the Rows split).
      const int64_t nu = k.unit_end - k.unit_begin;
      for (int64_t g = 0; g < m_.blocks; ++g) {
        const int64_t col = g * m_.block_stride + k.unit_begin;
        kern.small_gemm(rows, nu, m_.depth, a, lda, m_.b + col, m_.ldb, c + col, ldc, accumulate);
      }
      return;
    }
    for (int64_t g = 0; g < m_.blocks; ++g) outs_[static_cast<size_t>(g)] = c + g * m_.block_stride + k.unit_begin;
    const float beta = accumulate ? 1.0f : 0.0f;
    if (bf16_) gemm_bf16_packed_serial(false, rows, a, lda, m_.blocks, ptrs_bf16_.data(), outs_.data(), beta, ldc);
    else sgemm_packed_serial(false, rows, 1.0f, a, lda, m_.blocks, ptrs_.data(), outs_.data(), beta, ldc);
  }

 private:
  RecurrentMatrix m_;
  bool in_place_, bf16_;
  Block block_;
  std::vector<PackedMatrix> packed_;
  std::vector<PackedMatrixBf16> packed_bf16_;
  std::vector<const PackedMatrix*> ptrs_;
  std::vector<const PackedMatrixBf16*> ptrs_bf16_;
  std::vector<float*> outs_;
};

// The products of one share: with the main recurrent matrix and, for GRU reset_before, the
// candidate's block.
struct ShareProducts {
  Block block;
  ShareProduct main;
  std::unique_ptr<ShareProduct> candidate;
};

// Points a step kernel's saved-state arguments at processing step s: its mask, h_prev,
// gates, c_prev and c (LSTM), aux (GRU) and h_rec (recurrent dropout), as forward writes
// them and backward reads them.
void point_at_step(const RnnConfig& c, const CacheLayout& saved, const uint8_t* mask, const float* recurrent_mask,
                   int64_t s, CellStep* step) {
  const int64_t H = c.units, t = time_of(c, s);
  step->mask = mask ? mask + t : nullptr;
  step->h_prev = saved.hprev + t * H;
  step->gates = saved.gates + t * c.gates() * H;
  if (c.cell == CellType::Lstm) {
    step->c_prev = s == 0 ? saved.c0 : saved.cnew + time_of(c, s - 1) * H;
    step->c_prev_stride = s == 0 ? H : c.steps * H;
    step->c = saved.cnew + t * H;
  }
  if (c.cell == CellType::Gru) step->aux = saved.aux + t * H;
  if (recurrent_mask) step->h_rec = saved.hrec + t * H;
}

// A share's products with op(U) (forward: U, backward: U^T) and, for GRU reset_before, with
// the candidate's block.
ShareProducts share_products(const RnnConfig& c, const RnnWeights<float>& w, const RecurrentMatrix& main,
                             const RecurrentMatrix& candidate, bool trans, Split split, const Block& k) {
  const int64_t GH = c.gates() * c.units;
  const bool bf16 = c.mixed_precision == MixedPrecision::Bfloat16, in_place = reads_in_place(c, split);
  ShareProducts share{k, ShareProduct(main, trans, w.recurrent_kernel, GH, in_place, bf16, k), nullptr};
  if (c.cell == CellType::Gru && !c.reset_after) {
    share.candidate.reset(new ShareProduct(candidate, trans, w.recurrent_kernel + 2 * c.units, GH, in_place, bf16, k));
  }
  return share;
}

// Runs a pass (forward or backward: pass.phases(), pass.run(phase, products)) over the
// split: Rows, each thread its rows through every phase; Units, phase by phase over the
// unit slices. The products are made (and packed) on the thread that will use them.
template <class Pass>
void run_split(const RnnConfig& c, Split split, int64_t align, const Pass& pass) {
  const int threads = loop_threads(c, split, align);
  if (split == Split::Rows) {
    parallel_for_each_range(c.batch, (c.batch + threads - 1) / threads, [&](int64_t r0, int64_t r1) {
      ShareProducts share = pass.products(Split::Rows, Block{r0, r1, 0, c.units});
      for (int64_t p = 0; p < pass.phases(); ++p) pass.run(p, share);
    });
    return;
  }
  std::vector<std::unique_ptr<ShareProducts>> shares(static_cast<size_t>(threads));
  parallel_phases_each(pass.phases() + 1, threads, [&](int64_t phase, int slice) {
    std::unique_ptr<ShareProducts>& share = shares[static_cast<size_t>(slice)];
    if (phase == 0) {
      share.reset(new ShareProducts(pass.products(Split::Units, unit_slice(c, align, slice, threads))));
    } else {
      pass.run(phase - 1, *share);
    }
  });
}

// The forward pass's work at phase p for one share: step p / subs, part p % subs (GRU
// reset_before: the gates, then the candidate after its product reads every unit of r*h).
struct ForwardPass {
  const RnnConfig& c;
  const CpuKernels& kern;
  const RnnWeights<float>& w;
  const RnnForwardIO<float>& io;
  const CacheLayout& saved;
  const CellStep& base;
  const float* xproj;  // [B, T, G*H]
  float* hproj;        // [B, G*H] h_rec U (GRU reset_before: [B, 2H])
  float* rhn;          // [B, H] (r * h_rec) U_h, GRU reset_before
  RecurrentMatrix u_main, u_candidate;
  Split split;

  bool gru_before() const { return c.cell == CellType::Gru && !c.reset_after; }
  int64_t subs() const { return gru_before() ? 2 : 1; }
  int64_t phases() const { return c.steps * subs(); }

  ShareProducts products(Split split, const Block& k) const {
    return share_products(c, w, u_main, u_candidate, false, split, k);
  }

  void run(int64_t phase, ShareProducts& share) const {
    const int64_t T = c.steps, H = c.units, GH = c.gates() * H, row_stride = T * H;
    const int64_t s = phase / subs(), t = time_of(c, s);
    const Block& k = share.block;
    const int64_t r0 = k.row_begin, r1 = k.row_end, u0 = k.unit_begin, u1 = k.unit_end;
    CellStep step = base;
    point_at_step(c, saved, io.mask, io.recurrent_mask, s, &step);
    step.xproj = xproj + t * GH;
    if (s + 1 < T) {
      step.h = saved.hprev + time_of(c, s + 1) * H;
      step.h_stride = row_stride;
    } else {
      step.h = io.h_final;
      step.h_stride = H;
    }
    step.y = io.y ? io.y + s * H : nullptr;

    if (phase % subs() == 0) {
      if (split == Split::Rows && s + 1 < T) {  // the next step's rows of the arrays this one streams through
        const int64_t next = time_of(c, s + 1);
        prefetch_rows(xproj + next * GH, T * GH, r0, r1, GH);
        prefetch_rows(saved.gates + next * GH, T * GH, r0, r1, GH);
        if (c.cell == CellType::Gru) prefetch_rows(saved.aux + next * H, row_stride, r0, r1, H);
        if (c.cell == CellType::Lstm) prefetch_rows(saved.cnew + next * H, row_stride, r0, r1, H);
        if (io.y) prefetch_rows(io.y + (s + 1) * H, row_stride, r0, r1, H);
      }
      share.main.run(kern, saved.hrec + t * H, row_stride, hproj, base.hproj_stride, false);
      switch (c.cell) {
        case CellType::SimpleRnn: kern.cells.rnn_forward(step, r0, r1, u0, u1); break;
        case CellType::Lstm: kern.cells.lstm_forward(step, r0, r1, u0, u1); break;
        case CellType::Gru:
          if (!gru_before()) kern.cells.gru_forward(step, r0, r1, u0, u1);
          else kern.cells.gru_reset_before_gates(step, r0, r1, u0, u1);
          break;
      }
    }
    if (gru_before() && phase % subs() == 1) {
      share.candidate->run(kern, step.aux, row_stride, rhn, H, false);
      step.hproj = rhn;
      step.hproj_stride = H;
      kern.cells.gru_reset_before_candidate(step, r0, r1, u0, u1);
    }
    // What the next step's product reads: its h_prev, under recurrent dropout times the mask.
    if (phase % subs() == subs() - 1 && io.recurrent_mask && s + 1 < T) {
      const int64_t next = time_of(c, s + 1);
      mask_block(saved.hrec + next * H, saved.hprev + next * H, row_stride, io.recurrent_mask, H, k);
    }
  }
};

// The backward pass's work at phase q for one share, steps from the last down: part 0 of
// step s first adds the recurrent gradient of step s + 1 (dh += dG(s+1) U^T, which reads
// the gate gradients of every unit) to its dh, then runs the cell kernel of step s (GRU
// reset_before: its candidate part; part 1 the gates, after d(r*h) = dn U_h^T). A last
// phase adds the gradient of step 0: dh is then d h0.
struct BackwardPass {
  const RnnConfig& c;
  const CpuKernels& kern;
  const RnnWeights<float>& w;
  const RnnForwardIO<float>& in;
  const RnnBackwardIO<float>& g;
  const CacheLayout& saved;
  const CellStep& base;
  float* dgx;  // [B, T, G*H]
  float* dgh;  // [B, T, G*H] recurrent-side gate gradients (GRU reset_after; else dgx)
  float* dh;   // [B, H]
  float* dc;   // [B, H] (LSTM)
  float* drh;  // [B, H] (GRU reset_before)
  float* dhm;  // [B, H] dG U^T before the recurrent dropout mask
  RecurrentMatrix ut_main, ut_candidate;
  Split split;

  bool gru_before() const { return c.cell == CellType::Gru && !c.reset_after; }
  int64_t subs() const { return gru_before() ? 2 : 1; }
  int64_t phases() const { return c.steps * subs() + 1; }

  ShareProducts products(Split split, const Block& k) const {
    return share_products(c, w, ut_main, ut_candidate, true, split, k);
  }

  // dh (+)= dG(s) U^T over the share, and the truncation of BPTT below step s.
  void add_recurrent_gradient(int64_t s, ShareProducts& share) const {
    const int64_t T = c.steps, H = c.units, GH = c.gates() * H;
    const float* dg = dgh + time_of(c, s) * GH;
    if (!in.recurrent_mask) {
      share.main.run(kern, dg, T * GH, dh, H, true);
    } else {
      share.main.run(kern, dg, T * GH, dhm, H, false);
      add_masked_block(dh, dhm, in.recurrent_mask, H, share.block);
    }
    if (c.truncate_steps > 0 && s > 0 && s % c.truncate_steps == 0) {
      zero_block(dh, H, share.block);
      if (dc) zero_block(dc, H, share.block);
    }
  }

  void run(int64_t phase, ShareProducts& share) const {
    const int64_t T = c.steps, H = c.units, GH = c.gates() * H, row_stride = T * H;
    if (phase == phases() - 1) {
      add_recurrent_gradient(0, share);
      return;
    }
    const int64_t s = T - 1 - phase / subs(), t = time_of(c, s);
    const int part = static_cast<int>(phase % subs());
    if (part == 0 && s + 1 < T) add_recurrent_gradient(s + 1, share);
    const Block& k = share.block;
    const int64_t r0 = k.row_begin, r1 = k.row_end, u0 = k.unit_begin, u1 = k.unit_end;
    if (split == Split::Rows && part == 0 && s > 0) {  // the previous step's rows (see prefetch_rows)
      const int64_t prev = time_of(c, s - 1);
      prefetch_rows(saved.gates + prev * GH, T * GH, r0, r1, GH);
      prefetch_rows(saved.hprev + prev * H, row_stride, r0, r1, H);
      prefetch_rows(dgx + prev * GH, T * GH, r0, r1, GH);
      if (c.cell == CellType::Gru) prefetch_rows(saved.aux + prev * H, row_stride, r0, r1, H);
      if (c.cell == CellType::Gru && c.reset_after) prefetch_rows(dgh + prev * GH, T * GH, r0, r1, GH);
      if (c.cell == CellType::Lstm) prefetch_rows(saved.cnew + prev * H, row_stride, r0, r1, H);
      if (g.dy) prefetch_rows(g.dy + (s - 1) * H, row_stride, r0, r1, H);
    }
    CellStep step = base;
    point_at_step(c, saved, in.mask, in.recurrent_mask, s, &step);
    step.dy = g.dy ? g.dy + s * H : nullptr;
    step.dgx = dgx + t * GH;
    step.dgh = c.cell == CellType::Gru && c.reset_after ? dgh + t * GH : nullptr;
    switch (c.cell) {
      case CellType::SimpleRnn: kern.cells.rnn_backward(step, r0, r1, u0, u1); break;
      case CellType::Lstm: kern.cells.lstm_backward(step, r0, r1, u0, u1); break;
      case CellType::Gru:
        if (!gru_before()) {
          kern.cells.gru_backward(step, r0, r1, u0, u1);
        } else if (part == 0) {
          kern.cells.gru_reset_before_backward_candidate(step, r0, r1, u0, u1);
        } else {
          share.candidate->run(kern, step.dgx + 2 * H, T * GH, drh, H, false);
          kern.cells.gru_reset_before_backward_gates(step, r0, r1, u0, u1);
        }
        break;
    }
  }
};

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
  const CpuKernels& kern = active_kernels();
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates(), GH = G * H;
  const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
  CacheLayout saved = layout(c, cache);

  const bool bf16 = c.mixed_precision == MixedPrecision::Bfloat16;
  if (bf16 && !bf16_available()) throw std::runtime_error(bf16_unavailable_reason());

  // Input projection of every step at once, bias included (input half for GRU reset_after).
  ThreadScratch xproj(0, B * T * GH);  // [B, T, G*H]
  if (w.bias) {
    for (int64_t r = 0; r < B * T; ++r) std::memcpy(xproj.get() + r * GH, w.bias, sizeof(float) * GH);
  }
  if (small_input_kernel(c)) {
    small_weight_product(kern, B * T, GH, I, io.x, w.kernel, xproj.get(), w.bias != nullptr);
  } else {
    product(bf16, false, false, B * T, GH, I, io.x, I, w.kernel, GH, w.bias ? 1.0f : 0.0f, xproj.get(), GH);
  }

  const int64_t hproj_width = gru_before ? 2 * H : GH;
  ThreadScratch hproj(1, B * hproj_width);
  ThreadScratch rhn(2, gru_before ? B * H : 0);

  const int64_t row_stride = T * H;  // between samples in the [B, T, H] arrays
  copy_rows(saved.hprev + time_of(c, 0) * H, row_stride, io.h0, H, B, H);
  if (c.cell == CellType::Lstm) copy_rows(saved.c0, H, io.c0, H, B, H);
  if (io.recurrent_mask) {
    mask_block(saved.hrec + time_of(c, 0) * H, saved.hprev + time_of(c, 0) * H, row_stride, io.recurrent_mask, H,
               Block{0, B, 0, H});
  }

  CellStep base;
  base.units = H;
  base.act = c.activation;
  base.ract = c.recurrent_activation;
  base.peephole = w.peephole;
  base.rbias = (c.cell == CellType::Gru && c.reset_after && w.bias) ? w.bias + GH : nullptr;
  base.mask_stride = T;
  base.xproj_stride = T * GH;
  base.hproj = hproj.get();
  base.hproj_stride = hproj_width;
  base.h_prev_stride = row_stride;
  base.gates_stride = T * GH;
  base.aux_stride = row_stride;
  base.c_stride = row_stride;
  base.y_stride = row_stride;
  base.h_rec_stride = row_stride;

  // U's gate blocks (z and r only for GRU reset_before), and the candidate's block.
  const RecurrentMatrix u_main{w.recurrent_kernel, GH, H, gru_before ? 2 : G, H};
  const RecurrentMatrix u_candidate{w.recurrent_kernel + 2 * H, GH, H, 1, H};
  const Split split = split_of(c);
  const ForwardPass pass{c, kern, w, io, saved, base, xproj.get(), hproj.get(), rhn.get(), u_main, u_candidate, split};
  run_split(c, split, kern.gemm.nr, pass);
  if (c.cell == CellType::Lstm && io.c_final) {
    copy_rows(io.c_final, H, saved.cnew + time_of(c, T - 1) * H, row_stride, B, H);
  }
}

void rnn_backward(const RnnConfig& c, const RnnWeights<float>& w, const RnnForwardIO<float>& in, const float* cache,
                  const RnnBackwardIO<float>& g) {
  const CpuKernels& kern = active_kernels();
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates(), GH = G * H;
  const bool gru_after = c.cell == CellType::Gru && c.reset_after;
  const bool gru_before = c.cell == CellType::Gru && !c.reset_after;
  CacheLayout saved = layout(c, const_cast<float*>(cache));
  const int64_t row_stride = T * H;
  const bool bf16 = c.mixed_precision == MixedPrecision::Bfloat16;
  if (bf16 && !bf16_available()) throw std::runtime_error(bf16_unavailable_reason());

  ThreadScratch dgx(0, B * T * GH);                      // [B, T, G*H]
  ThreadScratch dgh_store(1, gru_after ? B * T * GH : 0);  // [B, T, G*H]
  float* dgh = gru_after ? dgh_store.get() : dgx.get();
  ThreadScratch dh(2, B * H);
  copy_rows(dh.get(), H, g.dh_final, H, B, H);
  ThreadScratch dc_store(3, c.cell == CellType::Lstm ? B * H : 0);
  float* dc = c.cell == CellType::Lstm ? dc_store.get() : nullptr;
  if (dc) copy_rows(dc, H, g.dc_final, H, B, H);
  ThreadScratch drh(4, gru_before ? B * H : 0);
  // Under recurrent dropout, dG U^T is the gradient of h_prev * m: it reaches dh times m.
  ThreadScratch dhm(5, in.recurrent_mask ? B * H : 0);

  // d h_prev = dG U^T. Products that read U^T [G*H, H] in place (reads_in_place) read it
  // transposed here once; the others pack each slice's columns of U^T (rows of U).
  const Split split = split_of(c);
  const bool transposed = reads_in_place(c, split);
  ThreadScratch ut(6, transposed ? GH * H : 0);
  if (transposed) {
    for (int64_t j = 0; j < H; ++j)
      for (int64_t p = 0; p < GH; ++p) ut.get()[p * H + j] = w.recurrent_kernel[j * GH + p];
  }
  const RecurrentMatrix ut_main{ut.get(), H, gru_before ? 2 * H : GH, 1, H};
  const RecurrentMatrix ut_candidate{transposed ? ut.get() + 2 * H * H : nullptr, H, H, 1, H};

  CellStep base;
  base.units = H;
  base.act = c.activation;
  base.ract = c.recurrent_activation;
  base.peephole = w.peephole;
  base.mask_stride = T;
  base.h_prev_stride = row_stride;
  base.gates_stride = T * GH;
  base.aux_stride = row_stride;
  base.c_stride = row_stride;
  base.dy_stride = row_stride;
  base.dgx_stride = T * GH;
  base.dgh_stride = T * GH;
  base.dh = dh.get();
  base.dc = dc;
  base.drh = drh.get();
  base.rmask = in.recurrent_mask;
  base.h_rec_stride = row_stride;

  const BackwardPass pass{c, kern, w, in, g, saved, base, dgx.get(), dgh, dh.get(), dc, drh.get(), dhm.get(),
                          ut_main, ut_candidate, split};
  run_split(c, split, kern.gemm.nr, pass);
  if (g.dh0) std::memcpy(g.dh0, dh.get(), sizeof(float) * B * H);
  if (g.dc0 && dc) std::memcpy(g.dc0, dc, sizeof(float) * B * H);

  // Weight gradients over all steps at once.
  const int64_t BT = B * T;
  if (bf16 && g.dkernel && g.drecurrent_kernel && dgh == dgx.get() && !gru_before) {
    // Both weight gradients multiply by the same dG: convert it to bfloat16 panels once.
    thread_local PackedMatrixBf16 dg_packed;
    dg_packed.pack(false, BT, GH, dgx.get(), GH);
    gemm_bf16_packed(true, I, in.x, I, dg_packed, 1.0f, g.dkernel, GH);
    gemm_bf16_packed(true, H, saved.hrec, H, dg_packed, 1.0f, g.drecurrent_kernel, GH);
  } else {
    if (g.dkernel) product(bf16, true, false, I, GH, BT, in.x, I, dgx.get(), GH, 1.0f, g.dkernel, GH);
    if (g.drecurrent_kernel && gru_before) {
      product(bf16, true, false, H, 2 * H, BT, saved.hrec, H, dgx.get(), GH, 1.0f, g.drecurrent_kernel, GH);
      product(bf16, true, false, H, H, BT, saved.aux, H, dgx.get() + 2 * H, GH, 1.0f, g.drecurrent_kernel + 2 * H, GH);
    } else if (g.drecurrent_kernel) {
      product(bf16, true, false, H, GH, BT, saved.hrec, H, dgh, GH, 1.0f, g.drecurrent_kernel, GH);
    }
  }
  if (g.dbias) {
    add_column_sums(dgx.get(), BT, GH, GH, g.dbias);
    if (gru_after) add_column_sums(dgh, BT, GH, GH, g.dbias + GH);
  }
  if (g.dx && small_input_kernel(c)) {
    ThreadScratch wt(7, GH * I);  // W^T [G*H, I]
    for (int64_t i = 0; i < I; ++i)
      for (int64_t j = 0; j < GH; ++j) wt.get()[j * I + i] = w.kernel[i * GH + j];
    small_weight_product(kern, BT, I, GH, dgx.get(), wt.get(), g.dx, false);
  } else if (g.dx) {
    product(bf16, false, true, BT, I, GH, dgx.get(), GH, w.kernel, GH, 0.0f, g.dx, I);
  }
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
