// The CUDA backend's op table: every op of kernels/backend.h forwarded to its kernels
// (kernels/cuda/cuda_ops.h, one stream), over a memory policy `Memory` (a Backend that
// implements allocate, release, upload, download and copy):
//   EmulatedCudaBackend (emulated_cuda_backend.h, "cuda-emulated"): host memory, the
//     kernels compiled for the host and run under the SIMT emulation. Built into the main
//     addon so that the cross-backend test (test/graph_backends.test.ts) trains every graph
//     on the CUDA kernels in CI, without a GPU.
//   the device backend: device memory and a cudaStream_t (the CUDA addon).
// Sums the table returns as doubles are computed on the device into a scratch buffer the
// backend keeps (grown to the largest call, counted in memory()) and read back from there.
// RECURRENT_CUDA_TF32=1, read when a backend is made, runs the products in TF32 on the
// tensor cores (cuda_ops::set_tensor_core_gemm); else they are float32.
#pragma once
#include <cstdlib>
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/cuda_ops.h"

namespace recurrent {

template <class Memory>
class CudaOpsBackend : public Memory {
 public:
  // RECURRENT_CUDA_TF32=1 puts the products on the tensor cores (TF32), for this process.
  CudaOpsBackend() {
    const char* tf32 = std::getenv("RECURRENT_CUDA_TF32");
    cuda_ops::set_tensor_core_gemm(tf32 != nullptr && std::string(tf32) == "1");
  }

  void fill(float* y, float value, int64_t n) override { cuda_ops::fill(y, value, n, stream_); }
  void fill_u8(uint8_t* y, uint8_t value, int64_t n) override { cuda_ops::fill_u8(y, value, n, stream_); }
  void add(const float* a, const float* b, float* y, int64_t n) override { cuda_ops::add(a, b, y, n, stream_); }
  void subtract(const float* a, const float* b, float* y, int64_t n) override { cuda_ops::subtract(a, b, y, n, stream_); }
  void multiply(const float* a, const float* b, float* y, int64_t n) override { cuda_ops::multiply(a, b, y, n, stream_); }
  void scale(const float* x, float alpha, float* y, int64_t n) override { cuda_ops::scale(x, alpha, y, n, stream_); }
  void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) override {
    cuda_ops::mask_and(a, b, y, n, stream_);
  }
  void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width,
                    bool accumulate) override {
    cuda_ops::copy_columns(src, src_stride, dst, dst_stride, rows, width, accumulate, stream_);
  }
  void reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F) override {
    cuda_ops::reverse_time(x, y, B, T, F, stream_);
  }
  void transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C) override {
    cuda_ops::transpose(x, y, B, R, C, stream_);
  }
  void repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F) override {
    cuda_ops::repeat_rows(x, y, B, n, F, stream_);
  }
  void sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F) override {
    cuda_ops::sum_repeats(dy, dx, B, n, F, stream_);
  }
  void scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F) override {
    cuda_ops::scale_sequences(x, factor, y, B, T, F, stream_);
  }
  void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F) override {
    cuda_ops::apply_row_mask(x, mask, y, R, F, stream_);
  }
  void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R,
               int64_t F) override {
    cuda_ops::masking(x, value, mask_in, y, mask_out, R, F, stream_);
  }

  void column_sums_add(const float* x, float* y, int64_t R, int64_t C) override {
    cuda_ops::column_sums_add(x, y, R, C, stream_);
  }
  void row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F) override {
    cuda_ops::row_dots(a, b, y, R, F, stream_);
  }
  void scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate) override {
    cuda_ops::scale_rows(x, factor, y, R, F, accumulate, stream_);
  }
  double sum_squares(const float* x, int64_t n) override {
    double* s = sums(cuda_ops::partial_count(n, cuda_ops::kSumChunk));
    cuda_ops::sum_squares(x, n, s + 2, s, stream_);
    return read(s, 0);
  }
  void l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C) override {
    cuda_ops::l2_normalize_rows(x, y, norm, R, C, stream_);
  }
  void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R,
                                  int64_t C) override {
    cuda_ops::l2_normalize_rows_backward(y, norm, dy, dx, R, C, stream_);
  }

  void gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D) override {
    cuda_ops::gather_rows(table, ids, y, N, D, stream_);
  }
  void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) override {
    cuda_ops::scatter_add_rows(dy, ids, dtable, N, D, stream_);
  }
  void gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V) override {
    cuda_ops::gather_columns(table, ids, y, N, D, V, stream_);
  }
  void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D,
                           int64_t V) override {
    cuda_ops::scatter_add_columns(dy, ids, dtable, N, D, V, stream_);
  }
  void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) override { cuda_ops::mask_nonzero(ids, mask, n, stream_); }

  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) override {
    cuda_ops::gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, stream_);
  }
  void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                    int64_t ldc, int64_t stride_c, int64_t count) override {
    cuda_ops::gemm_batched(trans_a, trans_b, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta, c, ldc, stride_c,
                           count, stream_);
  }
  void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C) override {
    cuda_ops::broadcast_rows(bias, y, R, C, stream_);
  }

  void activation(Activation act, const float* x, float* y, int64_t n) override {
    cuda_ops::activation(act, x, y, n, stream_);
  }
  void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n) override {
    cuda_ops::activation_backward(act, y, dy, dx, n, stream_);
  }
  void softmax_rows(const float* x, float* y, int64_t R, int64_t C) override { cuda_ops::softmax_rows(x, y, R, C, stream_); }
  void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) override {
    cuda_ops::softmax_rows_backward(y, dy, dx, R, C, stream_);
  }

  void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv) override {
    cuda_ops::mask_scores(scores, key_mask, causal, B, Tq, Tv, stream_);
  }
  void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B, int64_t Tq,
                       int64_t Tv, int64_t D, float* scores) override {
    cuda_ops::additive_scores(q, k, w, w_scalar, inner, B, Tq, Tv, D, scores, stream_);
  }
  void additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq, float* dk,
                                float* dw, float* dc) override {
    double* s = sums(cuda_ops::partial_count(B * Tq * Tv * D, cuda_ops::kSumChunk));
    cuda_ops::additive_scores_backward(q, k, w, w_scalar, inner, ds, B, Tq, Tv, D, dq, dk, dw, dc, s + 2, s, stream_);
  }

  int64_t rnn_cache_size(const RnnConfig& config) override { return cuda_ops::rnn_cache_size(config); }
  void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io,
                   float* cache) override {
    cuda_ops::rnn_forward(config, weights, io, cache, stream_);
  }
  void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& inputs,
                    const float* cache, const RnnBackwardIO<float>& grads) override {
    float* workspace = rnn_workspace_.ensure(cuda_ops::rnn_backward_workspace_size(config));
    cuda_ops::rnn_backward(config, weights, inputs, cache, grads, workspace, stream_);
  }

  void dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out, int64_t n) override {
    cuda_ops::dropout_factors(rate, seed, step, stream, out, n, stream_);
  }

  double loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S,
                          float* weight, uint8_t* valid) override {
    double* s = sums(cuda_ops::partial_count(B * T * S, cuda_ops::kSumChunk));
    cuda_ops::loss_row_weights(mask, sample_weight, B, T, S, weight, valid, s + 2, s, stream_);
    return read(s, 0);
  }
  double loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows,
                               float* doutput) override {
    double* s = sums(rows.rows);
    cuda_ops::loss_forward_backward(kind, from_logits, fused_softmax, rows, doutput, s + 2, s, stream_);
    return read(s, 0);
  }
  double metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid) override {
    double* s = sums(rows.rows);
    cuda_ops::metric_sum(kind, from_logits, rows, valid, s + 2, s, stream_);
    return read(s, 0);
  }
  double sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled) override {
    double* s = sums(logits.rows);
    cuda_ops::sampled_softmax_loss(logits, dtrue, dsampled, s + 2, s, stream_);
    return read(s, 0);
  }

  double regularize(const float* value, float* grad, int64_t n, float l1, float l2) override {
    double* s = sums(cuda_ops::partial_count(n, cuda_ops::kSumChunk));
    cuda_ops::regularize(value, grad, n, l1, l2, s + 2, s, stream_);
    return l1 * read(s, 0) + l2 * read(s, 1);
  }
  void scale_in_double(float* x, double factor, int64_t n) override { cuda_ops::scale_in_double(x, factor, n, stream_); }
  void clip_values(float* x, float limit, int64_t n) override { cuda_ops::clip_values(x, limit, n, stream_); }
  void optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                        const float* grad, float* slot0, float* slot1, int64_t n) override {
    cuda_ops::optimizer_update(spec, iterations, learning_rate, value, grad, slot0, slot1, n, stream_);
  }

 protected:
  cuda_ops::Stream stream_ = nullptr;

 private:
  // Two result slots, then `partials` doubles of scratch.
  double* sums(int64_t partials) { return sums_.ensure(partials + 2); }
  double read(const double* s, int i) {
    double v = 0.0;
    this->download(&v, s + i, sizeof v);
    return v;
  }

  DeviceBuffer<double> sums_{this};
  DeviceBuffer<float> rnn_workspace_{this};
};

}  // namespace recurrent
