// The AMX bfloat16 GEMM table (Intel Sapphire Rapids and later), compiled with
// -mamx-tile -mamx-bf16 -mavx512bf16 on top of the AVX-512 flags (set per file by
// binding.gyp and CMakeLists.txt from native/sources.json). Everything here has internal
// linkage. The process asked the kernel for the tile state when it detected the CPU
// (runtime/cpu_features.cc). A compiler without AMX support (GCC before 11, as in the
// release build root) gets no -mamx flags (native/sources.js drops them): this level is then
// not built, amx_kernels_built() says so and the CPU's best other level is used.
#include <immintrin.h>

#include <cstdint>
#include <stdexcept>

#include "kernels/gemm/gemm_bf16_kernels.h"

namespace recurrent {
namespace cpu {

#if defined(__AMX_TILE__) && defined(__AMX_BF16__)
namespace {

#include "kernels/gemm/gemm_bf16_pack_impl.h"
#include "kernels/gemm/gemm_bf16_amx_impl.h"

}  // namespace

const Bf16Kernels& bf16_kernels_amx() {
  static const Bf16Kernels table{Isa::Amx, kAmxMr, 32, 32, &amx_begin, &amx_end, &amx_pack_a, &bf16_pack_b,
                                 &amx_tile_any};
  return table;
}

bool amx_kernels_built() { return true; }
#else
const Bf16Kernels& bf16_kernels_amx() {
  throw std::logic_error("the AMX kernels were not built: the compiler lacked -mamx-tile/-mamx-bf16");
}

bool amx_kernels_built() { return false; }
#endif

}  // namespace cpu
}  // namespace recurrent
