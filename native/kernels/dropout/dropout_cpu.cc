// The CPU backend's dropout factors: split over the thread pool (each element depends on
// its index alone, so the bits do not depend on the split).
#include "kernels/cpu/cpu_backend.h"
#include "kernels/dropout/dropout_mask.h"
#include "runtime/thread_pool.h"

namespace recurrent {

void CpuBackend::dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out, int64_t n) {
  parallel_for_each_range(n, int64_t(1) << 13, [&](int64_t begin, int64_t end) {
    dropout::dropout_factors_range(rate, seed, step, stream, out, begin, end);
  });
}

}  // namespace recurrent
