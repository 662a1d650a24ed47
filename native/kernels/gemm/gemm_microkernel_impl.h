// The micro-kernel body over a vector type V, for MR rows and NV vectors of columns.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h, so every
// function here has internal linkage. No STL: this is compiled with per-ISA flags.

// R rows by NU vectors of columns of a tile whose A panel is MR wide. Vector j reads
// panel j / NV of B (panels b_stride floats apart, NV vectors wide). Accumulators stay in
// registers for the whole k loop. Each element is one FMA chain over k in order.
template <int R, int MR, int NV, int NU>
static inline void gemm_tile(int64_t k, const float* a, const float* b, int64_t b_stride, float* c,
                             int64_t ldc, bool accumulate, int cols) {
  constexpr int W = V::kWidth;
  V acc[R][NU];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < NU; ++j) acc[i][j] = V(0.0f);
  for (int64_t p = 0; p < k; ++p) {
    V bv[NU];
    for (int j = 0; j < NU; ++j) bv[j] = load(b + (j / NV) * b_stride + (j % NV) * W);
    for (int i = 0; i < R; ++i) {
      V av(a[i]);
      for (int j = 0; j < NU; ++j) acc[i][j] = fmadd(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NV * W;
  }
  if (cols == NU * W) {
    for (int i = 0; i < R; ++i) {
      float* row = c + i * ldc;
      for (int j = 0; j < NU; ++j) store(row + j * W, accumulate ? load(row + j * W) + acc[i][j] : acc[i][j]);
    }
    return;
  }
  // Column edge: through a row buffer, adding in the same order as the full store.
  float buf[NU * W];
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NU; ++j) store(buf + j * W, acc[i][j]);
    if (accumulate) {
      for (int j = 0; j < cols; ++j) row[j] = row[j] + buf[j];
    } else {
      for (int j = 0; j < cols; ++j) row[j] = buf[j];
    }
  }
}

// Picks the body for a run-time count of column vectors (1..NU).
template <int R, int MR, int NV, int NU>
struct GemmVectorDispatch {
  static void run(int vectors, int64_t k, const float* a, const float* b, int64_t b_stride, float* c,
                  int64_t ldc, bool accumulate, int cols) {
    if (vectors == NU) {
      gemm_tile<R, MR, NV, NU>(k, a, b, b_stride, c, ldc, accumulate, cols);
    } else {
      GemmVectorDispatch<R, MR, NV, NU - 1>::run(vectors, k, a, b, b_stride, c, ldc, accumulate, cols);
    }
  }
};

template <int R, int MR, int NV>
struct GemmVectorDispatch<R, MR, NV, 0> {
  static void run(int, int64_t, const float*, const float*, int64_t, float*, int64_t, bool, int) {}
};

// Short tiles may span several panels (gemm_panels_per_call): they need more independent
// chains to hide the FMA latency and more streams of B in flight.
template <int R, int MR, int NV>
struct GemmRowDispatch {
  static void run(int rows, int64_t k, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc,
                  bool accumulate, int cols) {
    if (rows == R) {
      constexpr int kMaxVectors = gemm_panels_per_call(R, MR) * NV;
      const int vectors = (cols + V::kWidth - 1) / V::kWidth;
      GemmVectorDispatch<R, MR, NV, kMaxVectors>::run(vectors, k, a, b, b_stride, c, ldc, accumulate, cols);
    } else {
      GemmRowDispatch<R - 1, MR, NV>::run(rows, k, a, b, b_stride, c, ldc, accumulate, cols);
    }
  }
};

template <int MR, int NV>
struct GemmRowDispatch<0, MR, NV> {
  static void run(int, int64_t, const float*, const float*, int64_t, float*, int64_t, bool, int) {}
};

template <int MR, int NV>
static void gemm_microkernel(int64_t k, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc,
                             bool accumulate, int rows, int cols) {
  if (rows == MR && cols == NV * V::kWidth) {
    gemm_tile<MR, MR, NV, NV>(k, a, b, b_stride, c, ldc, accumulate, cols);
  } else {
    GemmRowDispatch<MR, MR, NV>::run(rows, k, a, b, b_stride, c, ldc, accumulate, cols);
  }
}
