// The AMX bfloat16 GEMM table (Intel Sapphire Rapids and later), compiled with
// -mamx-tile -mamx-bf16 -mavx512bf16 on top of the AVX-512 flags (set per file by
// binding.gyp and CMakeLists.txt from native/sources.json). Everything here has internal
// linkage. The process asked the kernel for the tile state when it detected the CPU
// (runtime/cpu_features.cc).
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/gemm_bf16_kernels.h"

namespace recurrent {
namespace cpu {
namespace {

#include "kernels/gemm/gemm_bf16_pack_impl.h"
#include "kernels/gemm/gemm_bf16_amx_impl.h"

}  // namespace

const Bf16Kernels& bf16_kernels_amx() {
  static const Bf16Kernels table{Isa::Amx, kAmxMr, 32, 32, &amx_begin, &amx_end, &amx_pack_a, &bf16_pack_b,
                                 &amx_tile_any};
  return table;
}

}  // namespace cpu
}  // namespace recurrent
