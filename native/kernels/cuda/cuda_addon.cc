// The CUDA addon's entry point (recurrent_cuda.node), loaded by lib/native.ts beside the
// CPU addon. It exports what the CPU addon does (napi/register_addon.cc: the native model
// with the backends 'cpu', 'reference' and 'cuda') and the device queries. Loading it never
// needs a GPU or a driver: every function reports "no device" (deviceCount() 0, devices()
// [], driverVersion() 0) or throws a JavaScript Error saying why, so the loader can fall
// back to the CPU; a model asked for on 'cuda' without a device fails with the reason.
#include <napi.h>

#include <string>

#include "kernels/cuda/cuda_device.h"
#include "napi/arguments.h"
#include "napi/bindings.h"
#include "napi/rnn_arguments.h"

namespace recurrent {
namespace napi {
namespace {

Napi::Value device_count(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), cuda::device_count()); });
}

Napi::Value devices(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const std::vector<cuda::DeviceInfo> list = cuda::devices();
    Napi::Array out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      const cuda::DeviceInfo& d = list[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("index", d.index);
      o.Set("name", d.name);
      o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
      o.Set("totalMemoryBytes", static_cast<double>(d.total_memory_bytes));
      o.Set("multiprocessors", d.multiprocessors);
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  });
}

Napi::Value runtime_version(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), cuda::runtime_version()); });
}

Napi::Value driver_version(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), cuda::driver_version()); });
}

// lstmPointwise({ preactivations: Float32Array [B, 4H] (gates i, f, c, o), cPrev: Float32Array [B, H],
//                 batch, units, activation?: 'tanh', recurrentActivation?: 'sigmoid' })
//   -> { c: Float32Array [B, H], h: Float32Array [B, H] }, computed on device 0.
Napi::Value lstm_pointwise(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    constexpr const char* op = "lstmPointwise";
    constexpr int64_t kMaxDim = int64_t(1) << 24;
    Napi::Env env = info.Env();
    Napi::Object o = require_object(info, 0, op);
    const int64_t B = get_int(o, "batch", op, 1, kMaxDim);
    const int64_t H = get_int(o, "units", op, 1, kMaxDim);
    const Activation act =
        has(o, "activation") ? activation_from_name(get_string(o, "activation", op), op, "activation") : Activation::Tanh;
    const Activation ract = has(o, "recurrentActivation")
                                ? activation_from_name(get_string(o, "recurrentActivation", op), op, "recurrentActivation")
                                : Activation::Sigmoid;
    const float* pre = typed_array<float>(o, "preactivations", op, B * 4 * H, true, shape_text({B, 4 * H}));
    const float* c_prev = typed_array<float>(o, "cPrev", op, B * H, true, shape_text({B, H}));
    Napi::Float32Array c = Napi::Float32Array::New(env, static_cast<size_t>(B * H));
    Napi::Float32Array h = Napi::Float32Array::New(env, static_cast<size_t>(B * H));
    try {
      cuda::lstm_pointwise_forward_host(c.Data(), h.Data(), pre, c_prev, B, H, act, ract, /*device=*/0);
    } catch (const cuda::CudaError& e) {
      throw std::runtime_error(std::string(op) + ": " + e.what());
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("c", c);
    out.Set("h", h);
    return out;
  });
}

}  // namespace
}  // namespace napi
}  // namespace recurrent

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  using namespace recurrent::napi;
  if (!register_addon(env, exports)) return exports;
  exports.Set("deviceCount", Napi::Function::New(env, device_count, "deviceCount"));
  exports.Set("devices", Napi::Function::New(env, devices, "devices"));
  exports.Set("runtimeVersion", Napi::Function::New(env, runtime_version, "runtimeVersion"));
  exports.Set("driverVersion", Napi::Function::New(env, driver_version, "driverVersion"));
  exports.Set("lstmPointwise", Napi::Function::New(env, lstm_pointwise, "lstmPointwise"));
  return exports;
}

}  // namespace

NODE_API_MODULE(recurrent_cuda, init)
