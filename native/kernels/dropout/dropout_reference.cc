// The reference backend's dropout factors: every element in order on one thread.
#include "kernels/dropout/dropout_mask.h"
#include "kernels/reference_backend.h"

namespace recurrent {

void ReferenceBackend::dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out,
                                       int64_t n) {
  dropout::dropout_factors_range(rate, seed, step, stream, out, 0, n);
}

}  // namespace recurrent
