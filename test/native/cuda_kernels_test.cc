// The CUDA backend's kernels (kernels/cuda/cuda_ops.h) against the reference backend's
// formulas on odd shapes, with the normalized error max |ours - reference| / max(1, max
// |reference|). Built two ways from the same sources:
//   - with the host compiler, the kernels run under the SIMT emulation
//     (kernels/cuda/simt_host.h): test/cuda_kernels.test.ts does this in CI, and first
//     checks the emulation itself (shared memory, barriers, shuffles, grid sync, and the
//     errors for divergent barriers and deadlocks);
//   - with nvcc (-x cu), the same checks run on a GPU (bench/cuda/device_check.sh).
// Prints one line per check and "<n> failed" last; exits non-zero when any failed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/cuda/tf32.h"
#include "kernels/gemm/gemm.h"
#include "kernels/rnn/rnn_reference.h"
#include "kernels/tensor/tensor_plain.h"

using namespace recurrent;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

// ---- Device memory: cudaMalloc'd on the device, host memory under the emulation.
#if defined(__CUDACC__)
template <class T>
T* to_device(const std::vector<T>& host) {
  T* p = nullptr;
  if (cudaMalloc(&p, sizeof(T) * std::max<size_t>(1, host.size())) != cudaSuccess) throw std::runtime_error("cudaMalloc failed");
  cudaMemcpy(p, host.data(), sizeof(T) * host.size(), cudaMemcpyHostToDevice);
  return p;
}
template <class T>
std::vector<T> to_host(const T* p, size_t n) {
  std::vector<T> host(n);
  if (cudaDeviceSynchronize() != cudaSuccess) throw std::runtime_error("a kernel failed on the device");
  cudaMemcpy(host.data(), p, sizeof(T) * n, cudaMemcpyDeviceToHost);
  return host;
}
template <class T>
void release(T* p) {
  cudaFree(p);
}
const char* kWhere = "on the device";
#else
template <class T>
T* to_device(const std::vector<T>& host) {
  T* p = new T[std::max<size_t>(1, host.size())];
  std::memcpy(p, host.data(), sizeof(T) * host.size());
  return p;
}
template <class T>
std::vector<T> to_host(const T* p, size_t n) {
  return std::vector<T>(p, p + n);
}
template <class T>
void release(T* p) {
  delete[] p;
}
const char* kWhere = "emulated";
#endif

std::vector<float> uniform(size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double normalized_error(const std::vector<float>& ours, const std::vector<float>& ref) {
  double diff = 0.0, scale = 1.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::fabs(double(ours[i]) - ref[i]));
    scale = std::max(scale, std::fabs(double(ref[i])));
  }
  return diff / scale;
}

std::string shape(std::initializer_list<int64_t> dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

void check_close(const std::vector<float>& ours, const std::vector<float>& ref, double limit, const std::string& what) {
  const double e = normalized_error(ours, ref);
  char text[64];
  std::snprintf(text, sizeof(text), " (normalized error %.1e)", e);
  check(ours.size() == ref.size() && e <= limit, what + text);
}

// ---- The ops.

void elementwise_ops() {
  for (int64_t n : {int64_t(1), int64_t(257), int64_t(70001)}) {
    const std::vector<float> a = uniform(n, 1), b = uniform(n, 2);
    float *da = to_device(a), *db = to_device(b), *dy = to_device(std::vector<float>(n));
    std::vector<float> want(n);
    cuda_ops::add(da, db, dy, n, nullptr);
    plain::add(a.data(), b.data(), want.data(), 0, n);
    check(to_host(dy, n) == want, "add n=" + std::to_string(n) + " bitwise");
    cuda_ops::subtract(da, db, dy, n, nullptr);
    plain::subtract(a.data(), b.data(), want.data(), 0, n);
    check(to_host(dy, n) == want, "subtract n=" + std::to_string(n) + " bitwise");
    cuda_ops::multiply(da, db, dy, n, nullptr);
    plain::multiply(a.data(), b.data(), want.data(), 0, n);
    check(to_host(dy, n) == want, "multiply n=" + std::to_string(n) + " bitwise");
    cuda_ops::scale(da, -0.37f, dy, n, nullptr);
    plain::scale(a.data(), -0.37f, want.data(), 0, n);
    check(to_host(dy, n) == want, "scale n=" + std::to_string(n) + " bitwise");
    cuda_ops::add(dy, db, dy, n, nullptr);  // y may alias an input
    plain::add(want.data(), b.data(), want.data(), 0, n);
    check(to_host(dy, n) == want, "add in place n=" + std::to_string(n) + " bitwise");
    cuda_ops::fill(dy, 2.5f, n, nullptr);
    check(to_host(dy, n) == std::vector<float>(n, 2.5f), "fill n=" + std::to_string(n));
    release(da);
    release(db);
    release(dy);
  }
}

void row_ops() {
  for (auto [R, C] : {std::pair<int64_t, int64_t>{1, 1}, {37, 5}, {300, 129}, {3, 1000}}) {
    const std::vector<float> x = uniform(R * C, 3, -4.0f, 4.0f), bias = uniform(C, 4), y0 = uniform(C, 5);
    float *dx = to_device(x), *dbias = to_device(bias), *dy = to_device(std::vector<float>(R * C)), *dsum = to_device(y0);
    cuda_ops::broadcast_rows(dbias, dy, R, C, nullptr);
    std::vector<float> want(R * C);
    plain::broadcast_rows(bias.data(), want.data(), C, 0, R);
    check(to_host(dy, R * C) == want, "broadcast_rows " + shape({R, C}) + " bitwise");
    cuda_ops::column_sums_add(dx, dsum, R, C, nullptr);
    std::vector<float> sums = y0;
    plain::column_sums_add(x.data(), sums.data(), R, C, 0, C);
    check(to_host(dsum, C) == sums, "column_sums_add " + shape({R, C}) + " bitwise (double sums in row order)");
    cuda_ops::softmax_rows(dx, dy, R, C, nullptr);
    for (int64_t r = 0; r < R; ++r) {
      const float* in = x.data() + r * C;
      double peak = in[0], sum = 0.0;
      for (int64_t c = 1; c < C; ++c) peak = std::max(peak, double(in[c]));
      for (int64_t c = 0; c < C; ++c) sum += std::exp(double(in[c]) - peak);
      for (int64_t c = 0; c < C; ++c) want[r * C + c] = static_cast<float>(std::exp(double(in[c]) - peak) / sum);
    }
    check_close(to_host(dy, R * C), want, 1e-6, "softmax_rows " + shape({R, C}));
    release(dx);
    release(dbias);
    release(dy);
    release(dsum);
  }
}

void gemm_ops() {
  struct Case {
    int64_t m, n, k;
    float alpha, beta;
    int64_t pad;  // extra row stride on every operand
  };
  const Case cases[] = {{37, 53, 29, 1.0f, 0.0f, 0}, {1, 70, 130, 0.7f, 1.0f, 3}, {65, 1, 17, 1.0f, 0.5f, 1},
                        {64, 64, 16, 1.0f, 0.0f, 0}, {130, 66, 1, -1.0f, 1.0f, 2}, {5, 7, 0, 1.0f, 0.5f, 0}};
  for (const Case& c : cases)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int64_t a_rows = ta ? c.k : c.m, a_cols = ta ? c.m : c.k, b_rows = tb ? c.n : c.k, b_cols = tb ? c.k : c.n;
        const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.n + c.pad;
        const std::vector<float> a = uniform(a_rows * lda, 6), b = uniform(b_rows * ldb, 7), c0 = uniform(c.m * ldc, 8);
        float *da = to_device(a), *db = to_device(b), *dc = to_device(c0);
        cuda_ops::gemm(ta, tb, c.m, c.n, c.k, c.alpha, da, lda, db, ldb, c.beta, dc, ldc, nullptr);
        std::vector<float> want = c0;
        cpu::sgemm_reference(ta, tb, c.m, c.n, c.k, c.alpha, a.data(), lda, b.data(), ldb, c.beta, want.data(), ldc);
        check_close(to_host(dc, c.m * ldc), want, 1e-5,
                    std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N") + " " + shape({c.m, c.n, c.k}) +
                        " alpha " + std::to_string(c.alpha).substr(0, 4) + " beta " + std::to_string(c.beta).substr(0, 3) +
                        (c.pad ? " strided" : ""));
        release(da);
        release(db);
        release(dc);
      }
}

// The TF32 tensor-core GEMM against the double-precision product of the TF32-rounded
// operands (what the tensor cores multiply), and against the exact product (TF32's own
// error, about 1e-3).
void gemm_tf32_ops() {
  struct Case {
    int64_t m, n, k;
    float alpha, beta;
  };
  const Case cases[] = {{37, 53, 29, 1.0f, 0.0f}, {64, 64, 16, 1.0f, 0.0f}, {130, 70, 9, 0.7f, 1.0f}, {1, 9, 130, 1.0f, 0.5f}};
  for (const Case& c : cases)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int64_t lda = ta ? c.m : c.k, ldb = tb ? c.k : c.n, ldc = c.n;
        const std::vector<float> a = uniform(c.m * c.k, 6), b = uniform(c.k * c.n, 7), c0 = uniform(c.m * c.n, 8);
        float *da = to_device(a), *db = to_device(b), *dc = to_device(c0);
        cuda_ops::gemm_tf32(ta, tb, c.m, c.n, c.k, c.alpha, da, lda, db, ldb, c.beta, dc, ldc, nullptr);
        const std::vector<float> got = to_host(dc, c.m * c.n);
        std::vector<float> rounded(c.m * c.n), exact(c.m * c.n);
        for (int64_t i = 0; i < c.m; ++i)
          for (int64_t j = 0; j < c.n; ++j) {
            double sr = 0.0, se = 0.0;
            for (int64_t p = 0; p < c.k; ++p) {
              const float av = ta ? a[p * lda + i] : a[i * lda + p], bv = tb ? b[j * ldb + p] : b[p * ldb + j];
              sr += double(simt::round_to_tf32(av)) * simt::round_to_tf32(bv);
              se += double(av) * bv;
            }
            rounded[i * ldc + j] = static_cast<float>(c.alpha * sr + c.beta * c0[i * ldc + j]);
            exact[i * ldc + j] = static_cast<float>(c.alpha * se + c.beta * c0[i * ldc + j]);
          }
        const std::string name = std::string("gemm_tf32 ") + (ta ? "T" : "N") + (tb ? "T" : "N") + " " + shape({c.m, c.n, c.k});
        check_close(got, rounded, 1e-5, name + " vs the product of TF32-rounded operands");
        check_close(got, exact, 4e-3, name + " vs the float32 product");
        release(da);
        release(db);
        release(dc);
      }
  check(simt::round_to_tf32(1.0f + 0x1p-11f) == 1.0f + 0x1p-10f && simt::round_to_tf32(1.0f + 0x1p-12f) == 1.0f &&
            simt::round_to_tf32(-1.0f - 0x1p-11f) == -1.0f - 0x1p-10f,
        "round_to_tf32: to nearest on 10 mantissa bits, ties away from zero");
}

// The recurrent layer against the double-precision reference: every cell and option on
// odd sizes (B 3, T 5, I 7, H 9). Sample 0 is masked at steps 1 and 4, sample 1 everywhere
// (it returns its initial state).
struct RnnCase {
  const char* name;
  CellType cell;
  bool reset_after, peephole, go_backwards, masked, states, recurrent_mask, bias;
  Activation act, ract;
  int64_t truncate_steps;
};

const RnnCase kRnnCases[] = {
    {"SimpleRNN", CellType::SimpleRnn, true, false, false, false, false, false, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"SimpleRNN relu, masked, goBackwards, h0", CellType::SimpleRnn, true, false, true, true, true, false, true, Activation::Relu, Activation::Sigmoid, 0},
    {"LSTM", CellType::Lstm, true, false, false, false, false, false, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"LSTM peephole, masked, h0 c0, recurrent dropout", CellType::Lstm, true, true, false, true, true, true, true, Activation::Tanh, Activation::HardSigmoid, 0},
    {"LSTM goBackwards, no bias", CellType::Lstm, true, false, true, false, false, false, false, Activation::Tanh, Activation::Sigmoid, 0},
    {"LSTM peephole, goBackwards, truncated to 2 steps, h0 c0", CellType::Lstm, true, true, true, false, true, false, true, Activation::Tanh, Activation::Sigmoid, 2},
    {"GRU resetAfter", CellType::Gru, true, false, false, false, false, false, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"GRU resetAfter, masked, h0, recurrent dropout, goBackwards", CellType::Gru, true, false, true, true, true, true, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"GRU resetBefore", CellType::Gru, false, false, false, false, false, false, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"GRU resetBefore, masked, h0, recurrent dropout", CellType::Gru, false, false, false, true, true, true, true, Activation::Tanh, Activation::Sigmoid, 0},
    {"GRU resetBefore, masked, truncated to 3 steps, recurrent dropout", CellType::Gru, false, false, false, true, true, true, true, Activation::Tanh, Activation::Sigmoid, 3},
    {"SimpleRNN masked, truncated to 1 step, h0", CellType::SimpleRnn, true, false, false, true, true, false, true, Activation::Tanh, Activation::Sigmoid, 1},
};

std::vector<double> widened(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }
std::vector<float> narrowed(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

// One case's config and inputs, on the host (float and double) and on the device.
struct RnnProblem {
  const RnnCase& k;
  RnnConfig c;
  int64_t B, T, I, H, GH;
  std::vector<float> x, W, U, bias, peep, h0, c0, rmask;
  std::vector<uint8_t> mask;
  std::vector<double> xd, Wd, Ud, bd, pd, h0d, c0d, rmd;
  float *dx, *dW, *dU, *db, *dp, *dh0, *dc0, *drm;
  uint8_t* dmask;

  explicit RnnProblem(const RnnCase& kase) : k(kase) {
    c.cell = k.cell;
    c.batch = 3;
    c.steps = 5;
    c.input = 7;
    c.units = 9;
    c.activation = k.act;
    c.recurrent_activation = k.ract;
    c.reset_after = k.reset_after;
    c.peephole = k.peephole;
    c.go_backwards = k.go_backwards;
    c.recurrent_masked = k.recurrent_mask;
    c.truncate_steps = k.truncate_steps;
    B = c.batch, T = c.steps, I = c.input, H = c.units, GH = c.gates() * H;
    x = uniform(B * T * I, 11), W = uniform(I * GH, 12, -0.5f, 0.5f), U = uniform(H * GH, 13, -0.5f, 0.5f),
    bias = uniform(c.bias_size(), 14, -0.3f, 0.3f), peep = uniform(3 * H, 15, -0.5f, 0.5f), h0 = uniform(B * H, 16),
    c0 = uniform(B * H, 17);
    rmask.resize(B * H);
    for (size_t i = 0; i < rmask.size(); ++i) rmask[i] = i % 3 == 1 ? 0.0f : 1.5f;
    mask.assign(B * T, 1);
    mask[1] = mask[4] = 0;
    for (int64_t t = 0; t < T; ++t) mask[T + t] = 0;
    xd = widened(x), Wd = widened(W), Ud = widened(U), bd = widened(bias), pd = widened(peep), h0d = widened(h0),
    c0d = widened(c0), rmd = widened(rmask);
    dx = to_device(x), dW = to_device(W), dU = to_device(U), db = to_device(bias), dp = to_device(peep),
    dh0 = to_device(h0), dc0 = to_device(c0), drm = to_device(rmask);
    dmask = to_device(mask);
  }
  ~RnnProblem() {
    for (float* p : {dx, dW, dU, db, dp, dh0, dc0, drm}) release(p);
    release(dmask);
  }
  RnnProblem(const RnnProblem&) = delete;
  RnnProblem& operator=(const RnnProblem&) = delete;

  RnnWeights<double> reference_weights() const {
    return {Wd.data(), Ud.data(), k.bias ? bd.data() : nullptr, k.peephole ? pd.data() : nullptr};
  }
  RnnForwardIO<double> reference_inputs() const {
    RnnForwardIO<double> io;
    io.x = xd.data();
    io.h0 = k.states ? h0d.data() : nullptr;
    io.c0 = k.states ? c0d.data() : nullptr;
    io.mask = k.masked ? mask.data() : nullptr;
    io.recurrent_mask = k.recurrent_mask ? rmd.data() : nullptr;
    return io;
  }
  RnnWeights<float> device_weights() const { return {dW, dU, k.bias ? db : nullptr, k.peephole ? dp : nullptr}; }
  RnnForwardIO<float> device_inputs() const {
    RnnForwardIO<float> io;
    io.x = dx;
    io.h0 = k.states ? dh0 : nullptr;
    io.c0 = k.states ? dc0 : nullptr;
    io.mask = k.masked ? dmask : nullptr;
    io.recurrent_mask = k.recurrent_mask ? drm : nullptr;
    return io;
  }
};

// Both forward paths where the layer can take them: each against the reference, and the
// persistent one bitwise equal to the stepwise one.
bool persistent_possible(const RnnConfig& c) { return !(c.cell == CellType::Gru && !c.reset_after); }

void rnn_forward_ops() {
  for (const RnnCase& k : kRnnCases) {
    RnnProblem p(k);
    const int64_t B = p.B, T = p.T, H = p.H;
    std::vector<double> yd(B * T * H), hd(B * H), cd(B * H);
    RnnForwardIO<double> iod = p.reference_inputs();
    iod.y = yd.data();
    iod.h_final = hd.data();
    iod.c_final = cd.data();
    rnn_forward_reference(p.c, p.reference_weights(), iod);
    std::vector<float> want = narrowed(yd);
    const std::vector<float> wh = narrowed(hd), wc = narrowed(cd);
    want.insert(want.end(), wh.begin(), wh.end());
    if (p.c.has_cell_state()) want.insert(want.end(), wc.begin(), wc.end());

    std::vector<float> stepwise;
    for (cuda_ops::RnnPath path : {cuda_ops::RnnPath::Stepwise, cuda_ops::RnnPath::Persistent}) {
      const bool persistent = path == cuda_ops::RnnPath::Persistent;
      if (persistent && !persistent_possible(p.c)) continue;
      // Persistent: 4 units per block, so the 9 units span three blocks that meet at grid syncs.
      cuda_ops::set_rnn_path(path, persistent ? 4 : 0);
      float *dy = to_device(std::vector<float>(B * T * H)), *dhf = to_device(std::vector<float>(B * H)),
            *dcf = to_device(std::vector<float>(B * H)), *cache = to_device(std::vector<float>(cuda_ops::rnn_cache_size(p.c)));
      RnnForwardIO<float> io = p.device_inputs();
      io.y = dy;
      io.h_final = dhf;
      io.c_final = dcf;
      cuda_ops::rnn_forward(p.c, p.device_weights(), io, cache, nullptr);
      std::vector<float> got = to_host(dy, B * T * H);
      const std::vector<float> hf = to_host(dhf, B * H), cf = to_host(dcf, B * H);
      got.insert(got.end(), hf.begin(), hf.end());
      if (p.c.has_cell_state()) got.insert(got.end(), cf.begin(), cf.end());
      const std::string name = std::string("rnn_forward ") + (persistent ? "persistent (3 blocks) " : "stepwise ") + k.name;
      check_close(got, want, 1e-5, name + ": y, h and c");
      if (persistent) check(got == stepwise, name + ": bitwise the stepwise path's y, h and c");
      else stepwise = got;
      for (float* q : {dy, dhf, dcf, cache}) release(q);
    }
  }
  cuda_ops::set_rnn_path(cuda_ops::RnnPath::Auto);
  RnnConfig small;
  small.cell = CellType::Lstm;
  small.batch = 8;
  small.units = 256;
  small.steps = small.input = 1;
  RnnConfig large = small;
  large.batch = 9;
  RnnConfig before = small;
  before.cell = CellType::Gru;
  before.reset_after = false;
  check(cuda_ops::rnn_path_for(small) == cuda_ops::RnnPath::Persistent &&
            cuda_ops::rnn_path_for(large) == cuda_ops::RnnPath::Stepwise &&
            cuda_ops::rnn_path_for(before) == cuda_ops::RnnPath::Stepwise,
        "rnn_forward path: persistent for batch <= 8, stepwise above and for GRU resetAfter false");
}

// Backward from dy at every step and from the final states, the weight gradients
// accumulated onto non-zero starting values.
void rnn_backward_ops() {
  for (const RnnCase& k : kRnnCases)
    for (cuda_ops::RnnPath path : {cuda_ops::RnnPath::Stepwise, cuda_ops::RnnPath::Persistent}) {
    const bool persistent = path == cuda_ops::RnnPath::Persistent;
    RnnProblem p(k);
    if (persistent && !persistent_possible(p.c)) continue;
    cuda_ops::set_rnn_path(path, persistent ? 4 : 0);
    const RnnConfig& c = p.c;
    const int64_t B = p.B, T = p.T, I = p.I, H = p.H, GH = p.GH;
    const bool lstm = c.has_cell_state();
    const std::vector<float> dy = uniform(B * T * H, 21), dhf = uniform(B * H, 22), dcf = uniform(B * H, 23),
                             dW0 = uniform(I * GH, 24), dU0 = uniform(H * GH, 25), db0 = uniform(c.bias_size(), 26),
                             dp0 = uniform(3 * H, 27);
    const std::vector<double> dyd = widened(dy), dhfd = widened(dhf), dcfd = widened(dcf);
    std::vector<double> dxd(B * T * I), dh0d(B * H), dc0d(B * H), dWd = widened(dW0), dUd = widened(dU0),
                        dbd = widened(db0), dpd = widened(dp0);
    RnnBackwardIO<double> gd;
    gd.dy = dyd.data();
    gd.dh_final = dhfd.data();
    gd.dc_final = lstm ? dcfd.data() : nullptr;
    gd.dx = dxd.data();
    gd.dh0 = dh0d.data();
    gd.dc0 = lstm ? dc0d.data() : nullptr;
    gd.dkernel = dWd.data();
    gd.drecurrent_kernel = dUd.data();
    gd.dbias = k.bias ? dbd.data() : nullptr;
    gd.dpeephole = k.peephole ? dpd.data() : nullptr;
    rnn_backward_reference(c, p.reference_weights(), p.reference_inputs(), gd);

    float *cache = to_device(std::vector<float>(cuda_ops::rnn_cache_size(c))),
          *work = to_device(std::vector<float>(cuda_ops::rnn_backward_workspace_size(c), std::nanf(""))),
          *ddy = to_device(dy), *ddhf = to_device(dhf), *ddcf = to_device(dcf),
          *ddx = to_device(std::vector<float>(B * T * I)), *ddh0 = to_device(std::vector<float>(B * H)),
          *ddc0 = to_device(std::vector<float>(B * H)), *ddW = to_device(dW0), *ddU = to_device(dU0),
          *ddb = to_device(db0), *ddp = to_device(dp0);
    RnnForwardIO<float> io = p.device_inputs();
    cuda_ops::rnn_forward(c, p.device_weights(), io, cache, nullptr);
    RnnBackwardIO<float> g;
    g.dy = ddy;
    g.dh_final = ddhf;
    g.dc_final = lstm ? ddcf : nullptr;
    g.dx = ddx;
    g.dh0 = ddh0;
    g.dc0 = lstm ? ddc0 : nullptr;
    g.dkernel = ddW;
    g.drecurrent_kernel = ddU;
    g.dbias = k.bias ? ddb : nullptr;
    g.dpeephole = k.peephole ? ddp : nullptr;
    cuda_ops::rnn_backward(c, p.device_weights(), io, cache, g, work, nullptr);
    const std::string name = std::string("rnn_backward ") + (persistent ? "persistent (3 blocks) " : "stepwise ") + k.name + ": ";
    check_close(to_host(ddx, B * T * I), narrowed(dxd), 1e-5, name + "dx");
    check_close(to_host(ddh0, B * H), narrowed(dh0d), 1e-5, name + "dh0");
    if (lstm) check_close(to_host(ddc0, B * H), narrowed(dc0d), 1e-5, name + "dc0");
    check_close(to_host(ddW, I * GH), narrowed(dWd), 1e-5, name + "dkernel (+=)");
    check_close(to_host(ddU, H * GH), narrowed(dUd), 1e-5, name + "drecurrentKernel (+=)");
    if (k.bias) check_close(to_host(ddb, c.bias_size()), narrowed(dbd), 1e-5, name + "dbias (+=)");
    if (k.peephole) check_close(to_host(ddp, 3 * H), narrowed(dpd), 1e-5, name + "dpeephole (+=)");
    for (float* q : {cache, work, ddy, ddhf, ddcf, ddx, ddh0, ddc0, ddW, ddU, ddb, ddp}) release(q);
  }
  cuda_ops::set_rnn_path(cuda_ops::RnnPath::Auto);
}

#if !defined(__CUDACC__)
// ---- The emulation itself.

SIMT_KERNEL void reverse_kernel(const float* x, float* y, int n) {
  SIMT_SHARED(float, s, 300);
  const int t = threadIdx.x;
  if (t < n) s[t] = x[t];
  simt_sync();
  if (t < n) y[t] = s[n - 1 - t];
}

SIMT_KERNEL void warp_sum_kernel(const float* x, float* y) {
  float v = x[threadIdx.x];
  for (int offset = 16; offset > 0; offset /= 2) v += simt_shfl_down(v, offset);
  if (threadIdx.x % 32 == 0) y[threadIdx.x / 32] = v;
}

SIMT_KERNEL void divergent_kernel(float* y) {
  if (threadIdx.x == 3) return;
  simt_sync();
  y[threadIdx.x] = 1.0f;
}

SIMT_KERNEL void grid_sync_kernel(float* y) {
  // Block b writes its slot, then reads its neighbour's after the grid-wide barrier.
  if (threadIdx.x == 0) y[blockIdx.x] = float(blockIdx.x + 1);
  simt_grid_sync();
  if (threadIdx.x == 0) y[gridDim.x + blockIdx.x] = y[(blockIdx.x + 1) % gridDim.x];
}

SIMT_KERNEL void throwing_kernel(float* y) {
  if (blockIdx.x == 1 && threadIdx.x == 5) throw std::runtime_error("thrown by thread 5 of block 1");
  y[0] = 0.0f;
}

SIMT_KERNEL void uninitialised_kernel(float* y) {
  SIMT_SHARED(float, s, 4);
  y[threadIdx.x] = s[threadIdx.x];
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

void emulation_checks() {
  const std::string divergent = error_of([] {
    std::vector<float> y(8, 0.0f);
    simt::launch_kernel(dim3(1), dim3(8), 0, nullptr, divergent_kernel, y.data());
  });
  check(divergent.find("divergent barrier") != std::string::npos && divergent.find("has returned") != std::string::npos,
        "emulation: a thread that returns before __syncthreads is a divergent barrier (" + divergent + ")");
  const std::string deadlock = error_of([] {
    std::vector<float> y(8, 0.0f);
    simt::launch_kernel(dim3(4), dim3(32), 0, nullptr, grid_sync_kernel, y.data());
  });
  check(deadlock.find("deadlock") != std::string::npos, "emulation: grid sync outside a cooperative launch is a deadlock (" + deadlock + ")");
  std::vector<float> slots(8, 0.0f);
  simt::launch_cooperative(dim3(4), dim3(64), 0, nullptr, grid_sync_kernel, slots.data());
  check(slots[4] == 2.0f && slots[5] == 3.0f && slots[6] == 4.0f && slots[7] == 1.0f, "emulation: grid sync in a cooperative launch");
  const std::string thrown = error_of([] {
    std::vector<float> y(1, 0.0f);
    simt::launch_kernel(dim3(3), dim3(16), 0, nullptr, throwing_kernel, y.data());
  });
  check(thrown == "thrown by thread 5 of block 1", "emulation: an exception in a kernel reaches the launcher");
  std::vector<float> garbage(4, 0.0f);
  simt::launch_kernel(dim3(1), dim3(4), 0, nullptr, uninitialised_kernel, garbage.data());
  check(std::isnan(garbage[0]) && std::isnan(garbage[3]), "emulation: uninitialised shared memory reads as NaN");
  const std::string too_big = error_of([] { simt::launch(dim3(1), dim3(2048), 0, false, [] {}); });
  check(too_big.find("1 to 1024") != std::string::npos, "emulation: more than 1024 threads per block is refused");
}
#endif

}  // namespace

int main() {
  try {
#if !defined(__CUDACC__)
    const int n = 300;
    const std::vector<float> x = uniform(n, 9);
    std::vector<float> y(n, 0.0f);
    simt::launch_kernel(dim3(1), dim3(n), 0, nullptr, reverse_kernel, x.data(), y.data(), n);
    bool reversed = true;
    for (int i = 0; i < n; ++i) reversed = reversed && y[i] == x[n - 1 - i];
    check(reversed, "emulation: shared memory and __syncthreads reverse 300 values in one block");
    std::vector<float> sums(4, 0.0f);
    const std::vector<float> v = uniform(128, 10);
    simt::launch_kernel(dim3(1), dim3(128), 0, nullptr, warp_sum_kernel, v.data(), sums.data());
    bool summed = true;
    for (int w = 0; w < 4; ++w) {
      double s = 0.0;
      for (int i = 0; i < 32; ++i) s += v[w * 32 + i];
      summed = summed && std::fabs(sums[w] - s) < 1e-5;
    }
    check(summed, "emulation: warp shuffles reduce each of 4 warps");
    emulation_checks();
#endif
    elementwise_ops();
    row_ops();
    gemm_ops();
    gemm_tf32_ops();
    rnn_forward_ops();
    rnn_backward_ops();
  } catch (const std::exception& e) {
    check(false, std::string("unexpected error: ") + e.what());
  }
  std::printf("kernels %s\n%d failed\n", kWhere, failures);
  return failures == 0 ? 0 : 1;
}
