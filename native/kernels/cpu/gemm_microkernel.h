// The register-blocked inner kernel of the packed GEMM (gemm.cc), one per ISA.
#pragma once
#include <cstdint>

namespace recurrent {
namespace cpu {

struct GemmMicrokernel {
  int mr;  // rows of C per call
  int nr;  // columns of C per call
  // c[mr, nr] (row stride ldc) = (accumulate ? c : 0) + a_panel * b_panel, where
  // a_panel is packed k-major [k][mr] and b_panel k-major [k][nr].
  void (*run)(int64_t k, const float* a_panel, const float* b_panel, float* c, int64_t ldc,
              bool accumulate);
};

}  // namespace cpu
}  // namespace recurrent
