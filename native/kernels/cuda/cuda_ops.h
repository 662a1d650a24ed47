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
//
// Ops that return a sum on the Backend table here leave it in device memory (`result`, or
// `sums`, one double each) and take a scratch `partial` of partial_count(n, chunk) doubles,
// n the elements or rows summed and chunk kSumChunk (element sums) or 1 (row sums).
#pragma once
#include <cstdint>

#include "kernels/loss/loss.h"
#include "kernels/loss/sampled_softmax.h"
#include "kernels/optimizer/optimizer_update.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace cuda_ops {

using Stream = void*;  // a cudaStream_t on the device; ignored by the emulation

constexpr int64_t kSumChunk = 1024;  // elements per thread of an ordered element sum
inline int64_t partial_count(int64_t n, int64_t chunk) { return n > 0 ? (n + chunk - 1) / chunk : 0; }

// ---- tensor/tensor_cuda.cu
void fill(float* y, float value, int64_t n, Stream stream);
void add(const float* a, const float* b, float* y, int64_t n, Stream stream);
void subtract(const float* a, const float* b, float* y, int64_t n, Stream stream);
void multiply(const float* a, const float* b, float* y, int64_t n, Stream stream);
void scale(const float* x, float alpha, float* y, int64_t n, Stream stream);
void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C, Stream stream);
// Summed in double, r ascending, per column (bitwise the reference's result).
void column_sums_add(const float* x, float* y, int64_t R, int64_t C, Stream stream);
void fill_u8(uint8_t* y, uint8_t value, int64_t n, Stream stream);
void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, Stream stream);
void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width,
                  bool accumulate, Stream stream);
void reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F, Stream stream);
void transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C, Stream stream);
void repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F, Stream stream);
void sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F, Stream stream);
void scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F, Stream stream);
void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F, Stream stream);
void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R, int64_t F,
             Stream stream);
void row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F, Stream stream);
void scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate, Stream stream);
void sum_squares(const float* x, int64_t n, double* partial, double* result, Stream stream);  // chunk kSumChunk
void l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C, Stream stream);
void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R, int64_t C,
                                Stream stream);

// ---- embedding/embedding_cuda.cu
void gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, Stream stream);
void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D, Stream stream);
void gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V, Stream stream);
void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D, int64_t V,
                         Stream stream);
void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n, Stream stream);

// ---- gemm/gemm_cuda.cu: tiled float32 (the exact path) and TF32 on the tensor cores.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream stream);
// gemm (and every op's product, the recurrent layer's included, except the persistent
// forward's own dot products) runs on the TF32 path while this process-wide switch is on
// (off by default: PyTorch's torch.backends.cuda.matmul.allow_tf32; the backends set it from
// RECURRENT_CUDA_TF32=1 when they are made).
void set_tensor_core_gemm(bool on);
bool tensor_core_gemm();
// The same on the tensor cores with TF32 operands (10 mantissa bits) and float sums.
void gemm_tf32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc, Stream stream);
void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc,
                  int64_t stride_c, int64_t count, Stream stream);

// ---- activation/activation_cuda.cu: softmax one block per row, warp-shuffle reductions.
void softmax_rows(const float* x, float* y, int64_t R, int64_t C, Stream stream);
void activation(Activation act, const float* x, float* y, int64_t n, Stream stream);
void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n, Stream stream);
void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C, Stream stream);

// ---- attention/attention_cuda.cu (additive backward: chunk kSumChunk over B*Tq*Tv*D,
// sums[0..1] scratch).
void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv, Stream stream);
void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B, int64_t Tq,
                     int64_t Tv, int64_t D, float* scores, Stream stream);
void additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                              const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq, float* dk,
                              float* dw, float* dc, double* partial, double* sums, Stream stream);

// ---- dropout/dropout_cuda.cu
void dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream_id, float* out, int64_t n, Stream stream);

// ---- loss/loss_cuda.cu (row weights: chunk kSumChunk over B*T*S; the others: chunk 1 over rows).
void loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S, float* weight,
                      uint8_t* valid, double* partial, double* count, Stream stream);
void loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows, float* doutput,
                           double* partial, double* sum, Stream stream);
void metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid, double* partial,
                double* sum, Stream stream);
void sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled, double* partial, double* sum,
                          Stream stream);

// ---- optimizer/optimizer_cuda.cu (regularize: chunk kSumChunk; sums[0] sum |w|, sums[1] sum w^2).
void regularize(const float* value, float* grad, int64_t n, float l1, float l2, double* partial, double* sums,
                Stream stream);
void scale_in_double(float* x, double factor, int64_t n, Stream stream);
void clip_values(float* x, float limit, int64_t n, Stream stream);
void optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                      const float* grad, float* slot0, float* slot1, int64_t n, Stream stream);

// ---- rnn/rnn_cuda.cu: the whole-sequence recurrent layer (float32; bfloat16 is refused
// with std::invalid_argument). The cache holds rnn_cache_size(config) floats; forward
// fills it and backward reads it. Backward also takes a scratch workspace of
// rnn_backward_workspace_size(config) floats (contents undefined on entry and after).
int64_t rnn_cache_size(const RnnConfig& config);
// The layer's two paths, forward and backward: Stepwise (per step a GEMM and a fused kernel)
// and Persistent (one cooperative launch for the whole sequence, the recurrent kernel kept
// on chip; not for GRU with reset_after false). Auto, the default, takes the persistent one
// for batches up to 8 where the layer fits the device's resident blocks. The forward paths
// give the same bits; the persistent backward sums dG U^T by block (the same bits run to
// run, float rounding off the stepwise ones). The setting is for tests and benchmarks (one
// per process); max_units_per_block > 0 spreads the persistent kernels' units over more
// blocks than they need. rnn_path_for tells the forward's choice.
enum class RnnPath { Auto, Stepwise, Persistent };
void set_rnn_path(RnnPath path, int64_t max_units_per_block = 0);
RnnPath rnn_path_for(const RnnConfig& config);
void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io, float* cache,
                 Stream stream);
int64_t rnn_backward_workspace_size(const RnnConfig& config);
void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& inputs,
                  const float* cache, const RnnBackwardIO<float>& grads, float* workspace, Stream stream);

}  // namespace cuda_ops
}  // namespace recurrent
