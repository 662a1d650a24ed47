// The plain loops of the attention-score ops (semantics: kernels/backend.h), shared by the
// reference backend (Acc = double, one thread) and the CPU backend (Acc = float, split by
// rows or by sample so the bits do not depend on the thread count).
#pragma once
#include "common/portable.h"
#include <cmath>
#include <cstdint>
#include <vector>

namespace recurrent {
namespace plain {

// Rows r = b * Tq + i in [begin, end): scores -= 1e9 where key j is padding or, causal, j > i.
RECURRENT_HD inline void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t Tq, int64_t Tv, int64_t begin,
                        int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t b = r / Tq, i = r % Tq;
    float* s = scores + r * Tv;
    for (int64_t j = 0; j < Tv; ++j)
      if ((key_mask && !key_mask[b * Tv + j]) || (causal && j > i)) s[j] -= 1.0e9f;
  }
}

// Rows r = b * Tq + i in [begin, end): scores[r, j] = sum_d w_d tanh(inner (q[r, d] + k[b, j, d])).
template <class Acc>
RECURRENT_HD void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t Tq, int64_t Tv,
                     int64_t D, float* scores, int64_t begin, int64_t end) {
  const Acc c = static_cast<Acc>(inner);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t b = r / Tq;
    const float* qr = q + r * D;
    for (int64_t j = 0; j < Tv; ++j) {
      const float* kj = k + (b * Tv + j) * D;
      Acc s = 0;
      for (int64_t d = 0; d < D; ++d)
        s += static_cast<Acc>(w[w_scalar ? 0 : d]) * std::tanh(c * (static_cast<Acc>(qr[d]) + static_cast<Acc>(kj[d])));
      scores[r * Tv + j] = static_cast<float>(s);
    }
  }
}

// Sample b of the backward: dq[b], dk[b] written (each may be null); dw_part [w_scalar ? 1 : D]
// and *dc_part accumulate this sample's share (the caller sums the samples in order).
template <class Acc>
void additive_scores_backward_sample(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                     const float* ds, int64_t Tq, int64_t Tv, int64_t D, int64_t b, float* dq,
                                     float* dk, Acc* dw_part, Acc* dc_part) {
  const Acc c = static_cast<Acc>(inner);
  std::vector<Acc> dqa(static_cast<size_t>(Tq * D), Acc(0)), dka(static_cast<size_t>(Tv * D), Acc(0));
  for (int64_t i = 0; i < Tq; ++i) {
    const float* qi = q + (b * Tq + i) * D;
    for (int64_t j = 0; j < Tv; ++j) {
      const Acc g0 = static_cast<Acc>(ds[(b * Tq + i) * Tv + j]);
      const float* kj = k + (b * Tv + j) * D;
      for (int64_t d = 0; d < D; ++d) {
        const Acc sum = static_cast<Acc>(qi[d]) + static_cast<Acc>(kj[d]);
        const Acc t = std::tanh(c * sum);
        dw_part[w_scalar ? 0 : d] += g0 * t;
        const Acc g = g0 * static_cast<Acc>(w[w_scalar ? 0 : d]) * (Acc(1) - t * t);
        dqa[static_cast<size_t>(i * D + d)] += c * g;
        dka[static_cast<size_t>(j * D + d)] += c * g;
        *dc_part += g * sum;
      }
    }
  }
  if (dq)
    for (int64_t x = 0; x < Tq * D; ++x) dq[b * Tq * D + x] = static_cast<float>(dqa[static_cast<size_t>(x)]);
  if (dk)
    for (int64_t x = 0; x < Tv * D; ++x) dk[b * Tv * D + x] = static_cast<float>(dka[static_cast<size_t>(x)]);
}

}  // namespace plain
}  // namespace recurrent
