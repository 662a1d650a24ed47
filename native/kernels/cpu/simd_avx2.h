// The AVX2 vector: 8 floats. Only isa_avx2.cc includes this (compiled with -mavx2 -mfma).
#pragma once
#include <immintrin.h>

#include "common/activation.h"

namespace recurrent {
namespace cpu {
namespace {

struct V {
  static constexpr int kWidth = 8;
  __m256 v;
  V() = default;
  V(__m256 x) : v(x) {}
  V(float x) : v(_mm256_set1_ps(x)) {}
};

inline V load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, V a) { _mm256_storeu_ps(p, a.v); }
// The first n < 8 lanes; masked lanes are neither read nor written (no fault past the end).
inline __m256i lane_mask(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
inline V load_partial(const float* p, int n) { return _mm256_maskload_ps(p, lane_mask(n)); }
inline void store_partial(float* p, V a, int n) { _mm256_maskstore_ps(p, lane_mask(n), a.v); }
inline V operator+(V a, V b) { return _mm256_add_ps(a.v, b.v); }
inline V operator-(V a, V b) { return _mm256_sub_ps(a.v, b.v); }
inline V operator*(V a, V b) { return _mm256_mul_ps(a.v, b.v); }
inline V operator/(V a, V b) { return _mm256_div_ps(a.v, b.v); }
inline V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
inline V min(V a, V b) { return _mm256_min_ps(a.v, b.v); }
inline V max(V a, V b) { return _mm256_max_ps(a.v, b.v); }
inline V round_nearest(V a) { return _mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V pow2_int(V n) {
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
inline V split_exponent(V x, V* e) {
  __m256i bits = _mm256_castps_si256(x.v);
  __m256i exp_bits = _mm256_srli_epi32(bits, 23);
  *e = V(_mm256_cvtepi32_ps(_mm256_sub_epi32(exp_bits, _mm256_set1_epi32(126))));
  __m256i mant = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                 _mm256_set1_epi32(0x3f000000));
  return _mm256_castsi256_ps(mant);
}
inline V less_than_select(V a, V b, V if_true, V if_false) {
  return _mm256_blendv_ps(if_false.v, if_true.v, _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ));
}
inline V where_positive(V y, V a, V b) {
  return _mm256_blendv_ps(b.v, a.v, _mm256_cmp_ps(y.v, _mm256_setzero_ps(), _CMP_GT_OQ));
}
inline V where_unit_open(V y, V a, V b) {
  __m256 inside = _mm256_and_ps(_mm256_cmp_ps(y.v, _mm256_setzero_ps(), _CMP_GT_OQ),
                                _mm256_cmp_ps(y.v, _mm256_set1_ps(1.0f), _CMP_LT_OQ));
  return _mm256_blendv_ps(b.v, a.v, inside);
}
inline float reduce_add(V a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

#include "kernels/activation/simd_math.h"

}  // namespace
}  // namespace cpu
}  // namespace recurrent
