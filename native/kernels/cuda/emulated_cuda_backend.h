// "cuda-emulated": the CUDA backend's kernels (kernels/<group>/<group>_cuda.cu) compiled
// for the host and run under the SIMT emulation (kernels/cuda/simt_host.h), on host
// memory. Much slower than the CPU backend; it exists so that every op and whole training
// steps of the CUDA backend are checked against the reference without a GPU
// (test/graph_backends.test.ts, RECURRENT_BACKEND=cuda-emulated).
#pragma once
#include "kernels/cuda/cuda_ops_backend.h"
#include "kernels/host_memory_backend.h"

namespace recurrent {

class EmulatedCudaBackend final : public CudaOpsBackend<HostMemoryBackend> {
 public:
  const char* name() const override { return "cuda-emulated"; }
  // Its memory is the host's, but the graph is told it is a device's, so that batches take
  // the path they take to a GPU (staged and uploaded, never read in place).
  DeviceKind device() const override { return DeviceKind::Cuda; }
};

}  // namespace recurrent
