// Strict reading of one JavaScript object of the model's contract (lib/graph_spec.ts):
// every key must be one the contract names (unknown keys are errors, so drift between
// the TypeScript and native sides is caught), required keys must be present, and each
// value is checked for its type and range. Errors name where the object sits
// ("Model: layer 'lstm'") and the key, and quote what was received (`received 'gru2'`).
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "napi/arguments.h"

namespace recurrent {
namespace napi {

// What a value is, for messages: 3, 'gru2', true, null, undefined, an object, an array,
// a Float64Array.
std::string describe(const Napi::Value& v);

class SpecReader {
 public:
  // `keys`: every key the object may have.
  SpecReader(const Napi::Value& value, std::string where, std::initializer_list<const char*> keys);

  const std::string& where() const { return where_; }
  const Napi::Object& object() const { return object_; }
  // Present and neither undefined (an optional key left out).
  bool has(const char* key) const;
  Napi::Value get(const char* key) const;

  std::string string(const char* key) const;             // a non-empty string
  bool boolean(const char* key) const;
  double number(const char* key) const;                  // any number but NaN
  double finite_non_negative(const char* key) const;     // a finite number >= 0
  float fraction(const char* key) const;                 // [0, 1)
  int64_t integer(const char* key, int64_t min, int64_t max) const;
  // One of `names`: its index.
  int one_of(const char* key, const std::vector<const char*>& names) const;
  Napi::Array array(const char* key) const;
  // An array of integers in [min, max], with `length` entries when length >= 0.
  std::vector<int64_t> integers(const char* key, int64_t min, int64_t max, int64_t length = -1) const;

  [[noreturn]] void fail(const char* key, const std::string& expected, bool range = true) const;

 private:
  Napi::Object object_;
  std::string where_;
};

}  // namespace napi
}  // namespace recurrent
