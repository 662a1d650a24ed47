// The CUDA backend's float32 GEMM (semantics: Backend::gemm in kernels/backend.h):
//   C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C, row-major with row strides.
// A block computes a 64 x 64 tile of C with 16 x 16 threads, each thread 4 x 4 outputs
// (rows ty + 16 i, columns tx + 16 j); K advances in slices of 16 staged in shared
// memory (A's slice stored k-major so both reads are contiguous across a warp). Every
// output is summed by one thread in ascending k, in float: the exact path.
//
// The TF32 path (gemm_tf32) runs the same tiling on the tensor cores: a block of 4 warps
// computes a 64 x 64 tile, each warp 32 x 32 of it as 2 x 4 products of mma.sync m16n8k8
// (simt_mma_tf32), K advancing in slices of 8 staged in shared memory; the operands are
// rounded to TF32 (10 mantissa bits) and the products summed in float. About 1e-3 relative
// off the float32 result, as TF32 is on every GPU; exactly the float32 product of the
// TF32-rounded operands up to float summation.
#include <atomic>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"

namespace recurrent {
namespace cuda_ops {
namespace {

constexpr int kTile = 64, kSlice = 16, kSide = 16, kPer = kTile / kSide;

SIMT_KERNEL void gemm_kernel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                             int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  SIMT_SHARED(float, as, kSlice * (kTile + 1));  // as[p][i]: op(A)[row0 + i, k0 + p]
  SIMT_SHARED(float, bs, kSlice * (kTile + 1));  // bs[p][j]: op(B)[k0 + p, col0 + j]
  const int tx = threadIdx.x, ty = threadIdx.y, t = ty * kSide + tx;
  const int64_t row0 = int64_t(blockIdx.y) * kTile, col0 = int64_t(blockIdx.x) * kTile;
  float acc[kPer][kPer];
  for (int i = 0; i < kPer; ++i)
    for (int j = 0; j < kPer; ++j) acc[i][j] = 0.0f;
  for (int64_t k0 = 0; k0 < k; k0 += kSlice) {
    // 64 x 16 values of each operand, 4 per thread.
    for (int e = t; e < kTile * kSlice; e += kSide * kSide) {
      const int i = trans_a ? e % kTile : e / kSlice, p = trans_a ? e / kTile : e % kSlice;
      const int64_t row = row0 + i, kk = k0 + p;
      as[p * (kTile + 1) + i] = row < m && kk < k ? (trans_a ? a[kk * lda + row] : a[row * lda + kk]) : 0.0f;
      const int j = trans_b ? e / kSlice : e % kTile, q = trans_b ? e % kSlice : e / kTile;
      const int64_t col = col0 + j, kq = k0 + q;
      bs[q * (kTile + 1) + j] = col < n && kq < k ? (trans_b ? b[col * ldb + kq] : b[kq * ldb + col]) : 0.0f;
    }
    simt_sync();
    for (int p = 0; p < kSlice; ++p) {
      float av[kPer], bv[kPer];
      for (int i = 0; i < kPer; ++i) av[i] = as[p * (kTile + 1) + ty + kSide * i];
      for (int j = 0; j < kPer; ++j) bv[j] = bs[p * (kTile + 1) + tx + kSide * j];
      for (int i = 0; i < kPer; ++i)
        for (int j = 0; j < kPer; ++j) acc[i][j] += av[i] * bv[j];
    }
    simt_sync();
  }
  for (int i = 0; i < kPer; ++i) {
    const int64_t row = row0 + ty + kSide * i;
    if (row >= m) continue;
    for (int j = 0; j < kPer; ++j) {
      const int64_t col = col0 + tx + kSide * j;
      if (col >= n) continue;
      float* out = c + row * ldc + col;
      *out = alpha * acc[i][j] + (beta == 0.0f ? 0.0f : beta * *out);
    }
  }
}

constexpr int kTf32Threads = 128;  // 4 warps, 2 x 2 over the 64 x 64 tile
constexpr int kTf32Slice = 8;

SIMT_KERNEL void gemm_tf32_kernel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                                  int64_t ldc) {
  SIMT_SHARED(float, as, kTile * (kTf32Slice + 1));  // as[i][p]: op(A)[row0 + i, k0 + p]
  SIMT_SHARED(float, bs, kTf32Slice * (kTile + 1));  // bs[p][j]: op(B)[k0 + p, col0 + j]
  const int t = threadIdx.x, lane = t % 32, warp = t / 32, g = lane / 4, q = lane % 4;
  const int warp_row = (warp / 2) * 32, warp_col = (warp % 2) * 32;
  const int64_t row0 = int64_t(blockIdx.y) * kTile, col0 = int64_t(blockIdx.x) * kTile;
  float acc[2][4][4];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int r = 0; r < 4; ++r) acc[i][j][r] = 0.0f;
  for (int64_t k0 = 0; k0 < k; k0 += kTf32Slice) {
    for (int e = t; e < kTile * kTf32Slice; e += kTf32Threads) {
      const int i = e / kTf32Slice, p = e % kTf32Slice;
      const int64_t row = row0 + i, kk = k0 + p;
      as[i * (kTf32Slice + 1) + p] = row < m && kk < k ? (trans_a ? a[kk * lda + row] : a[row * lda + kk]) : 0.0f;
      const int jb = e % kTile, pb = e / kTile;
      const int64_t col = col0 + jb, kb = k0 + pb;
      bs[pb * (kTile + 1) + jb] = col < n && kb < k ? (trans_b ? b[col * ldb + kb] : b[kb * ldb + col]) : 0.0f;
    }
    simt_sync();
    for (int mt = 0; mt < 2; ++mt) {
      const int r0 = warp_row + mt * 16;
      const float af[4] = {as[(r0 + g) * (kTf32Slice + 1) + q], as[(r0 + g + 8) * (kTf32Slice + 1) + q],
                           as[(r0 + g) * (kTf32Slice + 1) + q + 4], as[(r0 + g + 8) * (kTf32Slice + 1) + q + 4]};
      for (int nt = 0; nt < 4; ++nt) {
        const int c0 = warp_col + nt * 8;
        const float bf[2] = {bs[q * (kTile + 1) + c0 + g], bs[(q + 4) * (kTile + 1) + c0 + g]};
        simt_mma_tf32(acc[mt][nt], af, bf, acc[mt][nt]);
      }
    }
    simt_sync();
  }
  for (int mt = 0; mt < 2; ++mt)
    for (int nt = 0; nt < 4; ++nt)
      for (int r = 0; r < 4; ++r) {
        const int64_t row = row0 + warp_row + mt * 16 + g + 8 * (r / 2);
        const int64_t col = col0 + warp_col + nt * 8 + 2 * q + (r % 2);
        if (row >= m || col >= n) continue;
        float* out = c + row * ldc + col;
        *out = alpha * acc[mt][nt][r] + (beta == 0.0f ? 0.0f : beta * *out);
      }
}

std::atomic<bool> tensor_cores{false};  // set when a backend is made, read on any thread

}  // namespace

void set_tensor_core_gemm(bool on) { tensor_cores = on; }
bool tensor_core_gemm() { return tensor_cores; }

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream s) {
  if (tensor_cores) return gemm_tf32(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, s);
  if (m <= 0 || n <= 0) return;
  const dim3 grid(simt::blocks_for(n, kTile), simt::blocks_for(m, kTile));
  simt::launch_kernel(grid, dim3(kSide, kSide), 0, static_cast<simt::Stream>(s), gemm_kernel, trans_a, trans_b, m, n, k,
                      alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_tf32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream s) {
  if (m <= 0 || n <= 0) return;
  const dim3 grid(simt::blocks_for(n, kTile), simt::blocks_for(m, kTile));
  simt::launch_kernel(grid, dim3(kTf32Threads), 0, static_cast<simt::Stream>(s), gemm_tf32_kernel, trans_a, trans_b, m, n,
                      k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc,
                  int64_t stride_c, int64_t count, Stream s) {
  for (int64_t i = 0; i < count; ++i)
    gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc, s);
}

}  // namespace cuda_ops
}  // namespace recurrent
