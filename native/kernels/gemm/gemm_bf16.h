// The GEMM of mixed precision (RnnConfig::mixed_precision): operands rounded to bfloat16
// (round to nearest even, common/bfloat16.h), products exact and sums in float32, result
// float32, row-major like sgemm (gemm.h):
//   C[M,N] = op(A)[M,K] * op(B)[K,N] + beta * C     (beta == 0: C is not read)
// It runs on the bfloat16 kernels of the active ISA level: AMX tiles at 'amx', AVX512-BF16
// dot products at 'avx512bf16' (kernels/gemm/gemm_bf16_kernels.h). Below those levels
// every entry point throws std::runtime_error with bf16_unavailable_reason().
// Multithreaded on the core pool, except the _serial entry point.
#pragma once
#include <cstdint>
#include <string>
#include <memory>

#include "runtime/cpu_features.h"

namespace recurrent {
namespace cpu {

// Whether the active ISA level has bfloat16 kernels, and if not, why (which CPU feature or
// level is missing), for a clear error.
bool bf16_available();
std::string bf16_unavailable_reason();

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// op(B) [k, n] converted to bfloat16 and packed once for the active level's kernels (a
// recurrent kernel that every time step multiplies by, or a gradient that two products
// share). pack() again reuses the storage when it is large enough.
class PackedMatrixBf16 {
 public:
  PackedMatrixBf16() = default;
  PackedMatrixBf16(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb);
  void pack(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb);
  int64_t rows() const { return k_; }
  int64_t cols() const { return n_; }
  Isa isa() const { return isa_; }
  // The panels of the k-block starting at k0 (a multiple of the block depth).
  const uint16_t* block(int64_t k0) const { return data_.get() + k0 * padded_cols(); }
  int64_t padded_cols() const { return (n_ + 15) / 16 * 16; }

 private:
  int64_t k_ = 0, n_ = 0, capacity_ = 0;
  Isa isa_ = Isa::Scalar;
  std::unique_ptr<uint16_t[]> data_;  // every element written by pack(), padding included
};

// C[M,N] = op(A) * B + beta * C with B packed beforehand (multithreaded).
void gemm_bf16_packed(bool trans_a, int64_t m, const float* a, int64_t lda, const PackedMatrixBf16& b, float beta,
                      float* c, int64_t ldc);

// C_i[M, N_i] = op(A) * B_i + beta * C_i for `count` matrices packed for the same k, on the
// calling thread alone (one thread's share of a recurrent step), A converted once for all.
void gemm_bf16_packed_serial(bool trans_a, int64_t m, const float* a, int64_t lda, int64_t count,
                             const PackedMatrixBf16* const* b, float* const* c, float beta, int64_t ldc);

}  // namespace cpu
}  // namespace recurrent
