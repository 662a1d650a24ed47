// The CUDA backend's losses and metrics (semantics: kernels/loss/loss.h and
// sampled_softmax.h): the per-row formulas of loss_plain.h and sampled_softmax_plain.h, one
// row per device thread, each row's value kept, then summed in row order by one thread:
// the reference's order, so the sums differ from it only where the device's exp and log
// round differently. The results stay on the device (result[0]) for the backend to read.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/loss/loss_plain.h"
#include "kernels/loss/sampled_softmax_plain.h"

namespace recurrent {
namespace cuda_ops {

void loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S, float* weight,
                      uint8_t* valid, double* partial, double* count, Stream s) {
  simt::chunked_sum(B * T * S, kSumChunk, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) -> double {
    plain::loss_row_weights(mask, sample_weight, T, S, weight, valid, r, r + 1);
    return valid[r];
  }, partial, count);
}
void loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows, float* doutput,
                           double* partial, double* sum, Stream s) {
  const LossRows in = rows;
  simt::chunked_sum(rows.rows, 1, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) -> double {
    return plain::weighted_row_loss(kind, from_logits, fused_softmax, in, doutput, r);
  }, partial, sum);
}
void metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid, double* partial,
                double* sum, Stream s) {
  const LossRows in = rows;
  simt::chunked_sum(rows.rows, 1, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) -> double {
    return valid[r] ? plain::row_metric(kind, from_logits, in, r) : 0.0;
  }, partial, sum);
}
void sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled, double* partial, double* sum,
                          Stream s) {
  const SampledLogits in = logits;
  simt::chunked_sum(logits.rows, 1, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) -> double {
    return plain::sampled_softmax_row(in, dtrue, dsampled, r);
  }, partial, sum);
}

}  // namespace cuda_ops
}  // namespace recurrent
