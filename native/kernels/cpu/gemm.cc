// Packed, cache-blocked GEMM. B is packed into k-blocks of nr-wide column panels, A into
// mr-tall row panels per (m-block, k-block); the active ISA's micro-kernel multiplies a
// pair of panels in registers. Work is split over (m-block, column group) tasks; each C
// element is summed by one thread in a fixed k order, so the thread count never changes
// the result.
#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/dispatch.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace cpu {
namespace {

constexpr int64_t kBlockK = 256;   // depth of one panel pair: B panel stays in L1/L2
constexpr int64_t kBlockM = 192;   // rows of A packed at once: stays in L2
constexpr int64_t kGroupN = 512;   // columns per task

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Element (row p of op(B), column j).
inline float at_b(bool trans, const float* b, int64_t ldb, int64_t p, int64_t j) {
  return trans ? b[j * ldb + p] : b[p * ldb + j];
}

}  // namespace

PackedMatrix::PackedMatrix(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  pack(trans, k, n, b, ldb);
}

void PackedMatrix::pack(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb) {
  const CpuKernels& kern = active_kernels();
  k_ = k;
  n_ = n;
  nr_ = kern.gemm.nr;
  isa_ = kern.isa;
  const int64_t nr = nr_;
  const int64_t n_padded = round_up(n, nr);
  data_.assign(static_cast<size_t>(k * n_padded), 0.0f);
  const int64_t panels = n_padded / nr;
  // Layout: for each k-block [k0, k0+kc): for each panel: [kc][nr].
  struct Ctx { const PackedMatrix* self; bool trans; const float* b; int64_t ldb, n, k, nr, n_padded; float* out; };
  Ctx ctx{this, trans, b, ldb, n, k, nr, n_padded, data_.data()};
  parallel_for(panels, 8, [](void* vctx, int64_t p0, int64_t p1) {
    const Ctx& c = *static_cast<const Ctx*>(vctx);
    for (int64_t k0 = 0; k0 < c.k; k0 += kBlockK) {
      const int64_t kc = std::min(kBlockK, c.k - k0);
      float* block = c.out + k0 * c.n_padded;
      for (int64_t panel = p0; panel < p1; ++panel) {
        float* dst = block + panel * kc * c.nr;
        const int64_t j0 = panel * c.nr;
        const int64_t width = std::min(c.nr, c.n - j0);
        for (int64_t p = 0; p < kc; ++p) {
          float* row = dst + p * c.nr;
          if (!c.trans && width == c.nr) {
            std::memcpy(row, c.b + (k0 + p) * c.ldb + j0, sizeof(float) * c.nr);
          } else {
            for (int64_t j = 0; j < width; ++j) row[j] = at_b(c.trans, c.b, c.ldb, k0 + p, j0 + j);
          }
        }
      }
    }
  }, &ctx);
}

void sgemm_packed(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, const PackedMatrix& b,
                  float beta, float* c, int64_t ldc) {
  const int64_t n = b.cols();
  const int64_t k = b.rows();
  if (m <= 0 || n <= 0) return;
  if (k == 0 || alpha == 0.0f) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
    }
    return;
  }
  const CpuKernels& kern = active_kernels();
  if (b.isa() != kern.isa || b.nr() != kern.gemm.nr) {
    // The ISA changed since packing: repack for the kernel now active.
    // (Never happens within one layer call; set_active_isa between calls can cause it.)
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
  const int64_t mr = kern.gemm.mr, nr = kern.gemm.nr;
  const int64_t n_padded = round_up(n, nr);
  const int64_t m_blocks = (m + kBlockM - 1) / kBlockM;
  // Small M (a time step's batch): make column groups narrower so both threads get work.
  int64_t group_n = kGroupN;
  const int64_t threads = num_threads();
  while (group_n > nr && m_blocks * ((n + group_n - 1) / group_n) < 4 * threads) group_n /= 2;
  group_n = std::max<int64_t>(round_up(group_n, nr), nr);
  const int64_t n_groups = (n + group_n - 1) / group_n;

  struct Ctx {
    const CpuKernels* kern; bool trans_a; int64_t m, n, k, lda, ldc, mr, nr, n_padded, group_n, n_groups;
    float alpha, beta; const float* a; const float* b; float* c;
  };
  Ctx ctx{&kern, trans_a, m, n, k, lda, ldc, mr, nr, n_padded, group_n, n_groups, alpha, beta, a, b.data(), c};
  parallel_for(m_blocks * n_groups, 1, [](void* vctx, int64_t t0, int64_t t1) {
    const Ctx& x = *static_cast<const Ctx*>(vctx);
    thread_local std::vector<float> a_pack;
    a_pack.resize(static_cast<size_t>(round_up(kBlockM, x.mr) * kBlockK));
    float tile[16 * 64];
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t mb = task / x.n_groups, ng = task % x.n_groups;
      const int64_t i0 = mb * kBlockM, mc = std::min(kBlockM, x.m - i0);
      const int64_t j0 = ng * x.group_n, nc = std::min(x.group_n, x.n - j0);
      if (x.beta != 0.0f && x.beta != 1.0f) {
        for (int64_t i = 0; i < mc; ++i) {
          float* row = x.c + (i0 + i) * x.ldc + j0;
          for (int64_t j = 0; j < nc; ++j) row[j] *= x.beta;
        }
      }
      for (int64_t k0 = 0; k0 < x.k; k0 += kBlockK) {
        const int64_t kc = std::min(kBlockK, x.k - k0);
        const bool accumulate = k0 > 0 || x.beta != 0.0f;
        // Pack A[i0:i0+mc, k0:k0+kc] * alpha into mr-tall panels, k-major, zero padded.
        for (int64_t ip = 0; ip < mc; ip += x.mr) {
          float* dst = a_pack.data() + ip * kc;
          const int64_t rows = std::min(x.mr, mc - ip);
          for (int64_t p = 0; p < kc; ++p) {
            float* out = dst + p * x.mr;
            for (int64_t r = 0; r < rows; ++r) {
              const int64_t i = i0 + ip + r, kk = k0 + p;
              out[r] = x.alpha * (x.trans_a ? x.a[kk * x.lda + i] : x.a[i * x.lda + kk]);
            }
            for (int64_t r = rows; r < x.mr; ++r) out[r] = 0.0f;
          }
        }
        const float* b_block = x.b + k0 * x.n_padded;
        for (int64_t jp = j0; jp < j0 + nc; jp += x.nr) {
          const float* b_panel = b_block + (jp / x.nr) * kc * x.nr;
          const int64_t cols = std::min(x.nr, x.n - jp);
          for (int64_t ip = 0; ip < mc; ip += x.mr) {
            const float* a_panel = a_pack.data() + ip * kc;
            const int64_t rows = std::min(x.mr, mc - ip);
            float* c_tile = x.c + (i0 + ip) * x.ldc + jp;
            if (rows == x.mr && cols == x.nr) {
              x.kern->gemm.run(kc, a_panel, b_panel, c_tile, x.ldc, accumulate);
            } else {
              x.kern->gemm.run(kc, a_panel, b_panel, tile, x.nr, false);
              for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < cols; ++j) {
                  float* out = c_tile + r * x.ldc + j;
                  *out = accumulate ? *out + tile[r * x.nr + j] : tile[r * x.nr + j];
                }
            }
          }
        }
      }
    }
  }, &ctx);
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  PackedMatrix packed(trans_b, k, n, b, ldb);
  sgemm_packed(trans_a, m, alpha, a, lda, packed, beta, c, ldc);
}

}  // namespace cpu
}  // namespace recurrent
