// The reference backend's training ops: the update formulas of optimizer_update.h in
// double precision, one element after another, rounded to float once per stored value.
#include <cmath>

#include "kernels/optimizer/optimizer_plain.h"
#include "kernels/reference_backend.h"

namespace recurrent {

double ReferenceBackend::regularize(const float* value, float* grad, int64_t n, float l1, float l2) {
  return plain::regularize(value, grad, n, l1, l2);
}

void ReferenceBackend::scale_in_double(float* x, double factor, int64_t n) { plain::scale_in_double(x, factor, 0, n); }

void ReferenceBackend::clip_values(float* x, float limit, int64_t n) { plain::clip_values(x, limit, 0, n); }

void ReferenceBackend::optimizer_update(const OptimizerSpec& spec, int64_t iterations, double lr, float* w,
                                        const float* g, float* s0, float* s1, int64_t n) {
  const double eps = spec.epsilon;
  switch (spec.kind) {
    case OptimizerKind::Sgd:
      for (int64_t i = 0; i < n; ++i) {
        if (spec.momentum == 0.0) {
          w[i] = static_cast<float>(w[i] - lr * g[i]);
          continue;
        }
        const double m = spec.momentum * s0[i] - lr * g[i];
        s0[i] = static_cast<float>(m);
        w[i] = static_cast<float>(w[i] + (spec.nesterov ? spec.momentum * m - lr * g[i] : m));
      }
      break;
    case OptimizerKind::Adam: {
      const double t = static_cast<double>(iterations);
      const double alpha = lr * std::sqrt(1.0 - std::pow(spec.beta2, t)) / (1.0 - std::pow(spec.beta1, t));
      for (int64_t i = 0; i < n; ++i) {
        const double m = s0[i] + (g[i] - double(s0[i])) * (1.0 - spec.beta1);
        const double v = s1[i] + (double(g[i]) * g[i] - s1[i]) * (1.0 - spec.beta2);
        s0[i] = static_cast<float>(m);
        s1[i] = static_cast<float>(v);
        w[i] = static_cast<float>(w[i] - alpha * m / (std::sqrt(v) + eps));
      }
      break;
    }
    case OptimizerKind::Rmsprop:
      for (int64_t i = 0; i < n; ++i) {
        const double v = spec.rho * s0[i] + (1.0 - spec.rho) * g[i] * g[i];
        s0[i] = static_cast<float>(v);
        w[i] = static_cast<float>(w[i] - lr * g[i] / std::sqrt(v + eps));
      }
      break;
    case OptimizerKind::Adadelta:
      for (int64_t i = 0; i < n; ++i) {
        const double a = spec.rho * s0[i] + (1.0 - spec.rho) * g[i] * g[i];
        const double d = -std::sqrt(s1[i] + eps) * g[i] / std::sqrt(a + eps);
        s0[i] = static_cast<float>(a);
        s1[i] = static_cast<float>(spec.rho * s1[i] + (1.0 - spec.rho) * d * d);
        w[i] = static_cast<float>(w[i] + lr * d);
      }
      break;
    case OptimizerKind::Adagrad:
      for (int64_t i = 0; i < n; ++i) {
        const double a = s0[i] + double(g[i]) * g[i];
        s0[i] = static_cast<float>(a);
        w[i] = static_cast<float>(w[i] - lr * g[i] / std::sqrt(a + eps));
      }
      break;
  }
}

}  // namespace recurrent
