// The CUDA backend's embedding ops (semantics: kernels/backend.h; declared in
// kernels/cuda/cuda_ops.h): gathers one element per device thread; the scatter-adds with
// one thread per table column (rows) or table row (columns), each adding its ids' values in
// ascending order, so a repeated id sums exactly as the reference's plain loop does.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/embedding/embedding_plain.h"

namespace recurrent {
namespace cuda_ops {

void gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, Stream s) {
  simt::for_each(N * D, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t e) {
    y[e] = table[int64_t(ids[e / D]) * D + e % D];
  });
}
void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D, Stream s) {
  simt::for_each(D, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t d) {
    for (int64_t i = 0; i < N; ++i) dtable[int64_t(ids[i]) * D + d] += dy[i * D + d];
  });
}
void gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V, Stream s) {
  simt::for_each(N * D, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t e) {
    y[e] = table[(e % D) * V + ids[e / D]];
  });
}
void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D, int64_t V, Stream s) {
  simt::for_each(D, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t d) {
    plain::scatter_add_columns(dy, ids, dtable, N, D, V, d, d + 1);
  });
}
void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n, Stream s) {
  simt::for_each(n, static_cast<simt::Stream>(s), SIMT_LAMBDA(int64_t i) { plain::mask_nonzero(ids, mask, i, i + 1); });
}

}  // namespace cuda_ops
}  // namespace recurrent
