// The CPU addon's entry point.
#include <napi.h>

#include "kernels/cpu/dispatch.h"
#include "napi/bindings.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  recurrent::Isa isa;
  std::string problem = recurrent::cpu::isa_from_environment(&isa);
  if (!problem.empty()) {
    // Loading fails with the reason: a wrong RECURRENT_ISA must not silently run another path.
    Napi::Error::New(env, "recurrent: " + problem).ThrowAsJavaScriptException();
    return exports;
  }
  recurrent::napi::register_runtime(env, exports);
  recurrent::napi::register_gemm(env, exports);
  recurrent::napi::register_rnn(env, exports);
  recurrent::napi::register_reference(env, exports);
  recurrent::napi::register_model(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(recurrent, init)
