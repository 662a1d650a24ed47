// The backends a model can run on, by the names NativeModelOptions.backend takes.
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace recurrent {

// "cpu", "reference" or "cuda-emulated"; null for any other name.
std::unique_ptr<Backend> make_backend(const std::string& name);
bool is_backend_name(const std::string& name);

// The names make_backend knows, for messages: "'cpu', 'reference'".
const char* backend_names();

}  // namespace recurrent
