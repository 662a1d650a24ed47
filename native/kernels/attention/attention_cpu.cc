// The CPU backend's attention-score ops: rows (or samples) split over the thread pool.
// The backward's weight sums are made per sample and added in sample order, so the bits
// do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "kernels/attention/attention_plain.h"
#include "kernels/cpu/cpu_backend.h"
#include "runtime/thread_pool.h"

namespace recurrent {

void CpuBackend::mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(Tv, 1));
  parallel_for_each_range(B * Tq, grain,
                          [&](int64_t b, int64_t e) { plain::mask_scores(scores, key_mask, causal, Tq, Tv, b, e); });
}

void CpuBackend::additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B,
                                 int64_t Tq, int64_t Tv, int64_t D, float* scores) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(Tv * D, 1));
  parallel_for_each_range(B * Tq, grain, [&](int64_t b, int64_t e) {
    plain::additive_scores<float>(q, k, w, w_scalar, inner, Tq, Tv, D, scores, b, e);
  });
}

void CpuBackend::additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                          const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq,
                                          float* dk, float* dw, float* dc) {
  const int64_t width = w_scalar ? 1 : D;
  std::vector<float> dw_parts(static_cast<size_t>(B * width), 0.0f), dc_parts(static_cast<size_t>(B), 0.0f);
  parallel_for_each_range(B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b)
      plain::additive_scores_backward_sample<float>(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, dq, dk,
                                                    dw_parts.data() + b * width, dc_parts.data() + b);
  });
  for (int64_t b = 0; b < B; ++b) {
    if (dw)
      for (int64_t d = 0; d < width; ++d) dw[d] += dw_parts[static_cast<size_t>(b * width + d)];
    if (dc) *dc += dc_parts[static_cast<size_t>(b)];
  }
}

}  // namespace recurrent
