// The CPU backend: the ops of backend.h on today's fast kernels (the per-ISA tables of
// kernels/cpu, the packed GEMM, the whole-sequence recurrent op) and the thread pool where
// the work is large enough to split. Every output element is computed by one thread in
// a fixed order, so the bits do not depend on the thread count. The implementations sit
// in each op's folder, kernels/<group>/<group>_cpu.cc, next to the reference ones.
#pragma once
#include "kernels/host_memory_backend.h"

namespace recurrent {

class CpuBackend final : public HostMemoryBackend {
 public:
  const char* name() const override { return "cpu"; }

  // tensor/tensor_cpu.cc
  void fill(float* y, float value, int64_t n) override;
  void fill_u8(uint8_t* y, uint8_t value, int64_t n) override;
  void add(const float* a, const float* b, float* y, int64_t n) override;
  void subtract(const float* a, const float* b, float* y, int64_t n) override;
  void multiply(const float* a, const float* b, float* y, int64_t n) override;
  void scale(const float* x, float alpha, float* y, int64_t n) override;
  void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) override;
  void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width,
                    bool accumulate) override;
  void reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F) override;
  void transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C) override;
  void repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F) override;
  void sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F) override;
  void scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F) override;
  void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F) override;
  void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R,
               int64_t F) override;
  void column_sums_add(const float* x, float* y, int64_t R, int64_t C) override;
  void row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F) override;
  void scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate) override;
  double sum_squares(const float* x, int64_t n) override;
  void l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C) override;
  void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R,
                                  int64_t C) override;
  void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C) override;

  // embedding/embedding_cpu.cc
  void gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D) override;
  void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) override;
  void gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V) override;
  void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D,
                           int64_t V) override;
  void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) override;

  // gemm/gemm_cpu.cc
  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) override;
  void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta,
                    float* c, int64_t ldc, int64_t stride_c, int64_t count) override;

  // activation/activation_cpu.cc
  void activation(Activation act, const float* x, float* y, int64_t n) override;
  void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n) override;
  void softmax_rows(const float* x, float* y, int64_t R, int64_t C) override;
  void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) override;

  // attention/attention_cpu.cc
  void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv) override;
  void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B, int64_t Tq,
                       int64_t Tv, int64_t D, float* scores) override;
  void additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq, float* dk,
                                float* dw, float* dc) override;

  // rnn/rnn_cpu.cc
  int64_t rnn_cache_size(const RnnConfig& config) override;
  void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io,
                   float* cache) override;
  void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& inputs,
                    const float* cache, const RnnBackwardIO<float>& grads) override;

  // dropout/dropout_cpu.cc
  void dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out, int64_t n) override;

  // loss/loss_cpu.cc
  double loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S,
                          float* weight, uint8_t* valid) override;
  double loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows,
                               float* doutput) override;
  double metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid) override;
  double sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled) override;

  // optimizer/optimizer_cpu.cc
  double regularize(const float* value, float* grad, int64_t n, float l1, float l2) override;
  void scale_in_double(float* x, double factor, int64_t n) override;
  void clip_values(float* x, float limit, int64_t n) override;
  void optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                        const float* grad, float* slot0, float* slot1, int64_t n) override;
};

}  // namespace recurrent
