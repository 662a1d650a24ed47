// The AVX512-BF16 bfloat16 GEMM table (AMD Zen 4, Intel Cooper Lake and later), compiled
// with -mavx512bf16 on top of the AVX-512 flags (set per file by binding.gyp and
// CMakeLists.txt from native/sources.json). Everything here has internal linkage.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/gemm_bf16_kernels.h"

namespace recurrent {
namespace cpu {
namespace {

#include "kernels/gemm/gemm_bf16_pack_impl.h"
#include "kernels/gemm/gemm_bf16_avx512_impl.h"

}  // namespace

const Bf16Kernels& bf16_kernels_avx512() {
  static const Bf16Kernels table{Isa::Avx512Bf16, kDpMr, 32, 2, &dp_nothing, &dp_nothing, &dp_pack_a, &bf16_pack_b,
                                 &dp_tile_any};
  return table;
}

}  // namespace cpu
}  // namespace recurrent
