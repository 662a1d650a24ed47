// The CUDA backend's ops as host functions, one per op of the Backend table
// (kernels/backend.h: the same names, shapes and semantics), each launching its kernels
// on `stream`. Pointers are device pointers. On the device the calls are asynchronous;
// under the SIMT emulation (kernels/cuda/simt_host.h) the same sources run on the host
// and return when done. Plain C++, so callers need no CUDA headers.
//
// The kernels live beside the other backends' versions of each op, in
// kernels/<group>/<group>_cuda.cu. Exactness: every output element is computed by one
// thread in a fixed order (no atomics), so the results do not vary from run to run;
// sums in float differ from the reference's double sums by float rounding.
#pragma once
#include <cstdint>

#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace cuda_ops {

using Stream = void*;  // a cudaStream_t on the device; ignored by the emulation

// ---- tensor/tensor_cuda.cu
void fill(float* y, float value, int64_t n, Stream stream);
void add(const float* a, const float* b, float* y, int64_t n, Stream stream);
void subtract(const float* a, const float* b, float* y, int64_t n, Stream stream);
void multiply(const float* a, const float* b, float* y, int64_t n, Stream stream);
void scale(const float* x, float alpha, float* y, int64_t n, Stream stream);
void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C, Stream stream);
// Summed in double, r ascending, per column (bitwise the reference's result).
void column_sums_add(const float* x, float* y, int64_t R, int64_t C, Stream stream);

// ---- gemm/gemm_cuda.cu: tiled float32 (the exact path; TF32 tensor cores come later).
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream stream);

// ---- activation/activation_cuda.cu: one block per row, warp-shuffle reductions.
void softmax_rows(const float* x, float* y, int64_t R, int64_t C, Stream stream);

// ---- rnn/rnn_cuda.cu: the whole-sequence recurrent layer (float32; bfloat16 is refused
// with std::invalid_argument). The cache holds rnn_cache_size(config) floats; forward
// fills it and backward reads it. Backward also takes a scratch workspace of
// rnn_backward_workspace_size(config) floats (contents undefined on entry and after).
int64_t rnn_cache_size(const RnnConfig& config);
void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io, float* cache,
                 Stream stream);
int64_t rnn_backward_workspace_size(const RnnConfig& config);
void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& inputs,
                  const float* cache, const RnnBackwardIO<float>& grads, float* workspace, Stream stream);

}  // namespace cuda_ops
}  // namespace recurrent
