// The CPU backend's training ops: the optimizer updates in float as Keras computes them,
// split over the thread pool (each element is updated by one thread, so the bits do not
// depend on the split: a 1M-parameter embedding's update was most of a small model's
// step before it was split); clipping likewise; the regularization penalty in one
// ordered pass.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/optimizer/optimizer_plain.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace {

constexpr int64_t kGrain = int64_t(1) << 14;

}  // namespace

double CpuBackend::regularize(const float* value, float* grad, int64_t n, float l1, float l2) {
  return plain::regularize(value, grad, n, l1, l2);
}

void CpuBackend::scale_in_double(float* x, double factor, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::scale_in_double(x, factor, b, e); });
}

void CpuBackend::clip_values(float* x, float limit, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::clip_values(x, limit, b, e); });
}

void CpuBackend::optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                                  const float* grad, float* slot0, float* slot1, int64_t n) {
  const plain::UpdateCoefficients k = plain::update_coefficients(spec, iterations, learning_rate);
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) {
    plain::optimizer_update_range(spec.kind, spec.nesterov, k, value, grad, slot0, slot1, b, e);
  });
}

}  // namespace recurrent
