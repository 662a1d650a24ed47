// The scalar kernel table: the shared kernel templates compiled over simd_scalar.h
// (no extra flags, set per file by binding.gyp and CMakeLists.txt from native/sources.json).
#include <cstdint>

#include "common/cell_math.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/simd_scalar.h"

namespace recurrent {
namespace cpu {
namespace {

constexpr int kGemmMr = 4;  // micro-kernel rows
constexpr int kGemmNv = 4;  // micro-kernel column vectors
constexpr int kSmallGemmRows = 4;  // small unpacked GEMM: rows per register tile
constexpr int kSmallGemmVectors = 4;  // and column vectors

#include "kernels/gemm/gemm_microkernel_impl.h"
#include "kernels/gemm/small_gemm_impl.h"
#include "kernels/activation/activation_kernels_impl.h"
#include "kernels/rnn/cell_kernels_impl.h"
#include "kernels/cpu/kernel_table_impl.h"

}  // namespace

const CpuKernels& kernels_scalar() {
  static const CpuKernels table = make_kernel_table(Isa::Scalar);
  return table;
}

}  // namespace cpu
}  // namespace recurrent
