// The AVX-512 vector: 16 floats. Only isa_avx512.cc includes this (compiled with
// -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma).
#pragma once
#include <immintrin.h>

#include "common/activation.h"

namespace recurrent {
namespace cpu {
namespace {

struct V {
  static constexpr int kWidth = 16;
  __m512 v;
  V() = default;
  V(__m512 x) : v(x) {}
  V(float x) : v(_mm512_set1_ps(x)) {}
};

inline V load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, V a) { _mm512_storeu_ps(p, a.v); }
// The first n < 16 lanes; masked lanes are neither read nor written (no fault past the end).
inline V load_partial(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
inline void store_partial(float* p, V a, int n) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), a.v); }
inline V operator+(V a, V b) { return _mm512_add_ps(a.v, b.v); }
inline V operator-(V a, V b) { return _mm512_sub_ps(a.v, b.v); }
inline V operator*(V a, V b) { return _mm512_mul_ps(a.v, b.v); }
inline V operator/(V a, V b) { return _mm512_div_ps(a.v, b.v); }
inline V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a.v, b.v, c.v); }
inline V min(V a, V b) { return _mm512_min_ps(a.v, b.v); }
inline V max(V a, V b) { return _mm512_max_ps(a.v, b.v); }
inline V round_nearest(V a) {
  return _mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline V pow2_int(V n) {
  __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
  return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
inline V split_exponent(V x, V* e) {
  __m512i bits = _mm512_castps_si512(x.v);
  __m512i exp_bits = _mm512_srli_epi32(bits, 23);
  *e = V(_mm512_cvtepi32_ps(_mm512_sub_epi32(exp_bits, _mm512_set1_epi32(126))));
  __m512i mant = _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)),
                                 _mm512_set1_epi32(0x3f000000));
  return _mm512_castsi512_ps(mant);
}
inline V less_than_select(V a, V b, V if_true, V if_false) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ), if_false.v, if_true.v);
}
inline V where_positive(V y, V a, V b) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(y.v, _mm512_setzero_ps(), _CMP_GT_OQ), b.v, a.v);
}
inline V where_unit_open(V y, V a, V b) {
  __mmask16 inside = _mm512_cmp_ps_mask(y.v, _mm512_setzero_ps(), _CMP_GT_OQ) &
                     _mm512_cmp_ps_mask(y.v, _mm512_set1_ps(1.0f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(inside, b.v, a.v);
}
inline float reduce_add(V a) { return _mm512_reduce_add_ps(a.v); }

#include "kernels/activation/simd_math.h"

}  // namespace
}  // namespace cpu
}  // namespace recurrent
