#include "kernels/backends.h"

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/emulated_cuda_backend.h"
#include "kernels/reference_backend.h"

namespace recurrent {

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "cpu") return std::make_unique<CpuBackend>();
  if (name == "reference") return std::make_unique<ReferenceBackend>();
  if (name == "cuda-emulated") return std::make_unique<EmulatedCudaBackend>();
  return nullptr;
}

bool is_backend_name(const std::string& name) { return name == "cpu" || name == "reference" || name == "cuda-emulated"; }

const char* backend_names() { return "'cpu', 'reference', 'cuda-emulated'"; }

}  // namespace recurrent
