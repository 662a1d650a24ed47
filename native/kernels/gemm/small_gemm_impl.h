// The small unpacked GEMM (small_gemm.h) over a vector type V: R rows by NU vectors of C
// per register tile (kSmallGemmRows, kSmallGemmVectors of the including isa_<name>.cc).
// The last vector of a row may be partial: masked loads and stores, no read past the end.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h.

// One tile: R rows, NU vectors from column 0 of c, the last of them `last_lanes` wide.
template <int R, int NU, bool Partial>
static inline void small_gemm_tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                                   int64_t ldc, bool accumulate, int last_lanes) {
  constexpr int W = V::kWidth;
  V acc[R][NU];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < NU; ++j) acc[i][j] = V(0.0f);
  for (int64_t p = 0; p < k; ++p) {
    const float* brow = b + p * ldb;
    V bv[NU];
    for (int j = 0; j < NU; ++j) {
      bv[j] = (Partial && j == NU - 1) ? load_partial(brow + j * W, last_lanes) : load(brow + j * W);
    }
    for (int i = 0; i < R; ++i) {
      V av(a[i * lda + p]);
      for (int j = 0; j < NU; ++j) acc[i][j] = fmadd(av, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < R; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NU; ++j) {
      if (Partial && j == NU - 1) {
        store_partial(row + j * W, accumulate ? load_partial(row + j * W, last_lanes) + acc[i][j] : acc[i][j],
                      last_lanes);
      } else {
        store(row + j * W, accumulate ? load(row + j * W) + acc[i][j] : acc[i][j]);
      }
    }
  }
}

// Picks the tile for a run-time row count (1..R) and vector count (1..NU).
template <int R, int NU, bool Partial>
struct SmallGemmVectors {
  static void run(int rows, int vectors, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                  float* c, int64_t ldc, bool accumulate, int last_lanes) {
    if (vectors == NU) {
      small_gemm_tile<R, NU, Partial>(k, a, lda, b, ldb, c, ldc, accumulate, last_lanes);
    } else {
      SmallGemmVectors<R, NU - 1, Partial>::run(rows, vectors, k, a, lda, b, ldb, c, ldc, accumulate, last_lanes);
    }
  }
};
template <int R, bool Partial>
struct SmallGemmVectors<R, 0, Partial> {
  static void run(int, int, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, bool, int) {}
};

template <int R, int NU, bool Partial>
struct SmallGemmRows {
  static void run(int rows, int vectors, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                  float* c, int64_t ldc, bool accumulate, int last_lanes) {
    if (rows == R) {
      SmallGemmVectors<R, NU, Partial>::run(rows, vectors, k, a, lda, b, ldb, c, ldc, accumulate, last_lanes);
    } else {
      SmallGemmRows<R - 1, NU, Partial>::run(rows, vectors, k, a, lda, b, ldb, c, ldc, accumulate, last_lanes);
    }
  }
};
template <int NU, bool Partial>
struct SmallGemmRows<0, NU, Partial> {
  static void run(int, int, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, bool, int) {}
};

// R rows of tiles NU vectors wide over all of c's columns, for one k-block.
template <int R, int NU>
static inline void small_gemm_block(int64_t rows, int64_t n, int64_t kc, const float* a, int64_t lda, const float* b,
                                    int64_t ldb, float* c, int64_t ldc, bool acc) {
  constexpr int W = V::kWidth;
  const int64_t full_vectors = n / W;
  const int tail = static_cast<int>(n - full_vectors * W);
  for (int64_t i = 0; i < rows; i += R) {
    const int r = static_cast<int>(rows - i < R ? rows - i : R);
    const float* ai = a + i * lda;
    float* ci = c + i * ldc;
    int64_t v = 0;
    for (; v + NU <= full_vectors; v += NU) {
      SmallGemmRows<R, NU, false>::run(r, NU, kc, ai, lda, b + v * W, ldb, ci + v * W, ldc, acc, W);
    }
    const int rest = static_cast<int>(full_vectors - v);
    if (tail) {
      SmallGemmRows<R, NU, true>::run(r, rest + 1, kc, ai, lda, b + v * W, ldb, ci + v * W, ldc, acc, tail);
    } else if (rest) {
      SmallGemmRows<R, NU, false>::run(r, rest, kc, ai, lda, b + v * W, ldb, ci + v * W, ldc, acc, W);
    }
  }
}

static void small_gemm(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                       float* c, int64_t ldc, bool accumulate) {
  if (k == 0) {
    for (int64_t i = 0; i < rows && !accumulate; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = 0.0f;
    return;
  }
  for (int64_t k0 = 0; k0 < k; k0 += kGemmBlockK) {
    const int64_t kc = k - k0 < kGemmBlockK ? k - k0 : kGemmBlockK;
    const bool acc = accumulate || k0 > 0;
    if (rows == 1) {
      // One row (batch-1 latency): twice the vectors per tile, so that enough independent
      // chains hide the multiply-add latency (each element's chain is unchanged).
      small_gemm_block<1, 2 * kSmallGemmVectors>(rows, n, kc, a + k0, lda, b + k0 * ldb, ldb, c, ldc, acc);
    } else {
      small_gemm_block<kSmallGemmRows, kSmallGemmVectors>(rows, n, kc, a + k0, lda, b + k0 * ldb, ldb, c, ldc, acc);
    }
  }
}
