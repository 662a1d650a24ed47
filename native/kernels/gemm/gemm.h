// Single-precision GEMM on the CPU, row-major:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// op(X) is X or X^T; lda/ldb/ldc are row strides of the matrices as stored. beta == 0
// means C is written without being read (NaNs in C do not propagate), as in BLAS.
// Multithreaded on the core pool; the bits do not depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/cpu_features.h"

namespace recurrent {
namespace cpu {

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// op(B) packed once into the active micro-kernel's panel layout, for a weight that many
// products reuse (the recurrent kernel across the time steps of one training step).
class PackedMatrix {
 public:
  PackedMatrix() = default;
  PackedMatrix(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb);
  void pack(bool trans, int64_t k, int64_t n, const float* b, int64_t ldb);
  int64_t rows() const { return k_; }
  int64_t cols() const { return n_; }
  const float* data() const { return data_.data(); }
  int nr() const { return nr_; }
  Isa isa() const { return isa_; }

 private:
  int64_t k_ = 0, n_ = 0;
  int nr_ = 0;
  Isa isa_ = Isa::Scalar;
  std::vector<float> data_;
};

// C[M,N] = alpha * op(A) * B + beta * C with B packed beforehand.
void sgemm_packed(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, const PackedMatrix& b,
                  float beta, float* c, int64_t ldc);

// The products C_i[M, N_i] = alpha * op(A) * B_i + beta * C_i of one A with `count`
// matrices packed for the same k and the active ISA, on the calling thread alone (a member
// of a team that owns the columns of these B_i), packing A once for all of them. Every
// element gets the bits sgemm_packed would give it.
void sgemm_packed_serial(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, int64_t count,
                         const PackedMatrix* const* b, float* const* c, float beta, int64_t ldc);

// The plain reference: a triple loop with double accumulation. Tests compare the fast
// path with it.
void sgemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace cpu
}  // namespace recurrent
