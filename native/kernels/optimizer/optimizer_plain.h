// The plain loops of the training ops the backends share (semantics: kernels/backend.h):
// the regularization penalty, whose ordered sums are part of the loss, the clipping loops
// and the float updates of the CPU and CUDA backends over a range [begin, end) (the
// reference computes the updates in double, in optimizer_reference.cc).
#pragma once
#include "common/portable.h"
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/optimizer/optimizer_update.h"

namespace recurrent {
namespace plain {

// All n elements in order (the sums' bits are part of the loss).
RECURRENT_HD inline double regularize(const float* value, float* grad, int64_t n, float l1, float l2) {
  double sum_abs = 0.0, sum_sq = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float w = value[i];
    sum_abs += std::fabs(w);
    sum_sq += double(w) * w;
    if (grad) grad[i] += l1 * (w > 0 ? 1.0f : w < 0 ? -1.0f : 0.0f) + 2.0f * l2 * w;
  }
  return l1 * sum_abs + l2 * sum_sq;
}

RECURRENT_HD inline void scale_in_double(float* x, double factor, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) x[i] = static_cast<float>(x[i] * factor);
}

RECURRENT_HD inline void clip_values(float* x, float limit, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) x[i] = std::min(limit, std::max(-limit, x[i]));
}

// The per-call constants of a float update, computed once on the host.
struct UpdateCoefficients {
  float lr = 0, eps = 0, mu = 0, b1 = 0, b2 = 0, alpha = 0, rho = 0;
};

inline UpdateCoefficients update_coefficients(const OptimizerSpec& spec, int64_t iterations, double learning_rate) {
  UpdateCoefficients k;
  k.lr = static_cast<float>(learning_rate);
  k.eps = static_cast<float>(spec.epsilon);
  k.mu = static_cast<float>(spec.momentum);
  k.b1 = static_cast<float>(spec.beta1);
  k.b2 = static_cast<float>(spec.beta2);
  k.rho = static_cast<float>(spec.rho);
  if (spec.kind == OptimizerKind::Adam) {
    const double t = static_cast<double>(iterations);
    k.alpha = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(spec.beta2, t)) / (1.0 - std::pow(spec.beta1, t)));
  }
  return k;
}

// Elements [begin, end) of one weight's update, in float as Keras computes it.
RECURRENT_HD inline void optimizer_update_range(OptimizerKind kind, bool nesterov, const UpdateCoefficients& k, float* w,
                                                const float* g, float* s0, float* s1, int64_t begin, int64_t end) {
  switch (kind) {
    case OptimizerKind::Sgd: {
      if (k.mu == 0.0f) {
        for (int64_t i = begin; i < end; ++i) w[i] -= k.lr * g[i];
      } else {
        for (int64_t i = begin; i < end; ++i) {
          s0[i] = k.mu * s0[i] - k.lr * g[i];
          w[i] += nesterov ? k.mu * s0[i] - k.lr * g[i] : s0[i];
        }
      }
      break;
    }
    case OptimizerKind::Adam:
      for (int64_t i = begin; i < end; ++i) {
        s0[i] += (g[i] - s0[i]) * (1.0f - k.b1);
        s1[i] += (g[i] * g[i] - s1[i]) * (1.0f - k.b2);
        w[i] -= k.alpha * s0[i] / (std::sqrt(s1[i]) + k.eps);
      }
      break;
    case OptimizerKind::Rmsprop:
      for (int64_t i = begin; i < end; ++i) {
        s0[i] = k.rho * s0[i] + (1.0f - k.rho) * g[i] * g[i];
        w[i] -= k.lr * g[i] / std::sqrt(s0[i] + k.eps);
      }
      break;
    case OptimizerKind::Adadelta:
      for (int64_t i = begin; i < end; ++i) {
        s0[i] = k.rho * s0[i] + (1.0f - k.rho) * g[i] * g[i];
        const float d = -std::sqrt(s1[i] + k.eps) * g[i] / std::sqrt(s0[i] + k.eps);
        s1[i] = k.rho * s1[i] + (1.0f - k.rho) * d * d;
        w[i] += k.lr * d;
      }
      break;
    case OptimizerKind::Adagrad:
      for (int64_t i = begin; i < end; ++i) {
        s0[i] += g[i] * g[i];
        w[i] -= k.lr * g[i] / std::sqrt(s0[i] + k.eps);
      }
      break;
  }
}

}  // namespace plain
}  // namespace recurrent
