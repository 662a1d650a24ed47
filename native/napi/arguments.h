// Checked access to JavaScript arguments. Every value that crosses into native code goes
// through these, and a bad one becomes a JavaScript TypeError/RangeError that names the
// operation and the argument: never an abort.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace recurrent {
namespace napi {

// Thrown as a JavaScript Error by the binding functions' wrappers.
struct ArgumentError {
  std::string message;
  bool range = false;  // RangeError rather than TypeError
};

inline Napi::Object require_object(const Napi::CallbackInfo& info, size_t index, const char* op) {
  if (info.Length() <= index || !info[index].IsObject()) {
    throw ArgumentError{std::string(op) + ": argument " + std::to_string(index) + " must be an object"};
  }
  return info[index].As<Napi::Object>();
}

inline bool has(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

inline double get_number(const Napi::Object& o, const char* key, const char* op) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw ArgumentError{std::string(op) + ": '" + key + "' must be a number"};
  return v.As<Napi::Number>().DoubleValue();
}

inline int64_t get_int(const Napi::Object& o, const char* key, const char* op, int64_t min_value,
                       int64_t max_value = (int64_t(1) << 40)) {
  double d = get_number(o, key, op);
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(min_value) ||
      d > static_cast<double>(max_value)) {
    throw ArgumentError{std::string(op) + ": '" + key + "' must be an integer in [" + std::to_string(min_value) +
                            ", " + std::to_string(max_value) + "], received " + std::to_string(d),
                        true};
  }
  return static_cast<int64_t>(d);
}

inline int64_t get_int_or(const Napi::Object& o, const char* key, const char* op, int64_t min_value,
                          int64_t fallback, int64_t max_value = (int64_t(1) << 40)) {
  return has(o, key) ? get_int(o, key, op, min_value, max_value) : fallback;
}

inline bool get_bool_or(const Napi::Object& o, const char* key, const char* op, bool fallback) {
  if (!has(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throw ArgumentError{std::string(op) + ": '" + key + "' must be a boolean"};
  return v.As<Napi::Boolean>().Value();
}

inline std::string get_string(const Napi::Object& o, const char* key, const char* op) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw ArgumentError{std::string(op) + ": '" + key + "' must be a string"};
  return v.As<Napi::String>().Utf8Value();
}

// A Float32Array argument with at least `min_length` elements (its length is checked by
// the caller against the shapes it implies).
inline Napi::Float32Array get_f32(const Napi::Object& o, const char* key, const char* op, int64_t min_length) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw ArgumentError{std::string(op) + ": '" + key + "' must be a Float32Array"};
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (static_cast<int64_t>(a.ElementLength()) < min_length) {
    throw ArgumentError{std::string(op) + ": '" + key + "' needs at least " + std::to_string(min_length) +
                            " elements, received " + std::to_string(a.ElementLength()),
                        true};
  }
  return a;
}

// Runs a binding body, turning ArgumentError and std exceptions into JavaScript errors.
template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, F body) {
  Napi::Env env = info.Env();
  try {
    return body();
  } catch (const ArgumentError& e) {
    if (e.range) {
      Napi::RangeError::New(env, e.message).ThrowAsJavaScriptException();
    } else {
      Napi::TypeError::New(env, e.message).ThrowAsJavaScriptException();
    }
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const std::bad_alloc&) {
    Napi::RangeError::New(env, "recurrent: out of memory").ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, std::string("recurrent: ") + e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

}  // namespace napi
}  // namespace recurrent
