// Packed, cache-blocked GEMM. op(B) is packed into k-blocks of nr-wide column panels, A
// per (row block, k-block) into mr-tall panels; the active ISA's micro-kernel multiplies a
// pair of panels in registers (edge tiles included, so C never goes through a buffer).
//
// Work is split into (row block, column group) tasks, one contiguous run of tasks per
// thread. Many row blocks (the input projection): groups 512 columns wide, and B packed
// once up front because every thread reads all of it. Few row blocks (a time step, or a
// weight gradient's 128 rows): columns split panel by panel, so each thread owns its
// columns and packs its own blocks of B as it goes, while they are hot in its cache; a
// thread packs a block of A once for all the columns it owns. PackedMatrix (a recurrent
// kernel) skips the B packing altogether.
//
// Each C element is summed by one thread: its k-blocks in ascending order, each k-block
// one FMA chain, so neither the thread count nor the split changes the result.
#include "kernels/gemm/gemm.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace cpu {
namespace {

constexpr int64_t kBlockK = kGemmBlockK;  // depth of one panel pair (small_gemm.h)
constexpr int64_t kRowPanelsPerBlock = 16;  // rows of A packed at once: 16 * mr (192 for AVX-512)
constexpr int64_t kGroupN = 512;          // widest column range per A block: B block stays in L2
// Below this many flops a call runs on the calling thread: waking a worker costs more
// than it saves (and on a loaded machine a lot more).
constexpr int64_t kParallelFlops = int64_t(1) << 19;

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Floats of op(B)[k,n] packed in nr-wide panels.
int64_t packed_size(int64_t k, int64_t n, int64_t nr) { return k * round_up(n, nr); }

// Packs the panels of op(B)[k0:k0+kc, j0:j_end) (j0 a multiple of nr) into `dst`, one
// [kc][nr] panel after another, with the columns past n zero.
void pack_b_block(bool trans, const float* b, int64_t ldb, int64_t n, int64_t k0, int64_t kc, int64_t j0,
                  int64_t j_end, int64_t nr, float* dst) {
  for (int64_t jp = j0; jp < j_end; jp += nr, dst += kc * nr) {
    const int64_t width = std::min(nr, n - jp);
    if (!trans) {
      for (int64_t p = 0; p < kc; ++p) {
        float* row = dst + p * nr;
        std::memcpy(row, b + (k0 + p) * ldb + jp, sizeof(float) * width);
        for (int64_t j = width; j < nr; ++j) row[j] = 0.0f;
      }
    } else {
      // op(B)[p][j] = b[j][p]: read each stored row of B contiguously.
      for (int64_t j = 0; j < width; ++j) {
        const float* src = b + (jp + j) * ldb + k0;
        for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = src[p];
      }
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = width; j < nr; ++j) dst[p * nr + j] = 0.0f;
    }
  }
}

// Packs op(B)[k,n] into `out`: for each k-block [k0, k0+kc), for each panel, [kc][nr].
void pack_b(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb, int64_t nr, float* out) {
  struct Ctx { bool trans; const float* b; int64_t ldb, n, k, nr, n_padded; float* out; };
  Ctx ctx{trans, b, ldb, n, k, nr, round_up(n, nr), out};
  const int64_t panels = ctx.n_padded / nr;
  const int64_t grain = k * ctx.n_padded < (int64_t(1) << 16) ? panels : 4;
  parallel_for(panels, grain, [](void* vctx, int64_t p0, int64_t p1) {
    const Ctx& c = *static_cast<const Ctx*>(vctx);
    for (int64_t k0 = 0; k0 < c.k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, c.k - k0);
      pack_b_block(c.trans, c.b, c.ldb, c.n, k0, kc, p0 * c.nr, std::min(c.n, p1 * c.nr), c.nr,
                   c.out + k0 * c.n_padded + p0 * kc * c.nr);
    }
  }, &ctx);
}

// Packs alpha * op(A)[i0:i0+mc, k0:k0+kc] into mr-tall panels [kc][mr]. The rows of a
// last, short panel past mc are left unset: the micro-kernel reads only `rows` of them.
void pack_a(bool trans_a, const float* a, int64_t lda, float alpha, int64_t i0, int64_t mc, int64_t k0,
            int64_t kc, int64_t mr, float* out) {
  for (int64_t ip = 0; ip < mc; ip += mr) {
    float* dst = out + ip * kc;
    const int64_t rows = std::min(mr, mc - ip);
    if (trans_a) {
      // A stored [k][m]: the panel's rows at one k are contiguous.
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (k0 + p) * lda + i0 + ip;
        float* o = dst + p * mr;
        for (int64_t r = 0; r < rows; ++r) o[r] = alpha * src[r];
      }
    } else {
      // Gather one k at a time: mr loads from mr row streams, one contiguous store run.
      const float* src = a + (i0 + ip) * lda + k0;
      for (int64_t p = 0; p < kc; ++p) {
        float* o = dst + p * mr;
        for (int64_t r = 0; r < rows; ++r) o[r] = alpha * src[r * lda + p];
      }
    }
  }
}

struct GemmTask {
  const GemmMicrokernel* kernel;
  bool trans_a;
  int64_t m, n, k, lda, ldc, block_m, group_n, n_groups;
  bool split_columns;  // tasks are column panels over every row block (else row blocks over every column)
  float alpha, beta;
  const float* a;
  const float* b;  // packed with kernel->nr, or null: each thread packs its own blocks of b_raw
  const float* b_raw;
  bool trans_b;
  int64_t ldb;
  float* c;
};

// Columns [j_lo, j_hi) of C for the row blocks [i_lo, i_hi) (multiples of block_m), all of
// k. Each k-block of B is packed (when raw) once and used by every row block, so a thread
// that owns a column range over several row blocks packs its share of B once.
void gemm_block(const GemmTask& x, float* a_pack, float* b_pack, int64_t i_lo, int64_t i_hi, int64_t j_lo, int64_t j_hi) {
  const int64_t mr = x.kernel->mr, nr = x.kernel->nr;
  const int64_t n_padded = round_up(x.n, nr);
  if (x.beta != 0.0f && x.beta != 1.0f) {
    for (int64_t i = i_lo; i < i_hi; ++i) {
      float* row = x.c + i * x.ldc;
      for (int64_t j = j_lo; j < j_hi; ++j) row[j] *= x.beta;
    }
  }
  for (int64_t js = j_lo; js < j_hi; js += kGroupN) {
    const int64_t je = std::min(j_hi, js + kGroupN);
    for (int64_t k0 = 0; k0 < x.k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, x.k - k0);
      const bool accumulate = k0 > 0 || x.beta != 0.0f;
      // b_block: the panel holding column js in this k-block.
      const float* b_block;
      if (x.b) {
        b_block = x.b + k0 * n_padded + (js / nr) * kc * nr;
      } else {
        pack_b_block(x.trans_b, x.b_raw, x.ldb, x.n, k0, kc, js, je, nr, b_pack);
        b_block = b_pack;
      }
      for (int64_t i0 = i_lo; i0 < i_hi; i0 += x.block_m) {
        const int64_t mc = std::min(x.block_m, i_hi - i0);
        // Short tiles (a batch of 1..4): several panels per call, see gemm_panels_per_call.
        const int64_t step = gemm_panels_per_call(static_cast<int>(std::min(mc, mr)), static_cast<int>(mr)) * nr;
        pack_a(x.trans_a, x.a, x.lda, x.alpha, i0, mc, k0, kc, mr, a_pack);
        for (int64_t jp = js; jp < je; jp += step) {
          const float* b_panel = b_block + ((jp - js) / nr) * kc * nr;
          const int cols = static_cast<int>(std::min(step, je - jp));
          for (int64_t ip = 0; ip < mc; ip += mr) {
            const int rows = static_cast<int>(std::min(mr, mc - ip));
            x.kernel->run(kc, a_pack + ip * kc, b_panel, kc * nr, x.c + (i0 + ip) * x.ldc + jp, x.ldc, accumulate,
                          rows, cols);
          }
        }
      }
    }
  }
}

// C = alpha * op(A) * op(B) + beta * C. B is either packed already for `kern` (b_packed),
// or raw (b_packed null): then the column split packs op(B) by thread and block if each
// thread owns its columns, else once here for all threads.
void gemm_run(const CpuKernels& kern, bool trans_a, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b_packed, bool trans_b, const float* b, int64_t ldb,
              float beta, float* c, int64_t ldc) {
  const int64_t mr = kern.gemm.mr, nr = kern.gemm.nr;
  const int64_t block_m = mr * kRowPanelsPerBlock;
  const int64_t m_blocks = (m + block_m - 1) / block_m;
  const int64_t threads = 2 * m * n * k < kParallelFlops ? 1 : num_threads();
  // Few row blocks (a time step's batch, or a weight gradient's few rows): split the
  // columns panel by panel between threads, each thread taking every row block of its
  // columns; else split the row blocks, each thread taking every column.
  const bool split_columns = m_blocks < 4 * threads;
  const int64_t group_n = split_columns ? nr : kGroupN;
  const int64_t n_groups = (n + group_n - 1) / group_n;
  const int64_t tasks = split_columns ? n_groups : m_blocks;
  if (!b_packed && group_n == kGroupN) {
    // Row blocks spread over threads share all of B: pack it once, in the calling
    // thread's buffer, kept between calls (no allocation once it has grown).
    thread_local std::vector<float> b_pack;
    const size_t need = static_cast<size_t>(packed_size(k, n, nr));
    if (b_pack.size() < need) b_pack.resize(need);
    pack_b(trans_b, k, n, b, ldb, nr, b_pack.data());
    b_packed = b_pack.data();
  }
  GemmTask task{&kern.gemm, trans_a, m, n, k, lda, ldc, block_m, group_n, n_groups, split_columns, alpha, beta, a,
                b_packed, b, trans_b, ldb, c};
  parallel_for(tasks, (tasks + threads - 1) / threads, [](void* vctx, int64_t t0, int64_t t1) {
    const GemmTask& x = *static_cast<const GemmTask*>(vctx);
    thread_local std::vector<float> a_pack, b_pack;
    const size_t need = static_cast<size_t>(x.block_m * std::min(kBlockK, x.k));
    if (a_pack.size() < need) a_pack.resize(need);
    const size_t need_b = x.b ? 0 : static_cast<size_t>(std::min(kBlockK, x.k) * kGroupN);
    if (b_pack.size() < need_b) b_pack.resize(need_b);
    if (x.split_columns) {
      // Column panels [t0, t1), every row block.
      gemm_block(x, a_pack.data(), b_pack.data(), 0, x.m, t0 * x.group_n, std::min(x.n, t1 * x.group_n));
    } else {
      // Row blocks [t0, t1), every column.
      gemm_block(x, a_pack.data(), b_pack.data(), t0 * x.block_m, std::min(x.m, t1 * x.block_m), 0, x.n);
    }
  }, &task);
}

// C = beta * C for the calls with nothing to multiply (k == 0 or alpha == 0).
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
  }
}

}  // namespace

void sgemm_packed_serial(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, int64_t count,
                         const PackedMatrix* const* b, float* const* c, float beta, int64_t ldc) {
  if (m <= 0 || count <= 0) return;
  const CpuKernels& kern = active_kernels();
  const int64_t k = b[0]->rows();
  for (int64_t i = 0; i < count; ++i) {
    if (b[i]->isa() != kern.isa || b[i]->nr() != kern.gemm.nr || b[i]->rows() != k) {
      throw std::invalid_argument("sgemm_packed_serial: the matrices were packed for another instruction set or depth");
    }
  }
  if (k == 0 || alpha == 0.0f) {
    for (int64_t i = 0; i < count; ++i) scale_c(m, b[i]->cols(), beta, c[i], ldc);
    return;
  }
  const int64_t mr = kern.gemm.mr, nr = kern.gemm.nr;
  const int64_t block_m = mr * kRowPanelsPerBlock;
  thread_local std::vector<float> a_pack;
  const size_t need = static_cast<size_t>(std::min(block_m, round_up(m, mr)) * std::min(kBlockK, k));
  if (a_pack.size() < need) a_pack.resize(need);
  for (int64_t i0 = 0; i0 < m; i0 += block_m) {
    const int64_t mc = std::min(block_m, m - i0);
    const int64_t step = gemm_panels_per_call(static_cast<int>(std::min(mc, mr)), static_cast<int>(mr)) * nr;  // short tiles: several panels per call
    if (beta != 0.0f && beta != 1.0f) {
      for (int64_t i = 0; i < count; ++i)
        for (int64_t r = 0; r < mc; ++r)
          for (int64_t j = 0; j < b[i]->cols(); ++j) c[i][(i0 + r) * ldc + j] *= beta;
    }
    // k-blocks outside, the matrices inside: each block of A is packed once for all of them.
    for (int64_t k0 = 0; k0 < k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, k - k0);
      const bool accumulate = k0 > 0 || beta != 0.0f;
      pack_a(trans_a, a, lda, alpha, i0, mc, k0, kc, mr, a_pack.data());
      for (int64_t i = 0; i < count; ++i) {
        const int64_t n = b[i]->cols();
        const float* b_block = b[i]->data() + k0 * round_up(n, nr);
        for (int64_t jp = 0; jp < n; jp += step) {
          const int cols = static_cast<int>(std::min(step, n - jp));
          const float* b_panel = b_block + (jp / nr) * kc * nr;
          for (int64_t ip = 0; ip < mc; ip += mr) {
            const int rows = static_cast<int>(std::min(mr, mc - ip));
            kern.gemm.run(kc, a_pack.data() + ip * kc, b_panel, kc * nr, c[i] + (i0 + ip) * ldc + jp, ldc, accumulate,
                          rows, cols);
          }
        }
      }
    }
  }
}

PackedMatrix::PackedMatrix(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  pack(trans, k, n, b, ldb);
}

void PackedMatrix::pack(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  const CpuKernels& kern = active_kernels();
  k_ = k;
  n_ = n;
  nr_ = kern.gemm.nr;
  isa_ = kern.isa;
  data_.resize(static_cast<size_t>(packed_size(k, n, nr_)));
  if (k > 0 && n > 0) pack_b(trans, k, n, b, ldb, nr_, data_.data());
}

void sgemm_packed(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, const PackedMatrix& b,
                  float beta, float* c, int64_t ldc) {
  const int64_t n = b.cols();
  const int64_t k = b.rows();
  if (m <= 0 || n <= 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const CpuKernels& kern = active_kernels();
  if (b.isa() != kern.isa || b.nr() != kern.gemm.nr) {
    // The ISA changed since packing (set_active_isa between calls; never within one
    // layer call): unpack, then repack for the kernel now active.
    std::vector<float> dense(static_cast<size_t>(k * n));
    const int64_t nr = b.nr(), n_padded = round_up(n, nr);
    for (int64_t k0 = 0; k0 < k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, k - k0);
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = 0; j < n; ++j)
          dense[(k0 + p) * n + j] = b.data()[k0 * n_padded + (j / nr) * kc * nr + p * nr + j % nr];
    }
    PackedMatrix repacked(false, k, n, dense.data(), n);
    sgemm_packed(trans_a, m, alpha, a, lda, repacked, beta, c, ldc);
    return;
  }
  gemm_run(kern, trans_a, m, n, k, alpha, a, lda, b.data(), false, nullptr, 0, beta, c, ldc);
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  gemm_run(active_kernels(), trans_a, m, n, k, alpha, a, lda, nullptr, trans_b, b, ldb, beta, c, ldc);
}

}  // namespace cpu
}  // namespace recurrent

// ---- The CPU backend's GEMM ops.
namespace recurrent {

void CpuBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                      int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cpu::sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Many small products (Dot on per-sample matrices) are split over the pool one product
// per chunk, each running single-threaded inside it; large ones run one after another,
// each split inside sgemm. Either way each product's bits are sgemm's.
void CpuBackend::gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                              int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta,
                              float* c, int64_t ldc, int64_t stride_c, int64_t count) {
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      cpu::sgemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                 c + i * stride_c, ldc);
  };
  const double work = double(m) * double(n) * double(k);
  if (work < double(1 << 18)) parallel_for_each_range(count, 1, [&](int64_t b, int64_t e) { run(b, e); });
  else run(0, count);
}

}  // namespace recurrent
