// Optimizers with Keras 3 semantics (the op is Backend::optimizer_update; clipping uses
// Backend::sum_squares, scale_in_double and clip_values before it).
//   sgd:      m = momentum m - lr g; w += nesterov ? momentum m - lr g : m  (no momentum: w -= lr g)
//   adam:     m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
//             w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
//   rmsprop:  v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)
//   adadelta: a = rho a + (1 - rho) g^2; d = -sqrt(s + eps) g / sqrt(a + eps);
//             s = rho s + (1 - rho) d^2; w += lr d
//   adagrad:  a += g^2 (a starts at initialAccumulatorValue); w -= lr g / sqrt(a + eps)
// Clipping (Keras allows one of them): clipnorm rescales each gradient tensor to at most
// that L2 norm, globalClipnorm all trainable tensors together, clipvalue clips elements.
// The slots each optimizer keeps per weight: sgd with momentum: velocity; adam: m, v;
// rmsprop: v; adadelta: accumulated gradient, accumulated update; adagrad: accumulator.
#pragma once
#include <cstdint>

namespace recurrent {

enum class OptimizerKind { Sgd, Adam, Rmsprop, Adadelta, Adagrad };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::Sgd;
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999;
  double epsilon = 1e-7;
  double rho = 0.9;
  double initial_accumulator_value = 0.1;
  double clipvalue = 0.0, clipnorm = 0.0, global_clipnorm = 0.0;
};

// Slots the optimizer keeps per weight (0, 1 or 2) and the value slot 0 starts at.
inline int optimizer_slot_count(const OptimizerSpec& s) {
  switch (s.kind) {
    case OptimizerKind::Sgd: return s.momentum != 0.0 ? 1 : 0;
    case OptimizerKind::Adam:
    case OptimizerKind::Adadelta: return 2;
    case OptimizerKind::Rmsprop:
    case OptimizerKind::Adagrad: return 1;
  }
  return 0;
}
inline float optimizer_slot0_initial(const OptimizerSpec& s) {
  return s.kind == OptimizerKind::Adagrad ? static_cast<float>(s.initial_accumulator_value) : 0.0f;
}

}  // namespace recurrent
