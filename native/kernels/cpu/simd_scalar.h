// The baseline "vector": one float, with the C library's math. Portable to any CPU;
// on x86-64 the compiler may still use SSE2 for it.
#pragma once
#include <cmath>

#include "common/activation.h"

namespace recurrent {
namespace cpu {
namespace {

struct V {
  static constexpr int kWidth = 1;
  float v;
  V() = default;
  V(float x) : v(x) {}
};

inline V load(const float* p) { return *p; }
inline void store(float* p, V a) { *p = a.v; }
// One lane: a partial vector is empty (never used: every unit fills a whole vector).
inline V load_partial(const float* p, int n) { return n > 0 ? *p : 0.0f; }
inline void store_partial(float* p, V a, int n) {
  if (n > 0) *p = a.v;
}
inline V operator+(V a, V b) { return a.v + b.v; }
inline V operator-(V a, V b) { return a.v - b.v; }
inline V operator*(V a, V b) { return a.v * b.v; }
inline V operator/(V a, V b) { return a.v / b.v; }
inline V fmadd(V a, V b, V c) { return a.v * b.v + c.v; }
inline V min(V a, V b) { return a.v < b.v ? a : b; }
inline V max(V a, V b) { return a.v > b.v ? a : b; }
inline V exp(V a) { return expf(a.v); }
inline V log(V a) { return logf(a.v); }
inline V tanh_act(V a) { return tanhf(a.v); }
inline V sigmoid(V a) { return 1.0f / (1.0f + expf(-a.v)); }
inline V relu(V a) { return a.v > 0.0f ? a.v : 0.0f; }
inline V hard_sigmoid(V a) { return fminf(1.0f, fmaxf(0.0f, 0.2f * a.v + 0.5f)); }
inline V where_positive(V y, V a, V b) { return y.v > 0.0f ? a : b; }
inline V where_unit_open(V y, V a, V b) { return (y.v > 0.0f && y.v < 1.0f) ? a : b; }
inline float reduce_add(V a) { return a.v; }

}  // namespace
}  // namespace cpu
}  // namespace recurrent
