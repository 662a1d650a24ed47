// The plain loops of the embedding ops, shared by both backends (semantics:
// kernels/backend.h). Ids are checked in [0, V) before any op sees them.
#pragma once
#include "common/portable.h"
#include <cstdint>
#include <cstring>

namespace recurrent {
namespace plain {

// Rows [begin, end): y[i, :] = table[ids[i], :].
RECURRENT_HD inline void gather_rows(const float* table, const int32_t* ids, float* y, int64_t D, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    for (int64_t d = 0; d < D; ++d) y[i * D + d] = table[int64_t(ids[i]) * D + d];
}

// All N rows in order: a repeated id sums its rows in ascending i, which fixes the bits,
// so this loop is not split.
RECURRENT_HD inline void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) {
  for (int64_t i = 0; i < N; ++i) {
    float* row = dtable + int64_t(ids[i]) * D;
    const float* g = dy + i * D;
    for (int64_t d = 0; d < D; ++d) row[d] += g[d];
  }
}

// Columns of a [D, V] table (a Dense kernel seen by class), ids [begin, end):
// y[i, :] = table[:, ids[i]]. y [N, D].
RECURRENT_HD inline void gather_columns(const float* table, int64_t V, const int32_t* ids, float* y, int64_t D, int64_t begin,
                           int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float* column = table + ids[i];
    float* row = y + i * D;
    for (int64_t d = 0; d < D; ++d) row[d] = column[d * V];
  }
}

// Table rows d in [begin, end): dtable[d, ids[i]] += dy[i, d] for i ascending (a repeated
// id sums in that order, whatever the split over d).
RECURRENT_HD inline void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D, int64_t V,
                                int64_t begin, int64_t end) {
  for (int64_t d = begin; d < end; ++d) {
    float* row = dtable + d * V;
    for (int64_t i = 0; i < N; ++i) row[ids[i]] += dy[i * D + d];
  }
}

// Elements [begin, end).
RECURRENT_HD inline void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) mask[i] = ids[i] != 0;
}

}  // namespace plain
}  // namespace recurrent
