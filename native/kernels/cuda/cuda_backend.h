// The CUDA backend ("cuda"): the op table of cuda_ops_backend.h over device memory
// (cudaMalloc) and one stream of device 0. It lives in the CUDA addon only
// (recurrent_cuda.node, which carries the native graph too); kernels/backends.cc makes it
// there. Plain C++: callers need no CUDA headers.
#pragma once
#include <memory>

#include "kernels/backend.h"

namespace recurrent {

// Throws cuda::CudaError (a std::runtime_error) when no device is usable.
std::unique_ptr<Backend> make_cuda_backend();

}  // namespace recurrent
