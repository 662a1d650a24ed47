// A value of the graph: a model input or a node's output, [B, ...shape] on the backend's
// device, with the mask that travels with it (Keras) and, in training, its gradient.
// Values own buffers that grow to the largest batch seen and are then reused; a node that
// passes data through unchanged (Reshape, Flatten, Dropout at inference) points its
// output at its input's data instead of copying.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "graph/shape.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

struct Value {
  explicit Value(Backend* backend) : storage(backend), grad_storage(backend), mask_storage(backend) {}

  // ---- Fixed when the graph is built.
  Shape declared;       // per-sample shape, kFree for free axes
  bool int32 = false;   // token ids (a model input read by embeddings)
  int producer = -1;    // the node writing it; -1 for a model input
  std::vector<std::pair<int, int>> readers;  // (node, input slot), in node order
  bool needs_grad = false;  // some producer upstream has trainable weights

  // ---- Set by every step.
  Shape shape;                     // this batch's per-sample shape
  const float* data = nullptr;     // [B, ...shape]
  const int32_t* ids = nullptr;    // [B, ...shape] (int32 values)
  const uint8_t* mask = nullptr;   // [B, shape[0]] or null: every step valid
  float* grad = nullptr;           // [B, ...shape] d loss / d value; null: none reached it (zero)

  DeviceBuffer<float> storage;        // data when the value owns it
  DeviceBuffer<float> grad_storage;
  DeviceBuffer<uint8_t> mask_storage; // mask when the value owns it

  // Elements per sample this step.
  int64_t size() const { return shape_size(shape); }
  // Whether the first axis is a time axis a mask can cover: token ids [T], or rank >= 2.
  bool has_time_axis() const { return int32 || declared.size() >= 2; }
  // Owned data of n floats, grown if needed; also points `data` at it.
  float* own_data(int64_t n) {
    float* p = storage.ensure(n);
    data = p;
    return p;
  }
  uint8_t* own_mask(int64_t n) {
    uint8_t* p = mask_storage.ensure(n);
    mask = p;
    return p;
  }
};

}  // namespace graph
}  // namespace recurrent
