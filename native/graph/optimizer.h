// Optimizers with Keras 3 semantics, and gradient clipping before the update.
//   sgd:      m = momentum m - lr g; w += nesterov ? momentum m - lr g : m  (no momentum: w -= lr g)
//   adam:     m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
//             w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
//   rmsprop:  v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)
//   adadelta: a = rho a + (1 - rho) g^2; d = -sqrt(s + eps) g / sqrt(a + eps);
//             s = rho s + (1 - rho) d^2; w += lr d
//   adagrad:  a += g^2 (a starts at initialAccumulatorValue); w -= lr g / sqrt(a + eps)
// Clipping (Keras allows one of them): clipnorm rescales each gradient tensor to at most
// that L2 norm, globalClipnorm all trainable tensors together, clipvalue clips elements.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/parameter.h"

namespace recurrent {
namespace graph {

class Optimizer {
 public:
  // Throws std::invalid_argument for settings Keras refuses.
  explicit Optimizer(const OptimizerSpec& spec);
  // Clears the optimizer state of `params` (a new compile starts afresh).
  void reset(const std::vector<Parameter*>& params);
  // One update of the trainable parameters from their gradients (clipped in place).
  void apply(const std::vector<Parameter*>& params, double learning_rate);
  double learning_rate() const { return spec_.learning_rate; }
  // Updates applied since compile (Adam's bias correction counts them).
  int64_t iterations() const { return iterations_; }
  void set_iterations(int64_t n) { iterations_ = n; }

 private:
  // The update of elements [begin, end) of one parameter.
  void update(Parameter& p, int64_t begin, int64_t end, float lr, float eps, double learning_rate) const;

  void clip(const std::vector<Parameter*>& params);
  OptimizerSpec spec_;
  int64_t iterations_ = 0;
};

}  // namespace graph
}  // namespace recurrent
