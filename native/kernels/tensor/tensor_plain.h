// The plain loops of the tensor ops (elementwise, data movement, masks, per-row
// reductions), each over a range [begin, end) of its elements or rows. Both backends run
// these same loops: the reference over the whole range on one thread, the CPU backend
// split over the thread pool (every element is written by one chunk, so the bits do not
// depend on the split), the CUDA backend one row or element per device thread
// (RECURRENT_HD). Semantics and shapes: kernels/backend.h.
#pragma once
#include "common/portable.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace recurrent {
namespace plain {

// ---- Elementwise, over elements [begin, end).
RECURRENT_HD inline void fill(float* y, float value, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = value;
}
RECURRENT_HD inline void fill_u8(uint8_t* y, uint8_t value, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = value;
}
RECURRENT_HD inline void add(const float* a, const float* b, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
}
RECURRENT_HD inline void subtract(const float* a, const float* b, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = a[i] - b[i];
}
RECURRENT_HD inline void multiply(const float* a, const float* b, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = a[i] * b[i];
}
RECURRENT_HD inline void scale(const float* x, float alpha, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = alpha * x[i];
}
RECURRENT_HD inline void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = (a[i] != 0 && b[i] != 0) ? 1 : 0;
}

// ---- Data movement, over rows [begin, end).
RECURRENT_HD inline void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t width,
                         bool accumulate, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* s = src + r * src_stride;
    float* d = dst + r * dst_stride;
    if (accumulate) {
      for (int64_t c = 0; c < width; ++c) d[c] += s[c];
    } else {
      for (int64_t c = 0; c < width; ++c) d[c] = s[c];
    }
  }
}
// Samples [begin, end).
RECURRENT_HD inline void reverse_time(const float* x, float* y, int64_t T, int64_t F, int64_t begin, int64_t end) {
  for (int64_t b = begin; b < end; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t f = 0; f < F; ++f) y[(b * T + t) * F + f] = x[(b * T + (T - 1 - t)) * F + f];
}
// Samples [begin, end).
RECURRENT_HD inline void transpose(const float* x, float* y, int64_t R, int64_t C, int64_t begin, int64_t end) {
  for (int64_t b = begin; b < end; ++b) {
    const float* xb = x + b * R * C;
    float* yb = y + b * R * C;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c) yb[c * R + r] = xb[r * C + c];
  }
}
// Samples [begin, end).
RECURRENT_HD inline void repeat_rows(const float* x, float* y, int64_t n, int64_t F, int64_t begin, int64_t end) {
  for (int64_t b = begin; b < end; ++b)
    for (int64_t t = 0; t < n; ++t)
      for (int64_t f = 0; f < F; ++f) y[(b * n + t) * F + f] = x[b * F + f];
}
// Samples [begin, end): dx[b, f] = sum_t dy[b, t, f] in double, t ascending. Features are
// taken in blocks so the accumulators stay on the stack.
RECURRENT_HD inline void sum_repeats(const float* dy, float* dx, int64_t n, int64_t F, int64_t begin, int64_t end) {
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t b = begin; b < end; ++b) {
    for (int64_t f0 = 0; f0 < F; f0 += kBlock) {
      const int64_t w = F - f0 < kBlock ? F - f0 : kBlock;
      for (int64_t j = 0; j < w; ++j) acc[j] = 0.0;
      for (int64_t t = 0; t < n; ++t) {
        const float* row = dy + (b * n + t) * F + f0;
        for (int64_t j = 0; j < w; ++j) acc[j] += row[j];
      }
      for (int64_t j = 0; j < w; ++j) dx[b * F + f0 + j] = static_cast<float>(acc[j]);
    }
  }
}
// Samples [begin, end).
RECURRENT_HD inline void scale_sequences(const float* x, const float* factor, float* y, int64_t T, int64_t F, int64_t begin,
                            int64_t end) {
  for (int64_t b = begin; b < end; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t f = 0; f < F; ++f) y[(b * T + t) * F + f] = x[(b * T + t) * F + f] * factor[b * F + f];
}
// Rows [begin, end).
RECURRENT_HD inline void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t F, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t f = 0; f < F; ++f) y[r * F + f] = mask[r] ? x[r * F + f] : 0.0f;
}
// Rows [begin, end).
RECURRENT_HD inline void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t F,
                    int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * F;
    bool valid = false;
    for (int64_t f = 0; f < F; ++f) valid = valid || xr[f] != value;
    if (mask_in && !mask_in[r]) valid = false;
    mask_out[r] = valid;
    for (int64_t f = 0; f < F; ++f) y[r * F + f] = valid ? xr[f] : 0.0f;
  }
}
// Rows [begin, end): y[r, :] (= or +=) factor[r] * x[r, :].
RECURRENT_HD inline void scale_rows(const float* x, const float* factor, float* y, int64_t F, bool accumulate, int64_t begin,
                       int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float a = factor[r];
    const float* xr = x + r * F;
    float* yr = y + r * F;
    if (accumulate) {
      for (int64_t f = 0; f < F; ++f) yr[f] += a * xr[f];
    } else {
      for (int64_t f = 0; f < F; ++f) yr[f] = a * xr[f];
    }
  }
}
// Rows [begin, end).
RECURRENT_HD inline void broadcast_rows(const float* bias, float* y, int64_t C, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t c = 0; c < C; ++c) y[r * C + c] = bias[c];
}

// ---- Reductions.
// Columns [begin, end) of x [R, C]: y[c] += sum_r x[r, c] in double, r ascending; the
// columns are taken in blocks so the rows are read in order.
RECURRENT_HD inline void column_sums_add(const float* x, float* y, int64_t R, int64_t C, int64_t begin, int64_t end) {
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t c0 = begin; c0 < end; c0 += kBlock) {
    const int64_t w = end - c0 < kBlock ? end - c0 : kBlock;
    for (int64_t j = 0; j < w; ++j) acc[j] = 0.0;
    for (int64_t r = 0; r < R; ++r) {
      const float* row = x + r * C + c0;
      for (int64_t j = 0; j < w; ++j) acc[j] += row[j];
    }
    for (int64_t j = 0; j < w; ++j) y[c0 + j] += static_cast<float>(acc[j]);
  }
}
// Rows [begin, end): y[r] = sum_f a[r, f] b[r, f] in double, f ascending.
RECURRENT_HD inline void row_dots(const float* a, const float* b, float* y, int64_t F, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    double s = 0.0;
    for (int64_t f = 0; f < F; ++f) s += double(a[r * F + f]) * b[r * F + f];
    y[r] = static_cast<float>(s);
  }
}
// The whole array: its order is part of the result (clipping norms), so it is one loop.
RECURRENT_HD inline double sum_squares(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  return s;
}
// Rows [begin, end) of Keras's l2_normalize.
RECURRENT_HD inline void l2_normalize_rows(const float* x, float* y, float* norm, int64_t C, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const float* xr = x + r * C;
    double s = 0.0;
    for (int64_t c = 0; c < C; ++c) s += double(xr[c]) * xr[c];
    const double n = std::sqrt(s < 1e-12 ? 1e-12 : s);
    for (int64_t c = 0; c < C; ++c) y[r * C + c] = static_cast<float>(xr[c] / n);
    norm[r] = static_cast<float>(n);
  }
}
// Rows [begin, end) of its backward.
RECURRENT_HD inline void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t C,
                                       int64_t begin, int64_t end) {
  const float floor = static_cast<float>(1e-6);
  for (int64_t r = begin; r < end; ++r) {
    const float* yr = y + r * C;
    const float* gr = dy + r * C;
    const double n = norm[r];
    double dot = 0.0;
    if (norm[r] > floor)
      for (int64_t c = 0; c < C; ++c) dot += double(gr[c]) * yr[c];
    for (int64_t c = 0; c < C; ++c) dx[r * C + c] = static_cast<float>((gr[c] - yr[c] * dot) / n);
  }
}

}  // namespace plain
}  // namespace recurrent
