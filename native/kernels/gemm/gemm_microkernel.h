// The register-blocked inner kernel of the packed GEMM (gemm.cc), one per ISA.
#pragma once
#include <cstdint>

namespace recurrent {
namespace cpu {

// Panels of B one micro-kernel call may span for a tile of `rows` rows (of mr): a single
// row (batch-1 latency) four, a few rows two, else one.
constexpr int gemm_panels_per_call(int rows, int mr) { return rows == 1 ? 4 : rows <= mr / 3 ? 2 : 1; }

struct GemmMicrokernel {
  int mr;  // rows of C per full tile
  int nr;  // columns of C per full tile
  // c[rows, cols] (row stride ldc) = (accumulate ? c : 0) + a_panel * b_panel, for
  // 1 <= rows <= mr and 1 <= cols <= nr; a_panel is packed k-major [k][mr] (only its first
  // `rows` entries of each k are read) and b_panel k-major [k][nr]. cols may be up to
  // gemm_panels_per_call(rows, mr) * nr: the columns past nr come from the next panels,
  // b_stride floats apart (a short tile needs more independent FMA chains). Each element of
  // c is one fused multiply-add chain over k in order, whatever rows and cols are, so an
  // edge tile gives the same bits as a full one.
  void (*run)(int64_t k, const float* a_panel, const float* b_panel, int64_t b_stride, float* c, int64_t ldc,
              bool accumulate, int rows, int cols);
};

}  // namespace cpu
}  // namespace recurrent
