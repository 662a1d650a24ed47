// The micro-kernel body over a vector type V, for MR rows and NV vectors of columns.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h.

template <int MR, int NV>
static void gemm_microkernel(int64_t k, const float* a, const float* b, float* c, int64_t ldc,
                             bool accumulate) {
  constexpr int W = V::kWidth;
  V acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = V(0.0f);
  for (int64_t p = 0; p < k; ++p) {
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = load(b + j * W);
    for (int i = 0; i < MR; ++i) {
      V av(a[i]);
      for (int j = 0; j < NV; ++j) acc[i][j] = fmadd(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NV * W;
  }
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < NV; ++j) {
      V out = accumulate ? load(row + j * W) + acc[i][j] : acc[i][j];
      store(row + j * W, out);
    }
  }
}
