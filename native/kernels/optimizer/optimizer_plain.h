// The plain loops of the training ops that both backends share (semantics:
// kernels/backend.h): the regularization penalty, whose ordered sums are part of the loss,
// and the clipping loops over a range [begin, end).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace recurrent {
namespace plain {

// All n elements in order (the sums' bits are part of the loss).
inline double regularize(const float* value, float* grad, int64_t n, float l1, float l2) {
  double sum_abs = 0.0, sum_sq = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float w = value[i];
    sum_abs += std::fabs(w);
    sum_sq += double(w) * w;
    if (grad) grad[i] += l1 * (w > 0 ? 1.0f : w < 0 ? -1.0f : 0.0f) + 2.0f * l2 * w;
  }
  return l1 * sum_abs + l2 * sum_sq;
}

inline void scale_in_double(float* x, double factor, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) x[i] = static_cast<float>(x[i] * factor);
}

inline void clip_values(float* x, float limit, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) x[i] = std::min(limit, std::max(-limit, x[i]));
}

}  // namespace plain
}  // namespace recurrent
