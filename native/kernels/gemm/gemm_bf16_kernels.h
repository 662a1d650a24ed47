// The per-ISA parts of the bfloat16 GEMM (gemm_bf16.h): packing float32 operands into
// bfloat16 panels and the register- or tile-blocked inner kernel. One table per ISA that
// has bfloat16 dot products (isa_avx512_bf16.cc, isa_amx.cc); gemm_bf16_cpu.cc drives them.
//
// Layouts. B: for each k-block, panels of 16 columns, each [kp / 2][16][2] (VNNI: the two
// k of a pair side by side), kp the block's depth padded with zeros to a multiple of
// k_align, columns past n zero. A: per kernel (pack_a), in panels of mr rows, each
// kp * mr bfloat16, rows past the last zero.
#pragma once
#include <cstdint>

#include "runtime/cpu_features.h"

namespace recurrent {
namespace cpu {

struct Bf16Kernels {
  Isa isa;
  int mr;       // rows of C per tile call
  int nr;       // columns of C per tile call: nr / 16 consecutive B panels
  int k_align;  // a k-block's depth is padded to a multiple of this
  // Before and after a run of tile calls on one thread (AMX: load and release the tile
  // configuration; nothing for AVX512-BF16).
  void (*begin)();
  void (*end)();
  // op(A)[i0 : i0 + mc, k0 : k0 + kc] into ceil(mc / mr) panels at out.
  void (*pack_a)(bool trans, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, int64_t kp,
                 uint16_t* out);
  // op(B)[k0 : k0 + kc, j0 : j1) (op(B) is [k, n]; j0 a multiple of 16) into the panels of
  // those columns, one after the other at out.
  void (*pack_b)(bool trans, const float* b, int64_t ldb, int64_t n, int64_t k0, int64_t kc, int64_t kp, int64_t j0,
                 int64_t j1, uint16_t* out);
  // c[rows, cols] (row stride ldc) = (accumulate ? c : 0) + A panel * B panels over one
  // k-block of depth kp, 1 <= rows <= mr, 1 <= cols <= nr. Products of bfloat16 are exact
  // in float32; the sums are float32.
  void (*tile)(int64_t kp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, bool accumulate, int rows,
               int cols);
};

#if defined(RECURRENT_HAVE_X86_ISAS)
const Bf16Kernels& bf16_kernels_avx512();
const Bf16Kernels& bf16_kernels_amx();
// Whether this binary has the AMX level (its compiler knew -mamx-tile and -mamx-bf16).
bool amx_kernels_built();
#endif

}  // namespace cpu
}  // namespace recurrent
