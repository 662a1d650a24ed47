// Each binding file adds its functions to the module's exports. A binding that runs
// kernels holds a ScopedFlushDenormals while they run (on the libuv worker in an
// AsyncWorker's Execute(), on the main thread in a synchronous call).
#pragma once
#include <napi.h>

#include "runtime/flush_denormals.h"

namespace recurrent {
namespace napi {

void register_runtime(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_rnn(Napi::Env env, Napi::Object exports);
void register_reference(Napi::Env env, Napi::Object exports);
void register_model(Napi::Env env, Napi::Object exports);

// All of the above, after checking RECURRENT_ISA; false (with a JavaScript exception
// pending) when the ISA asked for cannot run.
bool register_addon(Napi::Env env, Napi::Object exports);

}  // namespace napi
}  // namespace recurrent
