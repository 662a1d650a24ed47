// Activation functions of the recurrent cells and Dense layers, and their derivatives
// written in terms of the activation's *output*, so that backward needs only what
// forward saved. Generic over the value type T: float and double here, the SIMD vector
// types of kernels/cpu (which supply their own exp/tanh/sigmoid), and float in CUDA.
#pragma once
#include <cmath>

#include "common/portable.h"

namespace recurrent {

enum class Activation : int {
  Linear = 0,
  Tanh = 1,
  Sigmoid = 2,
  Relu = 3,
  HardSigmoid = 4,  // clip(0.2 x + 0.5, 0, 1): Keras 2 and TensorFlow.js
};

constexpr int kActivationCount = 5;

namespace scalar_math {
RECURRENT_SHARED float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
RECURRENT_SHARED double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
RECURRENT_SHARED float tanh_act(float x) { return tanhf(x); }
RECURRENT_SHARED double tanh_act(double x) { return tanh(x); }
RECURRENT_SHARED float relu(float x) { return x > 0.0f ? x : 0.0f; }
RECURRENT_SHARED double relu(double x) { return x > 0.0 ? x : 0.0; }
RECURRENT_SHARED float hard_sigmoid(float x) { return fminf(1.0f, fmaxf(0.0f, 0.2f * x + 0.5f)); }
RECURRENT_SHARED double hard_sigmoid(double x) { return fmin(1.0, fmax(0.0, 0.2 * x + 0.5)); }
// y > 0 ? a : b, with y the activation output.
RECURRENT_SHARED float where_positive(float y, float a, float b) { return y > 0.0f ? a : b; }
RECURRENT_SHARED double where_positive(double y, double a, double b) { return y > 0.0 ? a : b; }
// 0 < y < 1 ? a : b (inside the hard sigmoid's linear part).
RECURRENT_SHARED float where_unit_open(float y, float a, float b) { return (y > 0.0f && y < 1.0f) ? a : b; }
RECURRENT_SHARED double where_unit_open(double y, double a, double b) { return (y > 0.0 && y < 1.0) ? a : b; }
}  // namespace scalar_math

using namespace scalar_math;

// The math functions are found by overload (float, double) or by argument-dependent
// lookup (the SIMD types), so one definition serves every backend.
template <class T>
RECURRENT_SHARED T activate(Activation a, T x) {
  switch (a) {
    case Activation::Tanh: return tanh_act(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::Relu: return relu(x);
    case Activation::HardSigmoid: return hard_sigmoid(x);
    case Activation::Linear:
    default: return x;
  }
}

// d activation / d input, from the output y.
template <class T>
RECURRENT_SHARED T activation_grad(Activation a, T y) {
  const T one = T(1.0f);
  const T zero = T(0.0f);
  switch (a) {
    case Activation::Tanh: return one - y * y;
    case Activation::Sigmoid: return y * (one - y);
    case Activation::Relu: return where_positive(y, one, zero);
    case Activation::HardSigmoid: return where_unit_open(y, T(0.2f), zero);
    case Activation::Linear:
    default: return one;
  }
}

}  // namespace recurrent
