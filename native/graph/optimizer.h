// The compiled optimizer (Keras 3 semantics, kernels/optimizer/optimizer_update.h): its
// settings and update count. apply() clips the gradients of the trainable weights in place
// (clipnorm per weight, globalClipnorm over all of them, or clipvalue) and runs the
// backend's update of each trainable weight with its slots.
#pragma once
#include <cstdint>

#include "graph/parameter.h"
#include "kernels/backend.h"
#include "kernels/optimizer/optimizer_update.h"

namespace recurrent {
namespace graph {

class Optimizer {
 public:
  // Throws std::invalid_argument for settings Keras refuses.
  explicit Optimizer(const OptimizerSpec& spec);
  const OptimizerSpec& spec() const { return spec_; }
  double learning_rate() const { return spec_.learning_rate; }
  // Updates applied since compile (Adam's bias correction counts them).
  int64_t iterations() const { return iterations_; }
  void set_iterations(int64_t n) { iterations_ = n; }
  void apply(Backend& backend, ParameterStore& params, double learning_rate);

 private:
  void clip(Backend& backend, ParameterStore& params) const;
  OptimizerSpec spec_;
  int64_t iterations_ = 0;
};

}  // namespace graph
}  // namespace recurrent
