// Per-sample shapes (no batch axis). At build time a free axis (the time axis of a
// [null, F] input) is kFree; every step gives each value a concrete shape from the
// batch's input shapes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace recurrent {
namespace graph {

using Shape = std::vector<int64_t>;

constexpr int64_t kFree = -1;

inline bool fully_known(const Shape& s) {
  for (int64_t d : s)
    if (d == kFree) return false;
  return true;
}

// Elements per sample in double (known axes only), for bounds checked before any int64
// product is formed.
inline double known_elements(const Shape& s) {
  double n = 1.0;
  for (int64_t d : s)
    if (d != kFree) n *= double(d);
  return n;
}

// The most elements one sample of a value may have.
constexpr double kMaxSampleElements = 1099511627776.0;  // 2^40

// Elements per sample of a concrete shape.
inline int64_t shape_size(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// "[20, 8]", free axes as null (what JavaScript calls them) unless `free_as_null` is false.
inline std::string shape_text(const Shape& s, bool free_as_null = true) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + (s[i] == kFree && free_as_null ? std::string("null") : std::to_string(s[i]));
  return out + "]";
}

// "[1, 4]": where flat element i of a [batch, ...shape] array sits.
inline std::string position_text(int64_t i, int64_t batch, const Shape& shape) {
  Shape full{batch};
  full.insert(full.end(), shape.begin(), shape.end());
  Shape at(full.size());
  for (size_t a = full.size(); a-- > 0;) {
    at[a] = i % full[a];
    i /= full[a];
  }
  return shape_text(at);
}

// One axis size from two that must agree (kFree agrees with anything); false when they differ.
inline bool join_axis(int64_t a, int64_t b, int64_t* out) {
  if (a == kFree) *out = b;
  else if (b == kFree || a == b) *out = a;
  else return false;
  return true;
}

}  // namespace graph
}  // namespace recurrent
