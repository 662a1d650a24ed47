// The CPU backend's embedding ops: gather and the mask split over the thread pool; the
// row scatter-add stays in one ordered loop (repeated ids sum in a fixed order); the column
// scatter-add splits the table's rows, each summing its ids in order.
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
void CpuBackend::gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(D, 1));
  parallel_for_each_range(N, grain, [&](int64_t b, int64_t e) { plain::gather_columns(table, V, ids, y, D, b, e); });
}
void CpuBackend::scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D,
                                     int64_t V) {
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(N, 1));
  parallel_for_each_range(D, grain, [&](int64_t b, int64_t e) { plain::scatter_add_columns(dy, ids, dtable, N, D, V, b, e); });
}
void CpuBackend::mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) {
  parallel_for_each_range(n, int64_t(1) << 15, [&](int64_t b, int64_t e) { plain::mask_nonzero(ids, mask, b, e); });
}

}  // namespace recurrent
