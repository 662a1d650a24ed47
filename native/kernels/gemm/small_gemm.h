// The unpacked small-matrix product of a recurrent step with few units: one thread's rows
// of h_prev [rows, H] times the whole recurrent kernel [H, G*H] (or dG [rows, G*H] times
// its transpose), with B read in place: it is a few kilobytes, in L1 for the whole
// sequence, so packing it (or A) would cost more than it saves. One per ISA (CpuKernels).
#pragma once
#include <cstdint>

namespace recurrent {
namespace cpu {

// Depth of one k-block of every CPU GEMM: each element of C is one fused multiply-add
// chain over the k of a block, in ascending order, and the blocks' sums are added to C
// one after the other. The packed GEMM and the small one share it, so that both give the
// same bits for the same product.
constexpr int64_t kGemmBlockK = 256;

// c[rows, n] (row stride ldc) = (accumulate ? c : 0) + a[rows, k] (row stride lda) *
// b[k, n] (row stride ldb), every element summed as described above.
using SmallGemmFn = void (*)(int64_t rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                             int64_t ldb, float* c, int64_t ldc, bool accumulate);

}  // namespace cpu
}  // namespace recurrent
