// exp, log, sigmoid and tanh over a SIMD vector type V, written once for every ISA.
// V supplies: arithmetic operators, fmadd, min, max, round_nearest, pow2_int (2^n for an
// integral-valued n), split_exponent (x = m * 2^e with m in [0.5, 1)), less_than_select.
// Included by a simd_<isa>.h inside its anonymous namespace.
//
// Accuracy, measured by test/activations.test.ts against the C library in double:
// exp/log within 2 ulp (relative ~2.4e-7), sigmoid and tanh within 2e-7 absolute on
// [-20, 20] (see the README's table for the measured figures).

static inline V exp(V x) {
  // Cephes expf: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial.
  x = min(max(x, V(-87.33654475f)), V(88.37626266f));
  V n = round_nearest(x * V(1.44269504088896341f));
  V r = fmadd(n, V(-0.693359375f), x);
  r = fmadd(n, V(2.12194440e-4f), r);
  V p = V(1.9875691500e-4f);
  p = fmadd(p, r, V(1.3981999507e-3f));
  p = fmadd(p, r, V(8.3334519073e-3f));
  p = fmadd(p, r, V(4.1665795894e-2f));
  p = fmadd(p, r, V(1.6666665459e-1f));
  p = fmadd(p, r, V(5.0000001201e-1f));
  p = fmadd(p, r * r, r + V(1.0f));
  // n = 128 at the top of the range would overflow the exponent: scale in two halves.
  V half = round_nearest(n * V(0.5f));
  return p * pow2_int(half) * pow2_int(n - half);
}

static inline V log(V x) {
  // Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1+f) by a polynomial.
  V e;
  V m = split_exponent(x, &e);  // m in [0.5, 1)
  V small = V(0.707106781186547524f);
  // if m < sqrt(1/2): e -= 1, f = 2m - 1 else f = m - 1
  e = less_than_select(m, small, e - V(1.0f), e);
  V f = less_than_select(m, small, m + m - V(1.0f), m - V(1.0f));
  V z = f * f;
  V p = V(7.0376836292e-2f);
  p = fmadd(p, f, V(-1.1514610310e-1f));
  p = fmadd(p, f, V(1.1676998740e-1f));
  p = fmadd(p, f, V(-1.2420140846e-1f));
  p = fmadd(p, f, V(1.4249322787e-1f));
  p = fmadd(p, f, V(-1.6668057665e-1f));
  p = fmadd(p, f, V(2.0000714765e-1f));
  p = fmadd(p, f, V(-2.4999993993e-1f));
  p = fmadd(p, f, V(3.3333331174e-1f));
  V y = p * f * z;
  y = fmadd(e, V(-2.12194440e-4f), y);
  y = fmadd(z, V(-0.5f), y);
  V result = f + y;
  return fmadd(e, V(0.693359375f), result);
}

static inline V tanh_act(V x) {
  // Near zero a rational approximation (odd degree 13 over even degree 6) keeps the
  // relative accuracy; beyond |x| = 0.55, 1 - 2 / (e^{2|x|} + 1) keeps the absolute
  // accuracy where the rational form drifts (2.6e-7 at |x| = 5).
  V ax = max(x, V(0.0f) - x);
  V c = min(ax, V(0.55f));
  V c2 = c * c;
  V p = V(-2.76076847742355e-16f);
  p = fmadd(p, c2, V(2.00018790482477e-13f));
  p = fmadd(p, c2, V(-8.60467152213735e-11f));
  p = fmadd(p, c2, V(5.12229709037114e-08f));
  p = fmadd(p, c2, V(1.48572235717979e-05f));
  p = fmadd(p, c2, V(6.37261928875436e-04f));
  p = fmadd(p, c2, V(4.89352455891786e-03f));
  p = p * c;
  V q = V(1.19825839466702e-06f);
  q = fmadd(q, c2, V(1.18534705686654e-04f));
  q = fmadd(q, c2, V(2.26843463243900e-03f));
  q = fmadd(q, c2, V(4.89352518554385e-03f));
  V near_zero = p / q;
  V far = V(1.0f) - V(2.0f) / (exp(min(ax, V(9.0f)) * V(2.0f)) + V(1.0f));
  V magnitude = less_than_select(ax, V(0.55f), near_zero, far);
  return less_than_select(x, V(0.0f), V(0.0f) - magnitude, magnitude);
}

static inline V sigmoid(V x) {
  // 1 / (1 + e^-x): relative accuracy where sigmoid is tiny (probabilities fed to a
  // cross-entropy), absolute accuracy near 1. exp's clamp keeps e^-x finite.
  return V(1.0f) / (V(1.0f) + exp(V(0.0f) - x));
}

static inline V relu(V x) { return max(x, V(0.0f)); }

static inline V hard_sigmoid(V x) { return min(max(fmadd(x, V(0.2f), V(0.5f)), V(0.0f)), V(1.0f)); }
