// The CUDA backend's attention-score ops (semantics: kernels/backend.h): score masking and
// additive scores through the plain loops of attention_plain.h, one score row per device
// thread; the additive backward one output element per thread (dq by query and feature,
// dk by key and feature, dw by feature), each summing in double in a fixed order, and the
// scalar gradients (w scalar, the inner scale) as ordered chunked sums.
#include "kernels/attention/attention_plain.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"

namespace recurrent {
namespace cuda_ops {

void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv, Stream s) {
  simt::for_each(B * Tq, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) {
    plain::mask_scores(scores, key_mask, causal, Tq, Tv, r, r + 1);
  });
}

void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B, int64_t Tq,
                     int64_t Tv, int64_t D, float* scores, Stream s) {
  simt::for_each(B * Tq, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t r) {
    plain::additive_scores<float>(q, k, w, w_scalar, inner, Tq, Tv, D, scores, r, r + 1);
  });
}

namespace {

// The parts of the additive backward at one (b, i, j, d): tanh, and g = ds w_d (1 - t^2).
struct AdditiveTerm {
  double t, g, sum;
};
SIMT_DEVICE AdditiveTerm additive_term(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                       const float* ds, int64_t Tq, int64_t Tv, int64_t D, int64_t b, int64_t i,
                                       int64_t j, int64_t d) {
  const double sum = double(q[(b * Tq + i) * D + d]) + k[(b * Tv + j) * D + d];
  const double t = std::tanh(double(inner) * sum);
  const double g = double(ds[(b * Tq + i) * Tv + j]) * w[w_scalar ? 0 : d] * (1.0 - t * t);
  return {t, g, sum};
}

}  // namespace

void additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                              const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq, float* dk,
                              float* dw, float* dc, double* partial, double* sums, Stream s) {
  const simt::Stream st = static_cast<simt::Stream>(s);
  const double c = inner;
  if (dq)
    simt::for_each(B * Tq * D, st, SIMT_LAMBDA(int64_t e) {
      const int64_t b = e / (Tq * D), i = (e / D) % Tq, d = e % D;
      double acc = 0.0;
      for (int64_t j = 0; j < Tv; ++j) acc += c * additive_term(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, i, j, d).g;
      dq[e] = static_cast<float>(acc);
    });
  if (dk)
    simt::for_each(B * Tv * D, st, SIMT_LAMBDA(int64_t e) {
      const int64_t b = e / (Tv * D), j = (e / D) % Tv, d = e % D;
      double acc = 0.0;
      for (int64_t i = 0; i < Tq; ++i) acc += c * additive_term(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, i, j, d).g;
      dk[e] = static_cast<float>(acc);
    });
  const int64_t terms = B * Tq * Tv * D;  // index ((b * Tq + i) * Tv + j) * D + d
  if (dw && !w_scalar)
    simt::for_each(D, st, SIMT_LAMBDA(int64_t d) {
      double acc = 0.0;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < Tq; ++i)
          for (int64_t j = 0; j < Tv; ++j) acc += additive_term(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, i, j, d).t *
                                                  ds[(b * Tq + i) * Tv + j];
      dw[d] = static_cast<float>(dw[d] + acc);
    });
  if (dw && w_scalar) {
    simt::chunked_sum(terms, kSumChunk, st, SIMT_LAMBDA(int64_t x) -> double {
      const int64_t d = x % D, j = (x / D) % Tv, i = (x / (D * Tv)) % Tq, b = x / (D * Tv * Tq);
      return additive_term(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, i, j, d).t * ds[(b * Tq + i) * Tv + j];
    }, partial, sums);
    simt::for_each(1, st, SIMT_LAMBDA(int64_t) { dw[0] = static_cast<float>(dw[0] + sums[0]); });
  }
  if (dc) {
    simt::chunked_sum(terms, kSumChunk, st, SIMT_LAMBDA(int64_t x) -> double {
      const int64_t d = x % D, j = (x / D) % Tv, i = (x / (D * Tv)) % Tq, b = x / (D * Tv * Tq);
      const AdditiveTerm a = additive_term(q, k, w, w_scalar, inner, ds, Tq, Tv, D, b, i, j, d);
      return a.g * a.sum;
    }, partial, sums + 1);
    simt::for_each(1, st, SIMT_LAMBDA(int64_t) { dc[0] = static_cast<float>(dc[0] + sums[1]); });
  }
}

}  // namespace cuda_ops
}  // namespace recurrent
