#include "graph/optimizer.h"

#include <cmath>
#include <stdexcept>

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

void Optimizer::clip(Backend& be, ParameterStore& params) const {
  const size_t n = params.count();
  if (spec_.clipnorm > 0) {
    for (size_t i = 0; i < n; ++i) {
      if (!params.param(i).decl.trainable) continue;
      const double norm = std::sqrt(be.sum_squares(params.grad(i), params.param(i).size));
      if (norm > spec_.clipnorm) be.scale_in_double(params.grad(i), spec_.clipnorm / norm, params.param(i).size);
    }
  } else if (spec_.global_clipnorm > 0) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i)
      if (params.param(i).decl.trainable) total += be.sum_squares(params.grad(i), params.param(i).size);
    const double norm = std::sqrt(total);
    if (norm > spec_.global_clipnorm)
      for (size_t i = 0; i < n; ++i)
        if (params.param(i).decl.trainable)
          be.scale_in_double(params.grad(i), spec_.global_clipnorm / norm, params.param(i).size);
  } else if (spec_.clipvalue > 0) {
    for (size_t i = 0; i < n; ++i)
      if (params.param(i).decl.trainable)
        be.clip_values(params.grad(i), static_cast<float>(spec_.clipvalue), params.param(i).size);
  }
}

void Optimizer::apply(Backend& be, ParameterStore& params, double learning_rate) {
  clip(be, params);
  ++iterations_;
  for (size_t i = 0; i < params.count(); ++i) {
    const Parameter& p = params.param(i);
    if (!p.decl.trainable) continue;
    be.optimizer_update(spec_, iterations_, learning_rate, params.value(i), params.grad(i), params.slot(i, 0),
                        params.slot(i, 1), p.size);
  }
}

}  // namespace graph
}  // namespace recurrent
