// The CPU backend's activations and softmax: the vectorized kernels of the active
// instruction set (kernels/cpu/dispatch.h), on the calling thread as the Dense layer has
// always run them; the softmax backward split over the pool by rows.
#include <algorithm>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/dispatch.h"
#include "runtime/thread_pool.h"

namespace recurrent {

void CpuBackend::activation(Activation act, const float* x, float* y, int64_t n) {
  if (act == Activation::Linear) {
    if (y != x) std::copy(x, x + n, y);
    return;
  }
  cpu::active_kernels().activation(act, x, y, n);
}

void CpuBackend::activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n) {
  if (act == Activation::Linear) {
    if (dx != dy) std::copy(dy, dy + n, dx);
    return;
  }
  cpu::active_kernels().activation_backward(act, y, dy, dx, n);
}

void CpuBackend::softmax_rows(const float* x, float* y, int64_t R, int64_t C) {
  cpu::active_kernels().softmax_rows(x, y, R, C);
}

// The dot product in double, then in float: dx = y * (dy - (float) dot).
void CpuBackend::softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(C, 1));
  parallel_for_each_range(R, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* yr = y + r * C;
      const float* gr = dy + r * C;
      double dot = 0.0;
      for (int64_t c = 0; c < C; ++c) dot += double(gr[c]) * yr[c];
      const float d = static_cast<float>(dot);
      for (int64_t c = 0; c < C; ++c) dx[r * C + c] = yr[c] * (gr[c] - d);
    }
  });
}

}  // namespace recurrent
