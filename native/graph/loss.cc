#include "graph/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/thread_pool.h"

namespace recurrent {
namespace graph {
namespace {

constexpr double kEpsilon = 1e-7;  // Keras backend.epsilon()

// l_row and d l_row / d output (scaled by `scale`) for one row.
double row_loss(LossKind kind, bool from_logits, bool fused, const float* p, const float* y, int32_t id,
                int64_t K, double scale, float* dp) {
  double l = 0.0;
  switch (kind) {
    case LossKind::MeanSquaredError:
      for (int64_t k = 0; k < K; ++k) {
        const double d = double(p[k]) - y[k];
        l += d * d;
        if (dp) dp[k] = static_cast<float>(scale * 2.0 * d / K);
      }
      return l / K;
    case LossKind::MeanAbsoluteError:
      for (int64_t k = 0; k < K; ++k) {
        const double d = double(p[k]) - y[k];
        l += std::fabs(d);
        if (dp) dp[k] = static_cast<float>(scale * (d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0) / K);
      }
      return l / K;
    case LossKind::BinaryCrossentropy:
      for (int64_t k = 0; k < K; ++k) {
        const double t = y[k];
        if (from_logits) {
          // max(z, 0) - z t + log(1 + exp(-|z|)); d/dz = sigmoid(z) - t.
          const double z = p[k];
          l += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
          if (dp) dp[k] = static_cast<float>(scale * (1.0 / (1.0 + std::exp(-z)) - t) / K);
        } else {
          const double q = p[k];
          const double c = std::min(std::max(q, kEpsilon), 1.0 - kEpsilon);
          l -= t * std::log(c) + (1.0 - t) * std::log(1.0 - c);
          // The clip passes no gradient outside [eps, 1 - eps].
          const bool inside = q >= kEpsilon && q <= 1.0 - kEpsilon;
          if (dp) dp[k] = inside ? static_cast<float>(scale * (-t / c + (1.0 - t) / (1.0 - c)) / K) : 0.0f;
        }
      }
      return l / K;
    case LossKind::CategoricalCrossentropy:
    case LossKind::SparseCategoricalCrossentropy: {
      const bool sparse = kind == LossKind::SparseCategoricalCrossentropy;
      auto target = [&](int64_t k) { return sparse ? (k == id ? 1.0 : 0.0) : double(y[k]); };
      if (from_logits) {
        double m = p[0];
        for (int64_t k = 1; k < K; ++k) m = std::max(m, double(p[k]));
        double s = 0.0;
        for (int64_t k = 0; k < K; ++k) s += std::exp(double(p[k]) - m);
        const double lse = m + std::log(s);
        double tsum = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          const double t = target(k);
          tsum += t;
          l -= t * (double(p[k]) - lse);
        }
        if (dp)
          for (int64_t k = 0; k < K; ++k)
            dp[k] = static_cast<float>(scale * (tsum * std::exp(double(p[k]) - lse) - target(k)));
        return l;
      }
      // Probabilities: Keras renormalises to sum 1, then clips to [eps, 1 - eps].
      double s = 0.0;
      for (int64_t k = 0; k < K; ++k) s += p[k];
      double tsum = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double t = target(k);
        tsum += t;
        if (t == 0.0) continue;
        const double q = std::min(std::max(double(p[k]) / s, kEpsilon), 1.0 - kEpsilon);
        l -= t * std::log(q);
      }
      if (dp) {
        if (fused) {
          // d/dz of -sum t log softmax(z) = tsum * p - t (the clip ignored: stable).
          for (int64_t k = 0; k < K; ++k) dp[k] = static_cast<float>(scale * (tsum * p[k] - target(k)));
        } else {
          // d/dp_k of -sum_j t_j log(p_j / s) = -t_k / p_k + tsum / s.
          for (int64_t k = 0; k < K; ++k) {
            const double q = double(p[k]) / s;
            const bool inside = q >= kEpsilon && q <= 1.0 - kEpsilon;
            const double t = target(k);
            const double own = (inside && t != 0.0) ? -t / p[k] : 0.0;
            dp[k] = static_cast<float>(scale * (own + tsum / s));
          }
        }
      }
      return l;
    }
  }
  return 0.0;
}

}  // namespace

double loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& in,
                             float* doutput) {
  const int64_t N = in.rows, K = in.width;
  std::vector<double> per_row(static_cast<size_t>(N), 0.0);
  const double inv_count = in.count > 0 ? 1.0 / in.count : 0.0;
  parallel_for_each_range(N, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const double w = in.row_weight[r];
      float* dp = doutput ? doutput + r * K : nullptr;
      if (w == 0.0) {
        if (dp) std::fill(dp, dp + K, 0.0f);
        continue;
      }
      const double l = row_loss(kind, from_logits, fused_softmax, in.output + r * K,
                                in.target ? in.target + r * K : nullptr, in.ids ? in.ids[r] : 0, K, w * inv_count, dp);
      per_row[r] = w * l;
    }
  });
  double sum = 0.0;
  for (double v : per_row) sum += v;
  return sum;
}

}  // namespace graph
}  // namespace recurrent
