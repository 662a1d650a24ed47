// Array kernels over a vector type V: activations, exp, log, softmax.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h.
// Tails go through a padded vector so every element sees the same approximation.

template <class F>
static inline void map_array(const float* x, float* y, int64_t n, F f) {
  constexpr int W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, f(load(x + i)));
  if (i < n) {
    float in[W] = {0}, out[W];
    for (int64_t j = i; j < n; ++j) in[j - i] = x[j];
    store(out, f(load(in)));
    for (int64_t j = i; j < n; ++j) y[j] = out[j - i];
  }
}

static void activation_array(Activation act, const float* x, float* y, int64_t n) {
  map_array(x, y, n, [act](V v) { return activate(act, v); });
}

static void activation_backward_array(Activation act, const float* y, const float* dy, float* dx, int64_t n) {
  constexpr int W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(dx + i, load(dy + i) * activation_grad(act, load(y + i)));
  for (; i < n; ++i) dx[i] = dy[i] * activation_grad(act, y[i]);
}

static void exp_array(const float* x, float* y, int64_t n) {
  map_array(x, y, n, [](V v) { return exp(v); });
}

static void log_array(const float* x, float* y, int64_t n) {
  // Tail lanes are padded with 1 so log sees no zero there.
  constexpr int W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, log(load(x + i)));
  if (i < n) {
    float in[W], out[W];
    for (int j = 0; j < W; ++j) in[j] = 1.0f;
    for (int64_t j = i; j < n; ++j) in[j - i] = x[j];
    store(out, log(load(in)));
    for (int64_t j = i; j < n; ++j) y[j] = out[j - i];
  }
}

static void softmax_rows_array(const float* x, float* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    float peak = in[0];
    for (int64_t j = 1; j < cols; ++j) peak = in[j] > peak ? in[j] : peak;
    const float neg_peak = -peak;
    map_array(in, out, cols, [neg_peak](V v) { return exp(v + V(neg_peak)); });
    float sum = 0.0f;
    for (int64_t j = 0; j < cols; ++j) sum += out[j];
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; ++j) out[j] *= inv;
  }
}
