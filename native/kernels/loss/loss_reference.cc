// The reference backend's losses and metrics: the rows in order on one thread.
#include "kernels/loss/loss_plain.h"
#include "kernels/loss/sampled_softmax_plain.h"
#include "kernels/reference_backend.h"

namespace recurrent {

double ReferenceBackend::loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T,
                                          int64_t S, float* weight, uint8_t* valid) {
  const int64_t N = B * T * S;
  plain::loss_row_weights(mask, sample_weight, T, S, weight, valid, 0, N);
  double count = 0.0;
  for (int64_t r = 0; r < N; ++r) count += valid[r];
  return count;
}

double ReferenceBackend::loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax,
                                               const LossRows& rows, float* doutput) {
  double sum = 0.0;
  for (int64_t r = 0; r < rows.rows; ++r) sum += plain::weighted_row_loss(kind, from_logits, fused_softmax, rows, doutput, r);
  return sum;
}

double ReferenceBackend::metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid) {
  double sum = 0.0;
  for (int64_t r = 0; r < rows.rows; ++r)
    if (valid[r]) sum += plain::row_metric(kind, from_logits, rows, r);
  return sum;
}

double ReferenceBackend::sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled) {
  double sum = 0.0;
  for (int64_t r = 0; r < logits.rows; ++r) sum += plain::sampled_softmax_row(logits, dtrue, dsampled, r);
  return sum;
}

}  // namespace recurrent
