// TF32, the tensor cores' float32 input format: 8 exponent bits and 10 mantissa bits.
#pragma once
#include <cstdint>
#include <cstring>

#include "common/portable.h"

namespace simt {

// cvt.rna.tf32.f32: x rounded to TF32, to nearest with ties away from zero, kept in float's
// layout with the 13 low bits zero; NaN and infinities unchanged. The SIMT emulation rounds
// the operands of simt_mma_tf32 with it, and the tests their reference's operands.
RECURRENT_HD inline float round_to_tf32(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  float r;
  std::memcpy(&r, &u, sizeof r);
  return r;
}

}  // namespace simt
