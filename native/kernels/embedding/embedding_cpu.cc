// The CPU backend's embedding ops: gather and the mask split over the thread pool; the
// scatter-add stays in one ordered loop (repeated ids sum in a fixed order).
#include <algorithm>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/embedding/embedding_plain.h"
#include "runtime/thread_pool.h"

namespace recurrent {

void CpuBackend::gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(D, 1));
  parallel_for_each_range(N, grain, [&](int64_t b, int64_t e) { plain::gather_rows(table, ids, y, D, b, e); });
}
void CpuBackend::scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) {
  plain::scatter_add_rows(dy, ids, dtable, N, D);
}
void CpuBackend::mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) {
  parallel_for_each_range(n, int64_t(1) << 15, [&](int64_t b, int64_t e) { plain::mask_nonzero(ids, mask, b, e); });
}

}  // namespace recurrent
