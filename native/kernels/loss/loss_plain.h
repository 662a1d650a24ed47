// The per-row formulas of the losses and metrics (semantics: loss.h), shared by both
// backends: the reference runs the rows in order on one thread, the CPU backend splits
// them over the thread pool and sums the rows' values in row order.
#pragma once
#include "common/portable.h"
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/loss/loss.h"

namespace recurrent {
namespace plain {

constexpr double kEpsilon = 1e-7;  // Keras backend.epsilon()

// l_row and d l_row / d output (scaled by `scale`) for one row.
RECURRENT_HD inline double row_loss(LossKind kind, bool from_logits, bool fused, const float* p, const float* y, int32_t id,
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
          const double eps = kEpsilon;  // a value, not a reference to the constant (device code)
          const double c = std::min(std::max(q, eps), 1.0 - eps);
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
        const double eps = kEpsilon;
        const double q = std::min(std::max(double(p[k]) / s, eps), 1.0 - eps);
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

// w_row * l_row of row r, and its gradient (scaled by w_row / count and the loss weight)
// into doutput's row when doutput is not null; masked rows (weight 0) get a zero gradient.
RECURRENT_HD inline double weighted_row_loss(LossKind kind, bool from_logits, bool fused, const LossRows& in, float* doutput,
                                int64_t r) {
  const int64_t K = in.width;
  const double w = in.row_weight[r];
  float* dp = doutput ? doutput + r * K : nullptr;
  if (w == 0.0) {
    if (dp)
      for (int64_t k = 0; k < K; ++k) dp[k] = 0.0f;
    return 0.0;
  }
  const double inv_count = in.count > 0 ? 1.0 / in.count : 0.0;
  return w * row_loss(kind, from_logits, fused, in.output + r * K, in.target ? in.target + r * K : nullptr,
                      in.ids ? in.ids[r] : 0, K, w * inv_count * in.gradient_scale, dp);
}

RECURRENT_HD inline int64_t argmax(const float* v, int64_t K) {
  int64_t best = 0;
  for (int64_t k = 1; k < K; ++k)
    if (v[k] > v[best]) best = k;
  return best;
}

// The metric's value on row r (valid rows only).
RECURRENT_HD inline double row_metric(MetricKind kind, bool from_logits, const LossRows& in, int64_t r) {
  const int64_t K = in.width;
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
  return v;
}

// Rows [begin, end) of Backend::loss_row_weights (the count is summed by the caller).
RECURRENT_HD inline void loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t T, int64_t S, float* weight,
                             uint8_t* valid, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t b = r / (T * S), t = (r / S) % T;
    const bool ok = mask == nullptr || mask[b * T + t] != 0;
    valid[r] = ok;
    weight[r] = ok ? (sample_weight ? sample_weight[b] : 1.0f) : 0.0f;
  }
}

}  // namespace plain
}  // namespace recurrent
