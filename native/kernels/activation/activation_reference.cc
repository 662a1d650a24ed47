// The reference backend's activations and softmax: each element through the cell math of
// common/activation.h in double, rounded to float once at the end.
#include <algorithm>
#include <cmath>

#include "kernels/reference_backend.h"

namespace recurrent {

void ReferenceBackend::activation(Activation act, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(activate<double>(act, x[i]));
}

void ReferenceBackend::activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<float>(double(dy[i]) * activation_grad<double>(act, y[i]));
}

void ReferenceBackend::softmax_rows(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; ++r) {
    const float* in = x + r * C;
    double peak = in[0];
    for (int64_t c = 1; c < C; ++c) peak = std::max(peak, double(in[c]));
    double sum = 0.0;
    for (int64_t c = 0; c < C; ++c) sum += std::exp(double(in[c]) - peak);
    for (int64_t c = 0; c < C; ++c) y[r * C + c] = static_cast<float>(std::exp(double(in[c]) - peak) / sum);
  }
}

void ReferenceBackend::softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; ++r) {
    const float* yr = y + r * C;
    const float* gr = dy + r * C;
    double dot = 0.0;
    for (int64_t c = 0; c < C; ++c) dot += double(gr[c]) * yr[c];
    for (int64_t c = 0; c < C; ++c) dx[r * C + c] = static_cast<float>(yr[c] * (double(gr[c]) - dot));
  }
}

}  // namespace recurrent
