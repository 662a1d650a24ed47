#include "graph/optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/thread_pool.h"

namespace recurrent {
namespace graph {

Optimizer::Optimizer(const OptimizerSpec& spec) : spec_(spec) {
  const int clips = (spec.clipvalue > 0) + (spec.clipnorm > 0) + (spec.global_clipnorm > 0);
  if (clips > 1)
    throw std::invalid_argument("optimizer: only one of clipvalue, clipnorm and globalClipnorm can be set (Keras)");
  if (!(spec.learning_rate >= 0) || !std::isfinite(spec.learning_rate))
    throw std::invalid_argument("optimizer: learningRate must be a finite number >= 0");
  if (spec.kind == OptimizerKind::Sgd && (spec.momentum < 0 || spec.momentum > 1))
    throw std::invalid_argument("optimizer: momentum must be in [0, 1]");
}

void Optimizer::reset(const std::vector<Parameter*>& params) {
  iterations_ = 0;
  for (Parameter* p : params) {
    const size_t n = static_cast<size_t>(p->size());
    const float init = spec_.kind == OptimizerKind::Adagrad ? static_cast<float>(spec_.initial_accumulator_value) : 0.0f;
    const bool two = spec_.kind == OptimizerKind::Adam || spec_.kind == OptimizerKind::Adadelta;
    const bool one = two || spec_.kind == OptimizerKind::Rmsprop || spec_.kind == OptimizerKind::Adagrad ||
                     (spec_.kind == OptimizerKind::Sgd && spec_.momentum != 0);
    p->slots[0].assign(one && p->trainable ? n : 0, init);
    p->slots[1].assign(two && p->trainable ? n : 0, 0.0f);
  }
}

void Optimizer::clip(const std::vector<Parameter*>& params) {
  auto norm_of = [](const Parameter* p) {
    double s = 0.0;
    for (float g : p->grad) s += double(g) * g;
    return s;
  };
  auto scale = [](Parameter* p, double f) {
    for (float& g : p->grad) g = static_cast<float>(g * f);
  };
  if (spec_.clipnorm > 0) {
    for (Parameter* p : params) {
      if (!p->trainable) continue;
      const double norm = std::sqrt(norm_of(p));
      if (norm > spec_.clipnorm) scale(p, spec_.clipnorm / norm);
    }
  } else if (spec_.global_clipnorm > 0) {
    double total = 0.0;
    for (Parameter* p : params)
      if (p->trainable) total += norm_of(p);
    const double norm = std::sqrt(total);
    if (norm > spec_.global_clipnorm)
      for (Parameter* p : params)
        if (p->trainable) scale(p, spec_.global_clipnorm / norm);
  } else if (spec_.clipvalue > 0) {
    const float v = static_cast<float>(spec_.clipvalue);
    for (Parameter* p : params)
      if (p->trainable)
        for (float& g : p->grad) g = std::min(v, std::max(-v, g));
  }
}

void Optimizer::apply(const std::vector<Parameter*>& params, double learning_rate) {
  clip(params);
  ++iterations_;
  const float lr = static_cast<float>(learning_rate);
  const float eps = static_cast<float>(spec_.epsilon);
  for (Parameter* p : params) {
    if (!p->trainable) continue;
    // Element-wise: split over the pool (a 1M-parameter embedding's update was most of a
    // small model's step); each element is updated by one thread, so the bits do not
    // depend on the split.
    parallel_for_each_range(p->size(), 1 << 14, [&](int64_t begin, int64_t end) { update(*p, begin, end, lr, eps, learning_rate); });
  }
}

void Optimizer::update(Parameter& p, int64_t begin, int64_t end, float lr, float eps, double learning_rate) const {
  float* w = p.value.data();
  const float* g = p.grad.data();
  float* s0 = p.slots[0].data();
  float* s1 = p.slots[1].data();
  switch (spec_.kind) {
    case OptimizerKind::Sgd: {
      const float mu = static_cast<float>(spec_.momentum);
      if (mu == 0.0f) {
        for (int64_t i = begin; i < end; ++i) w[i] -= lr * g[i];
      } else {
        for (int64_t i = begin; i < end; ++i) {
          s0[i] = mu * s0[i] - lr * g[i];
          w[i] += spec_.nesterov ? mu * s0[i] - lr * g[i] : s0[i];
        }
      }
      break;
    }
    case OptimizerKind::Adam: {
      const double t = static_cast<double>(iterations_);
      const float b1 = static_cast<float>(spec_.beta1), b2 = static_cast<float>(spec_.beta2);
      const float alpha = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(spec_.beta2, t)) /
                                             (1.0 - std::pow(spec_.beta1, t)));
      for (int64_t i = begin; i < end; ++i) {
        s0[i] += (g[i] - s0[i]) * (1.0f - b1);
        s1[i] += (g[i] * g[i] - s1[i]) * (1.0f - b2);
        w[i] -= alpha * s0[i] / (std::sqrt(s1[i]) + eps);
      }
      break;
    }
    case OptimizerKind::Rmsprop: {
      const float rho = static_cast<float>(spec_.rho);
      for (int64_t i = begin; i < end; ++i) {
        s0[i] = rho * s0[i] + (1.0f - rho) * g[i] * g[i];
        w[i] -= lr * g[i] / std::sqrt(s0[i] + eps);
      }
      break;
    }
    case OptimizerKind::Adadelta: {
      const float rho = static_cast<float>(spec_.rho);
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

}  // namespace graph
}  // namespace recurrent
