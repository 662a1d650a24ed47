// The CUDA backend's dropout factors (semantics: kernels/backend.h): the counter-based bits
// of dropout_mask.h, one element per device thread, the same bits as every backend's.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/dropout/dropout_mask.h"

namespace recurrent {
namespace cuda_ops {

void dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream_id, float* out, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) {
    dropout::dropout_factors_range(rate, seed, step, stream_id, out, i, i + 1);
  });
}

}  // namespace cuda_ops
}  // namespace recurrent
