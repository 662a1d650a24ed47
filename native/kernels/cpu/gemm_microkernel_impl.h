// The micro-kernel body over a vector type V, for MR rows and NV vectors of columns.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h, so every
// function here has internal linkage. No STL: this is compiled with per-ISA flags.

// R rows of a tile whose A panel is MR wide. Accumulators stay in registers for the whole
// k loop (MR*NV + NV + 1 vector registers for the full tile).
template <int R, int MR, int NV>
static inline void gemm_tile_rows(int64_t k, const float* a, const float* b, float* c, int64_t ldc,
                                  bool accumulate, int cols) {
  constexpr int W = V::kWidth;
  V acc[R][NV];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = V(0.0f);
  for (int64_t p = 0; p < k; ++p) {
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = load(b + j * W);
    for (int i = 0; i < R; ++i) {
      V av(a[i]);
      for (int j = 0; j < NV; ++j) acc[i][j] = fmadd(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NV * W;
  }
  if (cols == NV * W) {
    for (int i = 0; i < R; ++i) {
      float* row = c + i * ldc;
      for (int j = 0; j < NV; ++j) store(row + j * W, accumulate ? load(row + j * W) + acc[i][j] : acc[i][j]);
    }
    return;
  }
  // Column edge: through a row buffer, adding in the same order as the full store.
  float buf[NV * W];
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NV; ++j) store(buf + j * W, acc[i][j]);
    if (accumulate) {
      for (int j = 0; j < cols; ++j) row[j] = row[j] + buf[j];
    } else {
      for (int j = 0; j < cols; ++j) row[j] = buf[j];
    }
  }
}

// Picks the R-row body for a run-time row count (1..MR).
template <int R, int MR, int NV>
struct GemmRowDispatch {
  static void run(int rows, int64_t k, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                  int cols) {
    if (rows == R) {
      gemm_tile_rows<R, MR, NV>(k, a, b, c, ldc, accumulate, cols);
    } else {
      GemmRowDispatch<R - 1, MR, NV>::run(rows, k, a, b, c, ldc, accumulate, cols);
    }
  }
};

template <int MR, int NV>
struct GemmRowDispatch<0, MR, NV> {
  static void run(int, int64_t, const float*, const float*, float*, int64_t, bool, int) {}
};

template <int MR, int NV>
static void gemm_microkernel(int64_t k, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                             int rows, int cols) {
  if (rows == MR) {
    gemm_tile_rows<MR, MR, NV>(k, a, b, c, ldc, accumulate, cols);
  } else {
    GemmRowDispatch<MR - 1, MR, NV>::run(rows, k, a, b, c, ldc, accumulate, cols);
  }
}
