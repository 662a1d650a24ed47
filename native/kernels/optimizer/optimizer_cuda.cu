// The CUDA backend's training ops (semantics: kernels/optimizer/optimizer_update.h and
// kernels/backend.h): the float updates and clipping loops of optimizer_plain.h that the
// CPU backend runs, one element per device thread (so the bits are the CPU's); the
// regularization penalty's two sums in ordered chunks, its gradient one element per thread.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/optimizer/optimizer_plain.h"

namespace recurrent {
namespace cuda_ops {

void regularize(const float* value, float* grad, int64_t n, float l1, float l2, double* partial, double* sums, Stream s) {
  const simt::Stream st = static_cast<simt::Stream>(s);
  simt::chunked_sum(n, kSumChunk, st, SIMT_LAMBDA(int64_t i) -> double { return std::fabs(value[i]); }, partial, sums);
  simt::chunked_sum(n, kSumChunk, st, SIMT_LAMBDA(int64_t i) -> double { return double(value[i]) * value[i]; }, partial,
                    sums + 1);
  if (grad)
    simt::for_each(n, st, SIMT_LAMBDA(int64_t i) {
      const float w = value[i];
      grad[i] += l1 * (w > 0 ? 1.0f : w < 0 ? -1.0f : 0.0f) + 2.0f * l2 * w;
    });
}
void scale_in_double(float* x, double factor, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) { plain::scale_in_double(x, factor, i, i + 1); });
}
void clip_values(float* x, float limit, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) { plain::clip_values(x, limit, i, i + 1); });
}
void optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                      const float* grad, float* slot0, float* slot1, int64_t n, Stream s) {
  const plain::UpdateCoefficients k = plain::update_coefficients(spec, iterations, learning_rate);
  const OptimizerKind kind = spec.kind;
  const bool nesterov = spec.nesterov;
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) {
    plain::optimizer_update_range(kind, nesterov, k, value, grad, slot0, slot1, i, i + 1);
  });
}

}  // namespace cuda_ops
}  // namespace recurrent
