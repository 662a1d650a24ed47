// Conversion of float32 operands to bfloat16 panels (gemm_bf16_kernels.h), shared by the
// AVX512-BF16 and AMX tables. Included by isa_avx512_bf16.cc and isa_amx.cc inside their
// anonymous namespace, after <immintrin.h>; compiled with -mavx512bf16.

// The first n (<= 16) floats at p, the rest zero.
static inline __m512 bf16_load16(const float* p, int64_t n) {
  return n >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p);
}

// 16 pairs (lo[j], hi[j]) as bfloat16, lo in the low half of each 32-bit lane.
static inline __m512i bf16_interleave(__m512 lo, __m512 hi) {
  const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);  // bf16 lanes 0-15: lo, 16-31: hi
  const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(order, both);
}

// 32 floats (n of them, the rest zero) as 16 bfloat16 pairs in 32-bit lanes.
static inline __m512i bf16_pairs(const float* p, int64_t n) {
  const __m512 lo = bf16_load16(p, n), hi = bf16_load16(p + 16, n > 16 ? n - 16 : 0);
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

static void bf16_pack_b(bool trans, const float* b, int64_t ldb, int64_t n, int64_t k0, int64_t kc, int64_t kp,
                        int64_t j0, int64_t j1, uint16_t* out) {
  if (!trans) {
    // op(B) rows are B's rows: two of them make one row of pairs in every panel. Row pair
    // by row pair, so that B is read in order (panel by panel, each row of B would be a
    // page of its own).
    for (int64_t q = 0; q < kp / 2; ++q) {
      const int64_t k = 2 * q;
      const float* lo_row = k < kc ? b + (k0 + k) * ldb : nullptr;
      const float* hi_row = k + 1 < kc ? b + (k0 + k + 1) * ldb : nullptr;
      uint16_t* dst = out + q * 32;
      for (int64_t jp = j0; jp < j1; jp += 16, dst += kp * 16) {
        const int64_t width = n - jp < 16 ? n - jp : 16;
        const __m512 lo = lo_row ? bf16_load16(lo_row + jp, width) : _mm512_setzero_ps();
        const __m512 hi = hi_row ? bf16_load16(hi_row + jp, width) : _mm512_setzero_ps();
        _mm512_storeu_si512(dst, bf16_interleave(lo, hi));
      }
    }
    return;
  }
  for (int64_t jp = j0; jp < j1; jp += 16, out += kp * 16) {
    const int64_t width = n - jp < 16 ? n - jp : 16;
    {
      // op(B) columns are B's rows: a row's neighbouring k are already a pair.
      uint32_t* panel = reinterpret_cast<uint32_t*>(out);
      for (int64_t i = 0; i < kp * 8; ++i) panel[i] = 0;
      alignas(64) uint32_t pairs[16];
      for (int64_t j = 0; j < width; ++j) {
        const float* row = b + (jp + j) * ldb + k0;
        for (int64_t k = 0; k < kc; k += 32) {
          _mm512_store_si512(pairs, bf16_pairs(row + k, kc - k));
          const int64_t count = (kc - k + 1) / 2 < 16 ? (kc - k + 1) / 2 : 16;
          for (int64_t q = 0; q < count; ++q) panel[(k / 2 + q) * 16 + j] = pairs[q];
        }
      }
    }
  }
}
