// The trainable tensors of a model. Each Parameter is a slice of three contiguous device
// buffers in getWeights order: the values, their gradients and (for the trainable ones)
// the optimizer's slots. One gradient buffer is what an all-reduce across processes
// hands over in one piece; the LSTM's three peephole vectors, declared one after the
// other, are the recurrent op's [3, H] as they lie.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph_spec.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

// A weight as a layer declares it.
struct WeightDecl {
  std::string name;  // "lstm/kernel"
  Shape shape;       // Keras shape
  bool trainable = true;
  Regularizer regularizer;
};

struct Parameter {
  WeightDecl decl;
  std::string layer;  // the model layer that owns it (for messages)
  int64_t offset = 0;  // into the value and gradient buffers
  int64_t size = 0;
  int64_t slot_offset = -1;  // into the slot buffers, -1: no slots (frozen, or an optimizer without)
};

class ParameterStore {
 public:
  explicit ParameterStore(Backend* backend) : backend_(backend), values_(backend), grads_(backend) {}

  // Lays out `decls` (in getWeights order) and allocates values and gradients, zeroed.
  void allocate(std::vector<Parameter> params);
  // Sizes the slot buffers for `slots_per_weight` slots of every trainable weight,
  // slot 0 filled with `slot0_initial`, slot 1 with 0.
  void allocate_slots(int slots_per_weight, float slot0_initial);

  size_t count() const { return params_.size(); }
  const Parameter& param(size_t i) const { return params_[i]; }
  const std::vector<Parameter>& params() const { return params_; }
  float* value(size_t i) const { return values_.data() + params_[i].offset; }
  float* grad(size_t i) const { return grads_.data() + params_[i].offset; }
  // Slot k of weight i, or null.
  float* slot(size_t i, int k) const;
  // Zeroes the gradients of the trainable weights (frozen ones stay zero).
  void zero_trainable_grads();

 private:
  Backend* backend_;
  std::vector<Parameter> params_;
  DeviceBuffer<float> values_, grads_, slots_[2];
  int slots_per_weight_ = 0;
};

}  // namespace graph
}  // namespace recurrent
