#include "graph/parameter.h"

namespace recurrent {
namespace graph {

void ParameterStore::allocate(std::vector<Parameter> params) {
  params_ = std::move(params);
  int64_t total = 0;
  for (Parameter& p : params_) {
    p.size = shape_size(p.decl.shape);
    p.offset = total;
    total += p.size;
  }
  backend_->fill(values_.ensure(total), 0.0f, total);
  backend_->fill(grads_.ensure(total), 0.0f, total);
}

void ParameterStore::allocate_slots(int slots_per_weight, float slot0_initial) {
  int64_t trainable = 0;
  for (Parameter& p : params_) {
    p.slot_offset = (slots_per_weight > 0 && p.decl.trainable) ? trainable : -1;
    if (p.slot_offset >= 0) trainable += p.size;
  }
  slots_per_weight_ = slots_per_weight;
  for (int k = 0; k < 2; ++k) {
    slots_[k].reset();
    slots_[k].set_backend(backend_);
    if (k < slots_per_weight && trainable > 0)
      backend_->fill(slots_[k].ensure(trainable), k == 0 ? slot0_initial : 0.0f, trainable);
  }
}

float* ParameterStore::slot(size_t i, int k) const {
  const Parameter& p = params_[i];
  if (k >= slots_per_weight_ || p.slot_offset < 0) return nullptr;
  return slots_[k].data() + p.slot_offset;
}

void ParameterStore::zero_trainable_grads() {
  // Runs of consecutive trainable weights are one fill each.
  size_t i = 0;
  while (i < params_.size()) {
    if (!params_[i].decl.trainable) {
      ++i;
      continue;
    }
    const int64_t begin = params_[i].offset;
    int64_t end = begin;
    for (; i < params_.size() && params_[i].decl.trainable; ++i) end = params_[i].offset + params_[i].size;
    backend_->fill(grads_.data() + begin, 0.0f, end - begin);
  }
}

}  // namespace graph
}  // namespace recurrent
