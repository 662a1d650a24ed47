// The backends a model can run on, by the names NativeModelOptions.backend takes.
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace recurrent {

// "cpu", "reference", and "cuda-emulated" (CPU addon) or "cuda" (CUDA addon); null for
// any other name. Making "cuda" throws a std::runtime_error when no device is usable.
std::unique_ptr<Backend> make_backend(const std::string& name);
bool is_backend_name(const std::string& name);

// The names make_backend knows, for messages: "'cpu', 'reference', 'cuda-emulated'".
const char* backend_names();

}  // namespace recurrent
