// Dense on the last axis: y = act(x W + b) for every row of [B, F] or [B, T, F] (the
// latter is Keras' TimeDistributed(Dense)); the mask of a sequence passes through.
#include <cmath>
#include <cstring>

#include "graph/layers.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/gemm/gemm.h"

namespace recurrent {
namespace graph {
namespace {

class DenseLayer : public Layer {
 public:
  DenseLayer(const LayerSpec& spec, FlowShape input)
      : Layer(spec.name, input), units_(spec.units), activation_(spec.activation), use_bias_(spec.use_bias) {
    output_ = FlowShape{input.steps, units_};
    params_.emplace_back(name_ + "/kernel", std::vector<int64_t>{input.features, units_}, spec.trainable,
                         spec.kernel_regularizer);
    if (use_bias_)
      params_.emplace_back(name_ + "/bias", std::vector<int64_t>{units_}, spec.trainable, spec.bias_regularizer);
  }

  bool softmax_output() const override { return activation_ == DenseActivation::Softmax; }
  void set_fused_gradient(bool fused) override { fused_ = fused; }

  Flow forward(const StepContext& ctx, const Flow& in) override {
    const int64_t R = rows(ctx), F = input_.features, U = units_;
    x_ = in.data;
    y_.resize(static_cast<size_t>(R * U));
    float* y = y_.data();
    if (use_bias_) {
      const float* b = params_[1].value.data();
      for (int64_t r = 0; r < R; ++r) std::memcpy(y + r * U, b, sizeof(float) * U);
    }
    cpu::sgemm(false, false, R, U, F, 1.0f, x_, F, params_[0].value.data(), U, use_bias_ ? 1.0f : 0.0f, y, U);
    const auto& k = cpu::active_kernels();
    switch (activation_) {
      case DenseActivation::Linear: break;
      case DenseActivation::Relu: k.activation(Activation::Relu, y, y, R * U); break;
      case DenseActivation::Sigmoid: k.activation(Activation::Sigmoid, y, y, R * U); break;
      case DenseActivation::Tanh: k.activation(Activation::Tanh, y, y, R * U); break;
      case DenseActivation::Softmax: k.softmax_rows(y, y, R, U); break;
    }
    Flow out;
    out.data = y;
    out.mask = input_.sequence() ? in.mask : nullptr;
    return out;
  }

  void backward(const StepContext& ctx, const float* dy, float* dx) override {
    const int64_t R = rows(ctx), F = input_.features, U = units_;
    const bool trainable = params_[0].trainable;
    if (!trainable && !dx) return;
    // dz: d loss / d pre-activation [R, U].
    dz_.resize(static_cast<size_t>(R * U));
    float* dz = dz_.data();
    const float* y = y_.data();
    if (fused_ || activation_ == DenseActivation::Linear) {
      std::memcpy(dz, dy, sizeof(float) * R * U);
    } else if (activation_ == DenseActivation::Softmax) {
      for (int64_t r = 0; r < R; ++r) {
        const float* yr = y + r * U;
        const float* gr = dy + r * U;
        double dot = 0.0;
        for (int64_t u = 0; u < U; ++u) dot += double(gr[u]) * yr[u];
        for (int64_t u = 0; u < U; ++u) dz[r * U + u] = yr[u] * (gr[u] - static_cast<float>(dot));
      }
    } else {
      const Activation a = activation_ == DenseActivation::Relu      ? Activation::Relu
                           : activation_ == DenseActivation::Sigmoid ? Activation::Sigmoid
                                                                     : Activation::Tanh;
      cpu::active_kernels().activation_backward(a, y, dy, dz, R * U);
    }
    if (trainable) {
      cpu::sgemm(true, false, F, U, R, 1.0f, x_, F, dz, U, 1.0f, params_[0].grad.data(), U);
      if (use_bias_) {
        float* db = params_[1].grad.data();
        for (int64_t u = 0; u < U; ++u) {
          double s = 0.0;
          for (int64_t r = 0; r < R; ++r) s += dz[r * U + u];
          db[u] += static_cast<float>(s);
        }
      }
    }
    if (dx) cpu::sgemm(false, true, R, F, U, 1.0f, dz, U, params_[0].value.data(), U, 0.0f, dx, F);
  }

 private:
  int64_t rows(const StepContext& ctx) const { return ctx.batch * (input_.sequence() ? input_.steps : 1); }

  int64_t units_;
  DenseActivation activation_;
  bool use_bias_;
  bool fused_ = false;
  const float* x_ = nullptr;  // [R, F] as forward saw it
  std::vector<float> y_;      // [R, U]
  std::vector<float> dz_;     // [R, U]
};

}  // namespace

std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec, FlowShape input) {
  return std::make_unique<DenseLayer>(spec, input);
}

}  // namespace graph
}  // namespace recurrent
