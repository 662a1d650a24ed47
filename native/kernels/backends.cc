#include "kernels/backends.h"

#include "kernels/cpu/cpu_backend.h"
#include "kernels/reference_backend.h"
#if defined(RECURRENT_CUDA_BACKEND)
#include "kernels/cuda/cuda_backend.h"
#else
#include "kernels/cuda/emulated_cuda_backend.h"
#endif

// The CPU addon knows 'cpu', 'reference' and 'cuda-emulated' (the CUDA kernels' host build);
// the CUDA addon (built with RECURRENT_CUDA_BACKEND) 'cpu', 'reference' and 'cuda', the
// kernels' device build (the two builds of the kernels cannot share one binary: they
// define the same functions).
namespace recurrent {

#if defined(RECURRENT_CUDA_BACKEND)
constexpr const char* kCudaName = "cuda";
#else
constexpr const char* kCudaName = "cuda-emulated";
#endif

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "cpu") return std::make_unique<CpuBackend>();
  if (name == "reference") return std::make_unique<ReferenceBackend>();
#if defined(RECURRENT_CUDA_BACKEND)
  if (name == kCudaName) return make_cuda_backend();
#else
  if (name == kCudaName) return std::make_unique<EmulatedCudaBackend>();
#endif
  return nullptr;
}

bool is_backend_name(const std::string& name) { return name == "cpu" || name == "reference" || name == kCudaName; }

const char* backend_names() {
#if defined(RECURRENT_CUDA_BACKEND)
  return "'cpu', 'reference', 'cuda'";
#else
  return "'cpu', 'reference', 'cuda-emulated'";
#endif
}

}  // namespace recurrent
