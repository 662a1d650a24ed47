// The CPU backend's losses and metrics: rows split over the thread pool, each row's value
// kept, then summed in row order (so the bits do not depend on the split).
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/loss/loss_plain.h"
#include "kernels/loss/sampled_softmax_plain.h"
#include "runtime/thread_pool.h"

namespace recurrent {

// Sums in the row order: a single ordered pass (the count's bits are part of the loss).
double CpuBackend::loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S,
                                    float* weight, uint8_t* valid) {
  const int64_t N = B * T * S;
  parallel_for_each_range(N, int64_t(1) << 14, [&](int64_t begin, int64_t end) {
    plain::loss_row_weights(mask, sample_weight, T, S, weight, valid, begin, end);
  });
  double count = 0.0;
  for (int64_t r = 0; r < N; ++r) count += valid[r];
  return count;
}

double CpuBackend::loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows,
                                         float* doutput) {
  std::vector<double> per_row(static_cast<size_t>(rows.rows), 0.0);
  parallel_for_each_range(rows.rows, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      per_row[r] = plain::weighted_row_loss(kind, from_logits, fused_softmax, rows, doutput, r);
  });
  double sum = 0.0;
  for (double v : per_row) sum += v;
  return sum;
}

double CpuBackend::metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid) {
  std::vector<double> per_row(static_cast<size_t>(rows.rows), 0.0);
  parallel_for_each_range(rows.rows, 256, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      if (valid[r]) per_row[r] = plain::row_metric(kind, from_logits, rows, r);
  });
  double sum = 0.0;
  for (int64_t r = 0; r < rows.rows; ++r)
    if (valid[r]) sum += per_row[r];
  return sum;
}

double CpuBackend::sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled) {
  std::vector<double> per_row(static_cast<size_t>(logits.rows), 0.0);
  parallel_for_each_range(logits.rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) per_row[r] = plain::sampled_softmax_row(logits, dtrue, dsampled, r);
  });
  double sum = 0.0;
  for (double v : per_row) sum += v;
  return sum;
}

}  // namespace recurrent
