// The per-row formula of the sampled softmax loss (semantics: sampled_softmax.h), shared
// by both backends: the reference runs the rows in order, the CPU backend splits them over
// the thread pool and sums the rows' values in row order.
#pragma once
#include "common/portable.h"
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/loss/sampled_softmax.h"

namespace recurrent {
namespace plain {

// w_r * l_r of row r; when dtrue is not null, d/d logits of row r into dtrue[r] and
// dsampled[r, :] (0 for a left-out accidental hit and for rows of weight 0).
RECURRENT_HD inline double sampled_softmax_row(const SampledLogits& in, float* dtrue, float* dsampled, int64_t r) {
  const int64_t S = in.samples;
  const double w = in.row_weight[r];
  const float* s = in.sampled_logits + r * S;
  float* ds = dsampled ? dsampled + r * S : nullptr;
  if (w == 0.0) {
    if (dtrue) {
      dtrue[r] = 0.0f;
      for (int64_t j = 0; j < S; ++j) ds[j] = 0.0f;
    }
    return 0.0;
  }
  const int32_t label = in.labels[r];
  auto hit = [&](int64_t j) { return in.remove_accidental_hits && in.sampled[j] == label; };
  const double z0 = double(in.true_logits[r]) - in.true_log_q[r];
  double m = z0;
  for (int64_t j = 0; j < S; ++j)
    if (!hit(j)) m = std::max(m, double(s[j]) - in.sampled_log_q[j]);
  double sum = std::exp(z0 - m);
  for (int64_t j = 0; j < S; ++j)
    if (!hit(j)) sum += std::exp(double(s[j]) - in.sampled_log_q[j] - m);
  const double lse = m + std::log(sum);
  if (dtrue) {
    const double scale = w * in.gradient_scale / in.count;
    dtrue[r] = static_cast<float>(scale * (std::exp(z0 - lse) - 1.0));
    for (int64_t j = 0; j < S; ++j)
      ds[j] = hit(j) ? 0.0f : static_cast<float>(scale * std::exp(double(s[j]) - in.sampled_log_q[j] - lse));
  }
  return w * (lse - z0);
}

}  // namespace plain
}  // namespace recurrent
