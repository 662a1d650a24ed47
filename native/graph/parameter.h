// A trainable tensor of a layer: its value, gradient, optimizer slots and regularizer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace recurrent {
namespace graph {

struct Regularizer {
  float l1 = 0.0f;
  float l2 = 0.0f;
  bool active() const { return l1 != 0.0f || l2 != 0.0f; }
};

struct Parameter {
  std::string name;             // "layer/kernel"
  std::vector<int64_t> shape;   // Keras shape
  std::vector<float> value;     // [size()]
  std::vector<float> grad;      // [size()]: d loss / d value of the last training step
  std::vector<float> slots[2];  // optimizer state, sized by the optimizer
  Regularizer regularizer;
  bool trainable = true;

  Parameter(std::string name_, std::vector<int64_t> shape_, bool trainable_, Regularizer reg = {})
      : name(std::move(name_)), shape(std::move(shape_)), regularizer(reg), trainable(trainable_) {
    value.assign(static_cast<size_t>(size()), 0.0f);
    grad.assign(static_cast<size_t>(size()), 0.0f);
  }
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  std::string shape_text() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }
};

}  // namespace graph
}  // namespace recurrent
