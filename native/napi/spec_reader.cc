#include "napi/spec_reader.h"

#include <cmath>

namespace recurrent {
namespace napi {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    return "'" + (s.size() > 60 ? s.substr(0, 57) + "..." : s) + "'";
  }
  if (v.IsBoolean() || v.IsNumber()) return v.ToString().Utf8Value();  // as String(value) writes it
  if (v.IsTypedArray()) {
    const std::string n = "(" + std::to_string(v.As<Napi::TypedArray>().ElementLength()) + ")";
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float32_array: return "a Float32Array" + n;
      case napi_float64_array: return "a Float64Array" + n;
      case napi_int32_array: return "an Int32Array" + n;
      case napi_uint8_array: return "a Uint8Array" + n;
      default: return "a typed array" + n;
    }
  }
  if (v.IsArray()) return "an array of " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  return "an object";
}

SpecReader::SpecReader(const Napi::Value& value, std::string where, std::initializer_list<const char*> keys)
    : where_(std::move(where)) {
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray())
    throw ArgumentError{where_ + " must be an object, received " + describe(value)};
  object_ = value.As<Napi::Object>();
  Napi::Array names = object_.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).ToString().Utf8Value();
    bool known = false;
    for (const char* k : keys) known = known || name == k;
    if (!known) {
      std::string list;
      for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
      throw ArgumentError{where_ + ": unknown key '" + name + "' (the keys are " + list + ")"};
    }
  }
}

bool SpecReader::has(const char* key) const { return !object_.Get(key).IsUndefined(); }

Napi::Value SpecReader::get(const char* key) const { return object_.Get(key); }

void SpecReader::fail(const char* key, const std::string& expected, bool range) const {
  throw ArgumentError{where_ + ": '" + key + "' must be " + expected + ", received " + describe(object_.Get(key)), range};
}

std::string SpecReader::string(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsString()) fail(key, "a non-empty string", false);
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.empty()) fail(key, "a non-empty string");
  return s;
}

bool SpecReader::boolean(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsBoolean()) fail(key, "a boolean", false);
  return v.As<Napi::Boolean>().Value();
}

double SpecReader::number(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsNumber()) fail(key, "a number", false);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) fail(key, "a number (not NaN)");
  return d;
}

double SpecReader::finite_non_negative(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsNumber()) fail(key, "a finite number >= 0", false);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < 0) fail(key, "a finite number >= 0");
  return d;
}

float SpecReader::fraction(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsNumber()) fail(key, "a number in [0, 1)", false);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0.0 && d < 1.0)) fail(key, "a number in [0, 1)");
  return static_cast<float>(d);
}

int64_t SpecReader::integer(const char* key, int64_t min, int64_t max) const {
  Napi::Value v = get(key);
  const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!v.IsNumber()) fail(key, expected, false);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= double(min) && d <= double(max)) || d != std::floor(d)) fail(key, expected);
  return static_cast<int64_t>(d);
}

int SpecReader::one_of(const char* key, const std::vector<const char*>& names) const {
  Napi::Value v = get(key);
  std::string expected = "one of ";
  for (size_t i = 0; i < names.size(); ++i) expected += std::string(i ? ", " : "") + "'" + names[i] + "'";
  if (!v.IsString()) fail(key, expected, false);
  const std::string s = v.As<Napi::String>().Utf8Value();
  for (size_t i = 0; i < names.size(); ++i)
    if (s == names[i]) return static_cast<int>(i);
  fail(key, expected);
}

Napi::Array SpecReader::array(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsArray()) fail(key, "an array", false);
  return v.As<Napi::Array>();
}

std::vector<int64_t> SpecReader::integers(const char* key, int64_t min, int64_t max, int64_t length) const {
  const std::string expected = (length >= 0 ? "an array of " + std::to_string(length) + " integers" : std::string("an array of integers")) +
                               " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  Napi::Value v = get(key);
  if (!v.IsArray()) fail(key, expected, false);
  Napi::Array a = v.As<Napi::Array>();
  if (length >= 0 && a.Length() != static_cast<uint32_t>(length)) fail(key, expected);
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d >= double(min) && d <= double(max)) || d != std::floor(d)) fail(key, expected);
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

}  // namespace napi
}  // namespace recurrent
