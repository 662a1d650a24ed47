// The bfloat16 GEMM driver (gemm_bf16.h). B is converted and packed once per call (or once
// per layer call, PackedMatrixBf16); A per (row block, k-block), once for every column it
// meets, since on AMX converting an element of A costs about as much as the 512 products
// it takes part in. Work is split into (row block, column group) tasks as in the float32
// GEMM. The ISA-specific parts (conversion, tiles) are the active level's Bf16Kernels.
#include "kernels/gemm/gemm_bf16.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "kernels/cpu/dispatch.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace cpu {
namespace {

constexpr int64_t kBf16BlockK = 512;     // depth of one k-block
constexpr int64_t kBf16RowPanels = 8;    // row panels of A per block: 256 rows on AMX, 96 with AVX512-BF16
// Below this many flops a call runs on the calling thread.
constexpr double kBf16ParallelFlops = double(1 << 22);

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

const Bf16Kernels& bf16_kernels() {
  const Bf16Kernels* k = active_kernels().bf16;
  if (k == nullptr) throw std::runtime_error(bf16_unavailable_reason());
  return *k;
}

// Rows [i0, i0 + mc) of C_i = op(A) B_i + beta C_i over columns [j_lo, min(j_hi, N_i)) of
// each (j_lo a multiple of 16), on this thread, between kern.begin() and kern.end().
void bf16_rows(const Bf16Kernels& kern, bool trans_a, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k,
               int64_t count, const PackedMatrixBf16* const* b, float* const* c, int64_t ldc, int64_t j_lo,
               int64_t j_hi, float beta) {
  thread_local std::vector<uint16_t> a_pack;
  const size_t need = static_cast<size_t>(round_up(mc, kern.mr) * round_up(std::min(k, kBf16BlockK), kern.k_align));
  if (a_pack.size() < need) a_pack.resize(need);
  if (beta != 0.0f && beta != 1.0f) {
    for (int64_t i = 0; i < count; ++i) {
      const int64_t hi = std::min(j_hi, b[i]->cols());
      for (int64_t r = 0; r < mc; ++r)
        for (int64_t j = j_lo; j < hi; ++j) c[i][(i0 + r) * ldc + j] *= beta;
    }
  }
  for (int64_t k0 = 0; k0 < k; k0 += kBf16BlockK) {
    const int64_t kc = std::min(kBf16BlockK, k - k0), kp = round_up(kc, kern.k_align);
    const bool accumulate = k0 > 0 || beta != 0.0f;
    kern.pack_a(trans_a, a, lda, i0, mc, k0, kc, kp, a_pack.data());
    for (int64_t i = 0; i < count; ++i) {
      const int64_t hi = std::min(j_hi, b[i]->cols());
      const uint16_t* block = b[i]->block(k0);
      for (int64_t jp = j_lo; jp < hi; jp += kern.nr) {
        const int cols = static_cast<int>(std::min<int64_t>(kern.nr, hi - jp));
        const uint16_t* panels = block + (jp / 16) * kp * 16;
        for (int64_t ip = 0; ip < mc; ip += kern.mr) {
          const int rows = static_cast<int>(std::min<int64_t>(kern.mr, mc - ip));
          kern.tile(kp, a_pack.data() + ip * kp, panels, c[i] + (i0 + ip) * ldc + jp, ldc, accumulate, rows, cols);
        }
      }
    }
  }
}

// begin() ... end() around a run of tiles, also when a tile call throws.
struct TileSession {
  const Bf16Kernels& kern;
  explicit TileSession(const Bf16Kernels& k) : kern(k) { kern.begin(); }
  ~TileSession() { kern.end(); }
};

// C = beta * C for the products with nothing to multiply (k == 0).
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j) c[r * ldc + j] = beta == 0.0f ? 0.0f : beta * c[r * ldc + j];
}

void check_packed(const Bf16Kernels& kern, const PackedMatrixBf16& b, int64_t k) {
  if (b.isa() != kern.isa || b.rows() != k) {
    throw std::invalid_argument("gemm_bf16: a matrix was packed for another instruction set or depth");
  }
}

}  // namespace

bool bf16_available() { return active_kernels().bf16 != nullptr; }

std::string bf16_unavailable_reason() {
  const CpuFeatures& f = cpu_features();
  std::string why = "mixed precision 'bfloat16' needs AMX (AMX-BF16) or AVX512-BF16 bfloat16 dot products";
  if (!f.avx512_bf16) return why + ", which this CPU (" + (f.brand.empty() ? "unknown" : f.brand) + ") does not have";
  return why + ": the instruction set in use is '" + isa_name(active_isa()) + "' (setIsa or RECURRENT_ISA), not '" +
         isa_name(best_supported_isa()) + "'";
}

PackedMatrixBf16::PackedMatrixBf16(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  pack(trans, k, n, b, ldb);
}

void PackedMatrixBf16::pack(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  const Bf16Kernels& kern = bf16_kernels();
  k_ = k;
  n_ = n;
  isa_ = kern.isa;
  const int64_t n16 = padded_cols();
  const int64_t last = k > 0 ? (k - 1) / kBf16BlockK * kBf16BlockK : 0;
  const int64_t size = std::max<int64_t>(1, (last + round_up(k - last, kern.k_align)) * n16);
  if (capacity_ < size) {
    data_.reset();
    capacity_ = 0;
    data_.reset(new uint16_t[static_cast<size_t>(size)]);
    capacity_ = size;
  }
  if (k <= 0 || n <= 0) return;
  struct Ctx { const Bf16Kernels* kern; bool trans; const float* b; int64_t ldb, k, n, n16; uint16_t* out; };
  Ctx ctx{&kern, trans, b, ldb, k, n, n16, data_.get()};
  const int64_t panels = n16 / 16;
  parallel_for(panels, k * n16 < (int64_t(1) << 16) ? panels : 4, [](void* p, int64_t p0, int64_t p1) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    for (int64_t k0 = 0; k0 < x.k; k0 += kBf16BlockK) {
      const int64_t kc = std::min(kBf16BlockK, x.k - k0), kp = round_up(kc, x.kern->k_align);
      x.kern->pack_b(x.trans, x.b, x.ldb, x.n, k0, kc, kp, p0 * 16, std::min(p1 * 16, x.n16),
                     x.out + k0 * x.n16 + p0 * kp * 16);
    }
  }, &ctx);
}

void gemm_bf16_packed_serial(bool trans_a, int64_t m, const float* a, int64_t lda, int64_t count,
                             const PackedMatrixBf16* const* b, float* const* c, float beta, int64_t ldc) {
  const Bf16Kernels& kern = bf16_kernels();
  if (m <= 0 || count <= 0) return;
  const int64_t k = b[0]->rows();
  for (int64_t i = 0; i < count; ++i) check_packed(kern, *b[i], k);
  if (k == 0) {
    for (int64_t i = 0; i < count; ++i) scale_c(m, b[i]->cols(), beta, c[i], ldc);
    return;
  }
  TileSession tiles(kern);
  const int64_t block_m = kern.mr * kBf16RowPanels;
  for (int64_t i0 = 0; i0 < m; i0 += block_m) {
    bf16_rows(kern, trans_a, a, lda, i0, std::min(block_m, m - i0), k, count, b, c, ldc, 0, INT64_MAX, beta);
  }
}

void gemm_bf16_packed(bool trans_a, int64_t m, const float* a, int64_t lda, const PackedMatrixBf16& b, float beta,
                      float* c, int64_t ldc) {
  const Bf16Kernels& kern = bf16_kernels();
  const int64_t n = b.cols(), k = b.rows();
  if (m <= 0 || n <= 0) return;
  check_packed(kern, b, k);
  if (k == 0) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const int64_t block_m = kern.mr * kBf16RowPanels;
  const int64_t m_blocks = (m + block_m - 1) / block_m;
  const int64_t threads = 2.0 * m * n * k < kBf16ParallelFlops ? 1 : num_threads();
  // Enough (row block, column group) tasks for every thread; columns in whole tiles.
  const int64_t groups = std::max<int64_t>(1, std::min((n + kern.nr - 1) / kern.nr, (2 * threads + m_blocks - 1) / m_blocks));
  const int64_t group_n = round_up((n + groups - 1) / groups, kern.nr);
  const int64_t n_groups = (n + group_n - 1) / group_n;
  const int64_t tasks = m_blocks * n_groups;
  struct Ctx {
    const Bf16Kernels* kern; bool trans_a; const float* a; int64_t lda, m, k, block_m, group_n, n_groups;
    const PackedMatrixBf16* b; float* c; int64_t ldc; float beta;
  };
  Ctx ctx{&kern, trans_a, a, lda, m, k, block_m, group_n, n_groups, &b, c, ldc, beta};
  parallel_for(tasks, (tasks + threads - 1) / threads, [](void* p, int64_t t0, int64_t t1) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    TileSession tiles(*x.kern);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t / x.n_groups) * x.block_m, j0 = (t % x.n_groups) * x.group_n;
      float* cs[1] = {x.c};
      bf16_rows(*x.kern, x.trans_a, x.a, x.lda, i0, std::min(x.block_m, x.m - i0), x.k, 1, &x.b, cs, x.ldc, j0,
                j0 + x.group_n, x.beta);
    }
  }, &ctx);
}

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  bf16_kernels();  // the error before any work where there are no bfloat16 kernels
  if (m <= 0 || n <= 0) return;
  if (k == 0) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  // B's bfloat16 panels in storage kept by this thread: no allocation, no page faults, call
  // after call.
  thread_local PackedMatrixBf16 packed;
  packed.pack(trans_b, k, n, b, ldb);
  gemm_bf16_packed(trans_a, m, a, lda, packed, beta, c, ldc);
}

}  // namespace cpu
}  // namespace recurrent
