// The avx2 kernel table: the shared kernel templates compiled over simd_avx2.h
// (-mavx2 -mfma, set per file by binding.gyp and CMakeLists.txt from native/sources.json).
#include <cstdint>

#include "common/cell_math.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/simd_avx2.h"

namespace recurrent {
namespace cpu {
namespace {

constexpr int kGemmMr = 6;  // micro-kernel rows
constexpr int kGemmNv = 2;  // micro-kernel column vectors
constexpr int kSmallGemmRows = 3;  // small unpacked GEMM: rows per register tile
constexpr int kSmallGemmVectors = 3;  // and column vectors

#include "kernels/gemm/gemm_microkernel_impl.h"
#include "kernels/gemm/small_gemm_impl.h"
#include "kernels/activation/activation_kernels_impl.h"
#include "kernels/rnn/cell_kernels_impl.h"
#include "kernels/cpu/kernel_table_impl.h"

}  // namespace

const CpuKernels& kernels_avx2() {
  static const CpuKernels table = make_kernel_table(Isa::Avx2);
  return table;
}

}  // namespace cpu
}  // namespace recurrent
