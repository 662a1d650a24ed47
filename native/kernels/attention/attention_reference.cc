// The reference backend's attention-score ops: the plain loops in double on one thread.
#include <vector>

#include "kernels/attention/attention_plain.h"
#include "kernels/reference_backend.h"

namespace recurrent {

void ReferenceBackend::mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq,
                                   int64_t Tv) {
  plain::mask_scores(scores, key_mask, causal, Tq, Tv, 0, B * Tq);
}

void ReferenceBackend::additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                       int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* scores) {
  plain::additive_scores<double>(q, k, w, w_scalar, inner, Tq, Tv, D, scores, 0, B * Tq);
}

void ReferenceBackend::additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar,
                                                float inner, const float* ds, int64_t B, int64_t Tq, int64_t Tv,
                                                int64_t D, float* dq, float* dk, float* dw, float* dc) {
  std::vector<double> dw_sum(static_cast<size_t>(w_scalar ? 1 : D), 0.0);
  double dc_sum = 0.0;
  for (int64_t b = 0; b < B; ++b)
    plain::additive_scores_backward_sample<double>(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, dq, dk, dw_sum.data(),
                                                   &dc_sum);
  if (dw)
    for (size_t d = 0; d < dw_sum.size(); ++d) dw[d] = static_cast<float>(dw[d] + dw_sum[d]);
  if (dc) *dc = static_cast<float>(*dc + dc_sum);
}

}  // namespace recurrent
