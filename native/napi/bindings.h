// Each binding file adds its functions to the module's exports.
#pragma once
#include <napi.h>

namespace recurrent {
namespace napi {

void register_runtime(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_rnn(Napi::Env env, Napi::Object exports);
void register_reference(Napi::Env env, Napi::Object exports);
void register_model(Napi::Env env, Napi::Object exports);

}  // namespace napi
}  // namespace recurrent
