// Runtime facts and settings: build, instruction sets, threads, denormal flushing.
#include <string>

#include "kernels/cpu/dispatch.h"
#include "kernels/gemm/gemm_bf16_kernels.h"
#include "napi/arguments.h"
#include "napi/bindings.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace napi {
namespace {

Napi::Value runtime_info(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("isa", cpu::active_isa() == Isa::Scalar ? "scalar" : isa_name(cpu::active_isa()));
    Napi::Array available = Napi::Array::New(env);
    uint32_t n = 0;
    for (Isa isa : kAllIsas) {
      if (isa_supported(isa)) available.Set(n++, isa_name(isa));
    }
    out.Set("isaAvailable", available);
    Napi::Array built = Napi::Array::New(env);
    built.Set(0u, "scalar");
#if defined(RECURRENT_HAVE_X86_ISAS)
    built.Set(1u, "avx2");
    built.Set(2u, "avx512");
    built.Set(3u, "avx512bf16");
    if (cpu::amx_kernels_built()) built.Set(4u, "amx");
#endif
    out.Set("isaBuilt", built);
    out.Set("threads", num_threads());
    out.Set("defaultThreads", default_num_threads());
    out.Set("cpu", cpu_features().brand);
    out.Set("flushDenormals", flush_denormals_enabled());
    out.Set("napiVersion", NAPI_VERSION);
    return out;
  });
}

Napi::Value set_isa(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw ArgumentError{"setIsa: expected 'scalar', 'avx2', 'avx512', 'avx512bf16' or 'amx'"};
    std::string name = info[0].As<Napi::String>().Utf8Value();
    Isa isa;
    if (!parse_isa(name, &isa)) throw ArgumentError{"setIsa: '" + name + "' is not one of 'scalar', 'avx2', 'avx512', 'avx512bf16', 'amx'", true};
    std::string problem = cpu::set_active_isa(isa);
    if (!problem.empty()) throw ArgumentError{"setIsa: " + problem, true};
    return info.Env().Undefined();
  });
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) throw ArgumentError{"setNumThreads: expected a number"};
    double n = info[0].As<Napi::Number>().DoubleValue();
    if (n != static_cast<double>(static_cast<int>(n)) || n < 0 || n > 1024) {
      throw ArgumentError{"setNumThreads: expected an integer in [0, 1024] (0 restores the default), received " +
                              std::to_string(n),
                          true};
    }
    set_num_threads(static_cast<int>(n));
    return Napi::Number::New(info.Env(), num_threads());
  });
}

Napi::Value set_flush(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsBoolean()) throw ArgumentError{"setFlushDenormals: expected a boolean"};
    const bool on = info[0].As<Napi::Boolean>().Value();
    if (on && !flush_denormals_supported()) {
      throw ArgumentError{"setFlushDenormals: this processor architecture has no flush-to-zero control in this build", true};
    }
    set_flush_denormals(on);
    return Napi::Boolean::New(info.Env(), flush_denormals_enabled());
  });
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("runtimeInfo", Napi::Function::New(env, runtime_info, "runtimeInfo"));
  exports.Set("setIsa", Napi::Function::New(env, set_isa, "setIsa"));
  exports.Set("setNumThreads", Napi::Function::New(env, set_threads, "setNumThreads"));
  exports.Set("setFlushDenormals", Napi::Function::New(env, set_flush, "setFlushDenormals"));
}

}  // namespace napi
}  // namespace recurrent
