// bfloat16: the upper half of a float32 (sign, 8 exponent bits, 7 mantissa bits): the
// float32 range at 3 significant digits. Conversion rounds to nearest, ties to even, as
// the AVX512-BF16 instructions do; a NaN stays a NaN.
#pragma once
#include <cstdint>
#include <cstring>

namespace recurrent {

inline uint16_t float_to_bfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

inline float bfloat16_to_float(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// x rounded to the nearest bfloat16 (through float32, as a float32 value would be).
inline double round_to_bfloat16(double x) { return bfloat16_to_float(float_to_bfloat16(static_cast<float>(x))); }

}  // namespace recurrent
