// One step's data, copied out of JavaScript on the main thread (the worker never reads a
// caller's buffer): per model input its data, this batch's per-sample shape and an
// optional mask; per model output with a loss its targets and sample weights.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/shape.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

struct InputData {
  Shape shape;                  // this batch's per-sample shape
  std::vector<float> data;      // [B, ...shape] (float inputs)
  std::vector<int32_t> ids;     // [B, ...shape] (int32 inputs)
  std::vector<uint8_t> mask;    // [B, shape[0]] of 0/1, or empty
};

struct TargetData {
  bool present = false;               // false: the output has no loss
  std::vector<float> y;               // [B, ...output shape]
  std::vector<int32_t> ids;           // [B, ...output shape without its last axis] (sparse categorical)
  std::vector<float> sample_weight;   // [B], or empty
};

struct Batch {
  int64_t batch = 0;
  std::vector<InputData> inputs;
  std::vector<TargetData> targets;  // one per model output (training and evaluation)
  double learning_rate = -1.0;      // < 0: the compiled one
  std::vector<Shape> shapes;        // every value's shape for this batch (Model::prepare)
};

// Host data as the backend's ops read it: the host memory itself where the backend's
// device is the host, else a copy in `staging`. Null for empty data.
template <class T>
const T* on_device(Backend* backend, const std::vector<T>& host, DeviceBuffer<T>& staging) {
  if (host.empty()) return nullptr;
  if (backend->device() == DeviceKind::Cpu) return host.data();
  T* p = staging.ensure(static_cast<int64_t>(host.size()));
  backend->upload(p, host.data(), sizeof(T) * host.size());
  return p;
}

}  // namespace graph
}  // namespace recurrent
