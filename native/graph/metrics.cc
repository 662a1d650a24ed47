#include "graph/metrics.h"

#include <cmath>

namespace recurrent {
namespace graph {
namespace {

int64_t argmax(const float* v, int64_t K) {
  int64_t best = 0;
  for (int64_t k = 1; k < K; ++k)
    if (v[k] > v[best]) best = k;
  return best;
}

}  // namespace

double metric_sum(MetricKind kind, bool from_logits, const LossRows& in, const uint8_t* valid) {
  const int64_t N = in.rows, K = in.width;
  double sum = 0.0;
  for (int64_t r = 0; r < N; ++r) {
    if (!valid[r]) continue;
    const float* p = in.output + r * K;
    const float* y = in.target ? in.target + r * K : nullptr;
    double v = 0.0;
    switch (kind) {
      case MetricKind::BinaryAccuracy: {
        const float threshold = from_logits ? 0.0f : 0.5f;
        for (int64_t k = 0; k < K; ++k) v += (p[k] > threshold ? 1.0f : 0.0f) == y[k] ? 1.0 : 0.0;
        v /= K;
        break;
      }
      case MetricKind::CategoricalAccuracy:
      case MetricKind::SparseCategoricalAccuracy:
        v = argmax(p, K) == (in.ids ? int64_t(in.ids[r]) : argmax(y, K)) ? 1.0 : 0.0;
        break;
      case MetricKind::MeanSquaredError:
        for (int64_t k = 0; k < K; ++k) v += (double(p[k]) - y[k]) * (double(p[k]) - y[k]);
        v /= K;
        break;
      case MetricKind::MeanAbsoluteError:
        for (int64_t k = 0; k < K; ++k) v += std::fabs(double(p[k]) - y[k]);
        v /= K;
        break;
    }
    sum += v;
  }
  return sum;
}

}  // namespace graph
}  // namespace recurrent
