// What both addons export (the CPU addon, napi/addon.cc, and the CUDA addon,
// kernels/cuda/cuda_addon.cc): the runtime settings, GEMM, the recurrent layer op, the
// reference ops and the native model.
#include "kernels/cpu/dispatch.h"
#include "napi/bindings.h"

namespace recurrent {
namespace napi {

bool register_addon(Napi::Env env, Napi::Object exports) {
  Isa isa;
  std::string problem = cpu::isa_from_environment(&isa);
  if (!problem.empty()) {
    // Loading fails with the reason: a wrong RECURRENT_ISA must not silently run another path.
    Napi::Error::New(env, "recurrent: " + problem).ThrowAsJavaScriptException();
    return false;
  }
  register_runtime(env, exports);
  register_gemm(env, exports);
  register_rnn(env, exports);
  register_reference(env, exports);
  register_model(env, exports);
  return true;
}

}  // namespace napi
}  // namespace recurrent
