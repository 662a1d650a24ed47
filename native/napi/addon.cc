// The CPU addon's entry point (recurrent.node).
#include <napi.h>

#include "napi/bindings.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  recurrent::napi::register_addon(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(recurrent, init)
