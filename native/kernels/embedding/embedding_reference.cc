// The reference backend's embedding ops: the plain loops on the calling thread.
#include "kernels/embedding/embedding_plain.h"
#include "kernels/reference_backend.h"

namespace recurrent {

void ReferenceBackend::gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D) {
  plain::gather_rows(table, ids, y, D, 0, N);
}
void ReferenceBackend::scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) {
  plain::scatter_add_rows(dy, ids, dtable, N, D);
}
void ReferenceBackend::gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D,
                                      int64_t V) {
  plain::gather_columns(table, V, ids, y, D, 0, N);
}
void ReferenceBackend::scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D,
                                           int64_t V) {
  plain::scatter_add_columns(dy, ids, dtable, N, D, V, 0, D);
}
void ReferenceBackend::mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) { plain::mask_nonzero(ids, mask, 0, n); }

}  // namespace recurrent
