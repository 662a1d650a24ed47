// The CUDA backend's float32 GEMM (semantics: Backend::gemm in kernels/backend.h):
//   C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C, row-major with row strides.
// A block computes a 64 x 64 tile of C with 16 x 16 threads, each thread 4 x 4 outputs
// (rows ty + 16 i, columns tx + 16 j); K advances in slices of 16 staged in shared
// memory (A's slice stored k-major so both reads are contiguous across a warp). Every
// output is summed by one thread in ascending k, in float: the exact path against which
// the TF32 tensor-core path (to come) is checked.
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

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream s) {
  if (m <= 0 || n <= 0) return;
  const dim3 grid(simt::blocks_for(n, kTile), simt::blocks_for(m, kTile));
  simt::launch_kernel(grid, dim3(kSide, kSide), 0, static_cast<simt::Stream>(s), gemm_kernel, trans_a, trans_b, m, n, k,
                      alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc,
                  int64_t stride_c, int64_t count, Stream s) {
  for (int64_t i = 0; i < count; ++i)
    gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc, s);
}

}  // namespace cuda_ops
}  // namespace recurrent
