// The AMX bfloat16 GEMM (gemm_bf16_kernels.h): 32 rows by 32 columns of C in four tile
// registers, from two A tiles (16 rows by 32 k) and two B tiles (16 pairs of k by 16
// columns) per 32 k. A is packed row-major per 32-row panel, [32][kp], so a tile is 16
// rows kp * 2 bytes apart. Rows up to 16 or columns up to 16 use half the tiles. An edge
// tile goes through a buffer holding the part of C that exists, so that every element is
// computed the same way (C loaded into the accumulator, the products added to it) wherever
// the tiles fall: the bits do not depend on how rows and columns are split between threads.
// Included by isa_amx.cc inside its anonymous namespace.

constexpr int kAmxMr = 32;

// Tiles 0-3: C (16 rows of 16 floats); 4, 5: A; 6, 7: B. Every tile 16 rows of 64 bytes.
struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

static void amx_begin() {
  static const AmxTileConfig config;
  _tile_loadconfig(&config);
}

// Releases the tile state: a thread holding it makes every context switch save 8 KiB more.
static void amx_end() { _tile_release(); }

static void amx_pack_a(bool trans, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
                       int64_t kp, uint16_t* out) {
  for (int64_t ip = 0; ip < mc; ip += kAmxMr, out += kAmxMr * kp) {
    const int64_t rows = mc - ip < kAmxMr ? mc - ip : kAmxMr;
    if (!trans) {
      for (int64_t r = 0; r < kAmxMr; ++r) {
        uint16_t* dst = out + r * kp;
        if (r >= rows) {
          for (int64_t k = 0; k < kp; ++k) dst[k] = 0;
          continue;
        }
        const float* src = a + (i0 + ip + r) * lda + k0;
        for (int64_t k = 0; k < kp; k += 32) {
          _mm512_storeu_si512(dst + k, bf16_pairs(src + k, kc - k > 0 ? kc - k : 0));
        }
      }
    } else {
      // op(A)[i][k] = a[k][i]: one row of a is one k of up to 32 rows of the panel.
      alignas(64) uint16_t column[32];
      for (int64_t k = 0; k < kp; ++k) {
        if (k < kc) {
          const float* src = a + (k0 + k) * lda + i0 + ip;
          _mm512_store_si512(column, bf16_pairs(src, rows));
        } else {
          _mm512_store_si512(column, _mm512_setzero_si512());
        }
        for (int64_t r = 0; r < kAmxMr; ++r) out[r * kp + k] = column[r];
      }
    }
  }
}

// MT A tiles by NT B tiles (1 or 2 each) into the C tiles, over depth kp.
template <int MT, int NT>
static inline void amx_tile_body(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc_bytes,
                                 bool load_c) {
  if (load_c) {
    _tile_loadd(0, c, ldc_bytes);
    if (NT > 1) _tile_loadd(1, c + 16, ldc_bytes);
    if (MT > 1) _tile_loadd(2, reinterpret_cast<const char*>(c) + 16 * ldc_bytes, ldc_bytes);
    if (MT > 1 && NT > 1) _tile_loadd(3, reinterpret_cast<const char*>(c + 16) + 16 * ldc_bytes, ldc_bytes);
  } else {
    _tile_zero(0);
    if (NT > 1) _tile_zero(1);
    if (MT > 1) _tile_zero(2);
    if (MT > 1 && NT > 1) _tile_zero(3);
  }
  const int64_t a_stride = kp * 2;  // bytes between rows of the A panel
  for (int64_t k = 0; k < kp; k += 32) {
    _tile_loadd(4, a + k, a_stride);
    if (MT > 1) _tile_loadd(5, a + 16 * kp + k, a_stride);
    _tile_loadd(6, b + k * 16, 64);
    if (NT > 1) _tile_loadd(7, b + kp * 16 + k * 16, 64);
    _tile_dpbf16ps(0, 4, 6);
    if (NT > 1) _tile_dpbf16ps(1, 4, 7);
    if (MT > 1) _tile_dpbf16ps(2, 5, 6);
    if (MT > 1 && NT > 1) _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, c, ldc_bytes);
  if (NT > 1) _tile_stored(1, c + 16, ldc_bytes);
  if (MT > 1) _tile_stored(2, reinterpret_cast<char*>(c) + 16 * ldc_bytes, ldc_bytes);
  if (MT > 1 && NT > 1) _tile_stored(3, reinterpret_cast<char*>(c + 16) + 16 * ldc_bytes, ldc_bytes);
}

template <int MT, int NT>
static void amx_tile_shape(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate,
                           int rows, int cols) {
  if (rows == 16 * MT && cols == 16 * NT) {
    amx_tile_body<MT, NT>(kp, a, b, c, ldc * 4, accumulate);
    return;
  }
  // Edge: C's rows and columns that exist into a buffer (zeros elsewhere), the tile on the
  // buffer, and those rows and columns back.
  alignas(64) float buffer[32 * 32];
  const __mmask16 lo = static_cast<__mmask16>(cols >= 16 ? 0xffff : (1u << cols) - 1);
  const __mmask16 hi = static_cast<__mmask16>(cols >= 32 ? 0xffff : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
  if (accumulate) {
    for (int i = 0; i < 16 * MT; ++i) {
      const float* row = c + i * ldc;
      _mm512_store_ps(buffer + i * 32, i < rows ? _mm512_maskz_loadu_ps(lo, row) : _mm512_setzero_ps());
      _mm512_store_ps(buffer + i * 32 + 16, i < rows ? _mm512_maskz_loadu_ps(hi, row + 16) : _mm512_setzero_ps());
    }
  }
  amx_tile_body<MT, NT>(kp, a, b, buffer, 32 * 4, accumulate);
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    _mm512_mask_storeu_ps(row, lo, _mm512_load_ps(buffer + i * 32));
    _mm512_mask_storeu_ps(row + 16, hi, _mm512_load_ps(buffer + i * 32 + 16));
  }
}

static void amx_tile_any(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate,
                         int rows, int cols) {
  if (rows > 16) {
    if (cols > 16) amx_tile_shape<2, 2>(kp, a, b, c, ldc, accumulate, rows, cols);
    else amx_tile_shape<2, 1>(kp, a, b, c, ldc, accumulate, rows, cols);
  } else {
    if (cols > 16) amx_tile_shape<1, 2>(kp, a, b, c, ldc, accumulate, rows, cols);
    else amx_tile_shape<1, 1>(kp, a, b, c, ldc, accumulate, rows, cols);
  }
}
