// The CPU backend's training ops: the optimizer updates in float as Keras computes them,
// split over the thread pool (each element is updated by one thread, so the bits do not
// depend on the split: a 1M-parameter embedding's update was most of a small model's
// step before it was split); clipping likewise; the regularization penalty in one
// ordered pass.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/optimizer/optimizer_plain.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace {

constexpr int64_t kGrain = int64_t(1) << 14;

// Elements [begin, end) of one weight's update.
void update_range(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* w, const float* g,
                  float* s0, float* s1, int64_t begin, int64_t end) {
  const float lr = static_cast<float>(learning_rate);
  const float eps = static_cast<float>(spec.epsilon);
  switch (spec.kind) {
    case OptimizerKind::Sgd: {
      const float mu = static_cast<float>(spec.momentum);
      if (mu == 0.0f) {
        for (int64_t i = begin; i < end; ++i) w[i] -= lr * g[i];
      } else {
        for (int64_t i = begin; i < end; ++i) {
          s0[i] = mu * s0[i] - lr * g[i];
          w[i] += spec.nesterov ? mu * s0[i] - lr * g[i] : s0[i];
        }
      }
      break;
    }
    case OptimizerKind::Adam: {
      const double t = static_cast<double>(iterations);
      const float b1 = static_cast<float>(spec.beta1), b2 = static_cast<float>(spec.beta2);
      const float alpha =
          static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(spec.beta2, t)) / (1.0 - std::pow(spec.beta1, t)));
      for (int64_t i = begin; i < end; ++i) {
        s0[i] += (g[i] - s0[i]) * (1.0f - b1);
        s1[i] += (g[i] * g[i] - s1[i]) * (1.0f - b2);
        w[i] -= alpha * s0[i] / (std::sqrt(s1[i]) + eps);
      }
      break;
    }
    case OptimizerKind::Rmsprop: {
      const float rho = static_cast<float>(spec.rho);
      for (int64_t i = begin; i < end; ++i) {
        s0[i] = rho * s0[i] + (1.0f - rho) * g[i] * g[i];
        w[i] -= lr * g[i] / std::sqrt(s0[i] + eps);
      }
      break;
    }
    case OptimizerKind::Adadelta: {
      const float rho = static_cast<float>(spec.rho);
      for (int64_t i = begin; i < end; ++i) {
        s0[i] = rho * s0[i] + (1.0f - rho) * g[i] * g[i];
        const float d = -std::sqrt(s1[i] + eps) * g[i] / std::sqrt(s0[i] + eps);
        s1[i] = rho * s1[i] + (1.0f - rho) * d * d;
        w[i] += lr * d;
      }
      break;
    }
    case OptimizerKind::Adagrad: {
      for (int64_t i = begin; i < end; ++i) {
        s0[i] += g[i] * g[i];
        w[i] -= lr * g[i] / std::sqrt(s0[i] + eps);
      }
      break;
    }
  }
}

}  // namespace

double CpuBackend::regularize(const float* value, float* grad, int64_t n, float l1, float l2) {
  return plain::regularize(value, grad, n, l1, l2);
}

void CpuBackend::scale_in_double(float* x, double factor, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::scale_in_double(x, factor, b, e); });
}

void CpuBackend::clip_values(float* x, float limit, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::clip_values(x, limit, b, e); });
}

void CpuBackend::optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                                  const float* grad, float* slot0, float* slot1, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) {
    update_range(spec, iterations, learning_rate, value, grad, slot0, slot1, b, e);
  });
}

}  // namespace recurrent
