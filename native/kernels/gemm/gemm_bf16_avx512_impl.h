// The AVX512-BF16 bfloat16 GEMM (gemm_bf16_kernels.h): 12 rows by 32 columns of C in 24
// zmm accumulators; each VDPBF16PS adds a pair of k products to 16 of them. A is packed
// as pairs, [kp / 2][12] 32-bit words per panel, so that one broadcast gives a row's pair.
// Included by isa_avx512_bf16.cc and isa_amx.cc (which uses it for rows of one) inside
// their anonymous namespace, after gemm_bf16_pack_impl.h.

constexpr int kDpMr = 12;

static void dp_pack_a(bool trans, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
                      int64_t kp, uint16_t* out) {
  uint32_t* o = reinterpret_cast<uint32_t*>(out);
  for (int64_t ip = 0; ip < mc; ip += kDpMr, o += kp / 2 * kDpMr) {
    const int64_t rows = mc - ip < kDpMr ? mc - ip : kDpMr;
    for (int64_t i = 0; i < kp / 2 * kDpMr; ++i) o[i] = 0;
    if (!trans) {
      alignas(64) uint32_t pairs[16];
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = a + (i0 + ip + r) * lda + k0;
        for (int64_t k = 0; k < kc; k += 32) {
          _mm512_store_si512(pairs, bf16_pairs(row + k, kc - k));
          const int64_t count = (kc - k + 1) / 2 < 16 ? (kc - k + 1) / 2 : 16;
          for (int64_t q = 0; q < count; ++q) o[(k / 2 + q) * kDpMr + r] = pairs[q];
        }
      }
    } else {
      // op(A)[i][k] = a[k][i]: two rows of a give the pairs of up to 16 rows of op(A).
      const __mmask16 keep = static_cast<__mmask16>((1u << rows) - 1);
      for (int64_t q = 0; q < kp / 2; ++q) {
        const int64_t k = 2 * q;
        const __m512 lo = k < kc ? bf16_load16(a + (k0 + k) * lda + i0 + ip, rows) : _mm512_setzero_ps();
        const __m512 hi = k + 1 < kc ? bf16_load16(a + (k0 + k + 1) * lda + i0 + ip, rows) : _mm512_setzero_ps();
        _mm512_mask_storeu_epi32(o + q * kDpMr, keep, bf16_interleave(lo, hi));
      }
    }
  }
}

template <int R, int NU>
static inline void dp_tile(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate,
                           int cols) {
  const uint32_t* a32 = reinterpret_cast<const uint32_t*>(a);
  __m512 acc[R][NU];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < NU; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t q = 0; q < kp / 2; ++q) {
    __m512bh bv[NU];
    for (int j = 0; j < NU; ++j) bv[j] = (__m512bh)_mm512_loadu_si512(b + j * kp * 16 + q * 32);
    for (int i = 0; i < R; ++i) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(a32[q * kDpMr + i]));
      for (int j = 0; j < NU; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], av, bv[j]);
    }
  }
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NU; ++j) {
      const int left = cols - 16 * j;
      const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, row + 16 * j), v);
      _mm512_mask_storeu_ps(row + 16 * j, m, v);
    }
  }
}

template <int R>
static void dp_tile_rows(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate,
                         int rows, int cols) {
  if (rows == R) {
    if (cols > 16) dp_tile<R, 2>(kp, a, b, c, ldc, accumulate, cols);
    else dp_tile<R, 1>(kp, a, b, c, ldc, accumulate, cols);
  } else if constexpr (R > 1) {
    dp_tile_rows<R - 1>(kp, a, b, c, ldc, accumulate, rows, cols);
  }
}

static void dp_tile_any(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate,
                        int rows, int cols) {
  dp_tile_rows<kDpMr>(kp, a, b, c, ldc, accumulate, rows, cols);
}

static void dp_nothing() {}
