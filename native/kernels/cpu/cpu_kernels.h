// The CPU op set: one table of function pointers per instruction set. isa_scalar.cc,
// isa_avx2.cc and isa_avx512.cc each compile the same kernel templates (over their own
// vector type) with their own -m flags and fill one table; dispatch.cc picks the table
// at load time.
#pragma once
#include <cstdint>

#include "common/activation.h"
#include "kernels/rnn/cell_kernels.h"
#include "kernels/gemm/gemm_bf16_kernels.h"
#include "kernels/gemm/gemm_microkernel.h"
#include "kernels/gemm/small_gemm.h"
#include "runtime/cpu_features.h"

namespace recurrent {
namespace cpu {

struct CpuKernels {
  Isa isa;
  GemmMicrokernel gemm;
  SmallGemmFn small_gemm;
  // y[i] = act(x[i]); x and y may alias.
  void (*activation)(Activation act, const float* x, float* y, int64_t n);
  // dx[i] = dy[i] * act'(y[i]) from the output y; dx and dy may alias.
  void (*activation_backward)(Activation act, const float* y, const float* dy, float* dx, int64_t n);
  void (*exp)(const float* x, float* y, int64_t n);
  void (*log)(const float* x, float* y, int64_t n);
  // Row-wise softmax of x [rows, cols] into y; x and y may alias.
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t cols);
  CellKernels cells;
  // The bfloat16 GEMM's kernels at the avx512bf16 and amx levels; null below them.
  const Bf16Kernels* bf16;
};

const CpuKernels& kernels_scalar();
#if defined(RECURRENT_HAVE_X86_ISAS)
const CpuKernels& kernels_avx2();
const CpuKernels& kernels_avx512();
#endif

}  // namespace cpu
}  // namespace recurrent
