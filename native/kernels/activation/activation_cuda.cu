// The CUDA backend's activations (common/activation.h in float, one element per device
// thread), the softmax's backward (one row per thread) and the softmax over rows
// (semantics: Backend::softmax_rows): one block of
// 128 threads per row; each thread takes every 128th column, then the row's maximum and
// its sum of exponentials are reduced across the warp by shuffles and across the four
// warps through shared memory (a fixed tree, so the result does not vary between runs).
#include <cmath>

#include "common/activation.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"

namespace recurrent {
namespace cuda_ops {
namespace {

constexpr int kThreads = 128, kWarps = kThreads / 32;

// The block's reduction of v by op (max or sum); every thread receives the result.
template <bool kMax>
SIMT_DEVICE float block_reduce(float v, float* scratch) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const float other = simt_shfl_xor(v, offset);
    v = kMax ? (other > v ? other : v) : v + other;
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) scratch[warp] = v;
  simt_sync();
  float r = scratch[0];
  for (int w = 1; w < kWarps; ++w) r = kMax ? (scratch[w] > r ? scratch[w] : r) : r + scratch[w];
  simt_sync();  // scratch is reused by the next reduction
  return r;
}

SIMT_KERNEL void softmax_rows_kernel(const float* x, float* y, int64_t C) {
  SIMT_SHARED(float, scratch, kWarps);
  const float* in = x + int64_t(blockIdx.x) * C;
  float* out = y + int64_t(blockIdx.x) * C;
  float peak = -INFINITY;
  for (int64_t c = threadIdx.x; c < C; c += kThreads) peak = in[c] > peak ? in[c] : peak;
  peak = block_reduce<true>(peak, scratch);
  float sum = 0.0f;
  for (int64_t c = threadIdx.x; c < C; c += kThreads) sum += expf(in[c] - peak);
  sum = block_reduce<false>(sum, scratch);
  const float inv = 1.0f / sum;
  for (int64_t c = threadIdx.x; c < C; c += kThreads) out[c] = expf(in[c] - peak) * inv;
}

}  // namespace

void softmax_rows(const float* x, float* y, int64_t R, int64_t C, Stream s) {
  if (R <= 0 || C <= 0) return;
  simt::launch_kernel(dim3(static_cast<unsigned>(R)), dim3(kThreads), 0, static_cast<simt::Stream>(s), softmax_rows_kernel,
                      x, y, C);
}

void activation(Activation act, const float* x, float* y, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) { y[i] = activate(act, x[i]); });
}
void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) { dx[i] = dy[i] * activation_grad(act, y[i]); });
}
// One row per device thread, the dot in double as the reference's.
void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C, Stream s) {
  simt::for_each(R, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) {
    const float* yr = y + r * C;
    const float* gr = dy + r * C;
    double dot = 0.0;
    for (int64_t c = 0; c < C; ++c) dot += double(gr[c]) * yr[c];
    for (int64_t c = 0; c < C; ++c) dx[r * C + c] = static_cast<float>(yr[c] * (double(gr[c]) - dot));
  });
}

}  // namespace cuda_ops
}  // namespace recurrent
