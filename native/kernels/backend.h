// The op interface every backend implements: the one table the native graph (native/graph)
// calls. A node of the graph never touches tensor data itself; it asks its backend to.
// A new backend (CUDA) implements this class and nothing in graph/ changes.
//
// Implementations, side by side per op group in kernels/<group>/:
//   ReferenceBackend (kernels/reference_backend.h; <group>/<group>_reference.cc):
//     every op in its plainest form, one thread, sums in double; the oracle the others
//     are checked against, op by op and on whole training steps.
//   CpuBackend (kernels/cpu/cpu_backend.h; <group>/<group>_cpu.cc): the fast CPU
//     kernels (per-ISA tables, the thread pool). Its results are bitwise the same for
//     any thread count.
//   CudaBackend (kernels/cuda/; <group>/<group>_cuda.cu): later, same contract.
//
// Pointers are device pointers of this backend (host memory for the CPU ones) unless a
// name says host. Shapes in comments are row-major; B batch, T time steps, F features,
// R rows, C columns, n elements. Outputs are written (=) unless the op says += ; an
// output may alias an input of the same shape only where the op says so. Ops that return
// a double return it to the host (a CUDA backend synchronizes there). Ops never allocate
// device memory the caller does not see, except inside one call for scratch (freed
// before returning); they throw std::bad_alloc on allocation failure and
// std::invalid_argument on arguments they cannot honour, never abort.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

#include "common/activation.h"
#include "kernels/loss/loss.h"
#include "kernels/loss/sampled_softmax.h"
#include "kernels/optimizer/optimizer_update.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {

enum class DeviceKind { Cpu, Cuda };

class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // "cpu", "reference", "cuda".
  virtual const char* name() const = 0;
  virtual DeviceKind device() const = 0;

  // ---- Memory (bytes). allocate: aligned to 64 bytes, contents undefined; throws
  // std::bad_alloc. release(nullptr) does nothing.
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual void upload(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void download(void* host_dst, const void* src, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;  // device to device; may not overlap
  // Waits for queued work (CUDA); a no-op where ops complete on return.
  virtual void synchronize() {}
  // Bytes of device memory allocated through this backend and not yet released, and the
  // number of allocate() calls since it was made (a model owns one backend object, so
  // these are the model's memory() figures). Safe to read from any thread.
  virtual int64_t bytes_in_use() const = 0;
  virtual int64_t allocation_count() const = 0;

  // ---- Elementwise over n elements. y may alias a or x.
  virtual void fill(float* y, float value, int64_t n) = 0;
  virtual void fill_u8(uint8_t* y, uint8_t value, int64_t n) = 0;
  virtual void add(const float* a, const float* b, float* y, int64_t n) = 0;           // y = a + b
  virtual void subtract(const float* a, const float* b, float* y, int64_t n) = 0;      // y = a - b
  virtual void multiply(const float* a, const float* b, float* y, int64_t n) = 0;      // y = a * b
  virtual void scale(const float* x, float alpha, float* y, int64_t n) = 0;            // y = alpha * x
  // y = a && b (1 or 0). Masks are uint8 [B, T], 1 = valid.
  virtual void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) = 0;

  // ---- Data movement.
  // Column blocks: for r in [0, R): dst[r * dst_stride + c] (= or +=) src[r * src_stride + c],
  // c in [0, width). Concatenate and its backward on any axis, slices, states.
  virtual void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows,
                            int64_t width, bool accumulate) = 0;
  // y[b, t, :] = x[b, T - 1 - t, :]. x [B, T, F], y [B, T, F]; no aliasing.
  virtual void reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F) = 0;
  // y[b, c, r] = x[b, r, c]: each of B matrices transposed. x [B, R, C], y [B, C, R]; no
  // aliasing. (Dot with normalize along a sample's first axis normalizes the rows of the
  // transpose.)
  virtual void transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C) = 0;
  // y[b, t, :] = x[b, :] for t < n. x [B, F], y [B, n, F].
  virtual void repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F) = 0;
  // dx[b, :] = sum_t dy[b, t, :] (double accumulation, t ascending). dy [B, n, F], dx [B, F].
  virtual void sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F) = 0;
  // y[b, t, f] = x[b, t, f] * factor[b, f]: one factor per sequence and feature (input dropout).
  // x, y [B, T, F] (y may alias x), factor [B, F].
  virtual void scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F) = 0;
  // y[r, :] = mask[r] ? x[r, :] : 0. x, y [R, F] (y may alias x), mask [R].
  virtual void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F) = 0;
  // Keras Masking: mask_out[r] = (mask_in == null || mask_in[r]) && any_f x[r, f] != value;
  // y[r, :] = mask_out[r] ? x[r, :] : 0. x, y [R, F]; mask_in, mask_out [R].
  virtual void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R,
                       int64_t F) = 0;

  // ---- Reductions.
  // y[c] += (float) sum_r x[r, c], summed in double with r ascending. x [R, C], y [C].
  virtual void column_sums_add(const float* x, float* y, int64_t R, int64_t C) = 0;
  // y[r] = (float) sum_f a[r, f] b[r, f], summed in double with f ascending. a, b [R, F], y [R].
  virtual void row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F) = 0;
  // y[r, :] (= or +=) factor[r] * x[r, :]. x, y [R, F] (no aliasing), factor [R].
  virtual void scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate) = 0;
  // sum_i x[i]^2 in double, i ascending.
  virtual double sum_squares(const float* x, int64_t n) = 0;
  // Keras l2_normalize on rows: y[r, :] = x[r, :] / sqrt(max(sum_c x[r, c]^2, 1e-12)),
  // norm[r] = that denominator. x, y [R, C], norm [R].
  virtual void l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C) = 0;
  // Its backward from the forward's y and norm: dx = (dy - y * sum_c(dy * y)) / norm, the sum
  // in double, except where the 1e-12 floor was in force, told by norm <= (float) 1e-6
  // (dx = dy / norm there). dy, dx [R, C] (dx may alias dy).
  virtual void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R,
                                          int64_t C) = 0;

  // ---- Embedding. ids are checked in [0, V) before any op sees them.
  // y[i, :] = table[ids[i], :]. table [V, D], ids [N], y [N, D].
  virtual void gather_rows(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D) = 0;
  // dtable[ids[i], :] += dy[i, :] for i ascending (repeated ids sum in that order).
  virtual void scatter_add_rows(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D) = 0;
  // The same by columns of a [D, V] table (a Dense kernel [F, V] seen by class; sampled
  // softmax): y[i, :] = table[:, ids[i]] (y [N, D]), and its backward
  // dtable[:, ids[i]] += dy[i, :] for i ascending (dy [N, D]).
  virtual void gather_columns(const float* table, const int32_t* ids, float* y, int64_t N, int64_t D, int64_t V) = 0;
  virtual void scatter_add_columns(const float* dy, const int32_t* ids, float* dtable, int64_t N, int64_t D,
                                   int64_t V) = 0;
  // mask[i] = ids[i] != 0 (Embedding maskZero).
  virtual void mask_nonzero(const int32_t* ids, uint8_t* mask, int64_t n) = 0;

  // ---- Dense algebra.
  // C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major, op(X) = X or X^T,
  // lda/ldb/ldc the row strides as stored; beta == 0 writes C without reading it.
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) = 0;
  // `count` independent products, matrix i at a + i * stride_a, b + i * stride_b, c + i * stride_c.
  virtual void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                            int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta,
                            float* c, int64_t ldc, int64_t stride_c, int64_t count) = 0;
  // y[r, :] = bias for every row (before a gemm with beta = 1). bias [C], y [R, C].
  virtual void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C) = 0;

  // ---- Activations (common/activation.h). y and x may alias; dx and dy may alias.
  virtual void activation(Activation act, const float* x, float* y, int64_t n) = 0;
  // dx = dy * act'(.) written in terms of the forward's output y.
  virtual void activation_backward(Activation act, const float* y, const float* dy, float* dx, int64_t n) = 0;
  // Row-wise softmax. x, y [R, C].
  virtual void softmax_rows(const float* x, float* y, int64_t R, int64_t C) = 0;
  // dx[r, c] = y[r, c] * (dy[r, c] - sum_k dy[r, k] y[r, k]), the sum in double. y, dy, dx [R, C].
  virtual void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) = 0;

  // ---- Attention scores (kernels/attention/; the Attention and AdditiveAttention layers).
  // Keras's score masking, in place on scores [B, Tq, Tv]: scores[b, i, j] -= 1e9 where
  // key j is padding (key_mask [B, Tv] is 0 there; null: no padding) or, with causal,
  // where j > i (a query sees itself and the keys before it).
  virtual void mask_scores(float* scores, const uint8_t* key_mask, bool causal, int64_t B, int64_t Tq, int64_t Tv) = 0;
  // Additive (Bahdanau) scores: scores[b, i, j] = sum_d w_d tanh(inner (q[b, i, d] + k[b, j, d])),
  // q [B, Tq, D], k [B, Tv, D], w [D] (w_scalar: w[0] for every d), inner a host value.
  virtual void additive_scores(const float* q, const float* k, const float* w, bool w_scalar, float inner, int64_t B,
                               int64_t Tq, int64_t Tv, int64_t D, float* scores) = 0;
  // Its backward from ds [B, Tq, Tv] (tanh recomputed): dq [B, Tq, D] and dk [B, Tv, D]
  // written (each may be null: not needed); dw [D or 1] and dc [1] (d / d inner) += , each
  // may be null.
  virtual void additive_scores_backward(const float* q, const float* k, const float* w, bool w_scalar, float inner,
                                        const float* ds, int64_t B, int64_t Tq, int64_t Tv, int64_t D, float* dq,
                                        float* dk, float* dw, float* dc) = 0;

  // ---- The whole-sequence recurrent layer op (semantics: kernels/rnn/rnn_layer.h).
  // Floats of the cache forward fills and backward reads, for this config.
  virtual int64_t rnn_cache_size(const RnnConfig& config) = 0;
  virtual void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io,
                           float* cache) = 0;
  // inputs: the x, h0, c0, mask and recurrent mask forward saw; cache: what forward wrote.
  virtual void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights,
                            const RnnForwardIO<float>& inputs, const float* cache,
                            const RnnBackwardIO<float>& grads) = 0;

  // ---- Dropout (counter-based, kernels/dropout/dropout_mask.h): out[i] = 0 when
  // dropout_uniform(seed, step, stream, i) < rate, else 1 / (1 - rate). The bits are the
  // same on every backend. out [n].
  virtual void dropout_factors(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out, int64_t n) = 0;

  // ---- Losses and metrics (kernels/loss/loss.h).
  // Row weights of an output seen as N = B * T * S rows: T steps of the mask (1 without a
  // time axis), S rows per step (the axes between the time axis and the last; 1 for [T, K]).
  // Row r is sample b = r / (T S) at step t = (r / S) % T:
  // valid[r] = mask == null || mask[b, t]; weight[r] = valid[r] ? (sample_weight ? sample_weight[b] : 1) : 0.
  // Returns the number of valid rows (counted in double, r ascending). mask [B, T] or null;
  // sample_weight [B] or null; weight [N]; valid [N].
  virtual double loss_row_weights(const uint8_t* mask, const float* sample_weight, int64_t B, int64_t T, int64_t S,
                                  float* weight, uint8_t* valid) = 0;
  // sum_r weight[r] * l_r (not divided by count) and, when doutput is not null, the
  // gradient (see loss.h for the formulas and the fused softmax case).
  virtual double loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& rows,
                                       float* doutput) = 0;
  // Sum over valid rows of the metric (divide by the count).
  virtual double metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid) = 0;
  // Sampled softmax (kernels/loss/sampled_softmax.h): sum_r w_r l_r and, when dtrue is not
  // null, d loss / d logits into dtrue [R] and dsampled [R, S].
  virtual double sampled_softmax_loss(const SampledLogits& logits, float* dtrue, float* dsampled) = 0;

  // ---- Training (kernels/optimizer/optimizer_update.h).
  // L1/L2 penalty l1 * sum_i |w_i| + l2 * sum_i w_i^2 (each sum in double, i ascending);
  // when grad is not null, grad[i] += l1 * sign(w_i) + 2 * l2 * w_i (in float).
  virtual double regularize(const float* value, float* grad, int64_t n, float l1, float l2) = 0;
  // x[i] = (float)(x[i] * factor), the product in double (clipnorm rescaling).
  virtual void scale_in_double(float* x, double factor, int64_t n) = 0;
  // x[i] = min(limit, max(-limit, x[i])).
  virtual void clip_values(float* x, float limit, int64_t n) = 0;
  // One optimizer update of n elements of one weight (formulas in optimizer_update.h).
  // `iterations` counts updates including this one (Adam's bias correction); slot0/slot1
  // are null or n elements as the optimizer sized them.
  virtual void optimizer_update(const OptimizerSpec& spec, int64_t iterations, double learning_rate, float* value,
                                const float* grad, float* slot0, float* slot1, int64_t n) = 0;
};

// A growable buffer on a backend's device, for values, gradients and workspaces that
// grow to the largest batch seen and are then reused (no allocation per step in the
// steady state). Growing does not keep the contents.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(Backend* backend) : backend_(backend) {}
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : backend_(o.backend_), data_(o.data_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.capacity_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      backend_ = o.backend_;
      data_ = o.data_;
      capacity_ = o.capacity_;
      o.data_ = nullptr;
      o.capacity_ = 0;
    }
    return *this;
  }

  void set_backend(Backend* backend) {
    reset();
    backend_ = backend;
  }
  // At least n elements (n >= 0); returns data(). Throws std::bad_alloc.
  T* ensure(int64_t n) {
    if (n > capacity_) {
      T* fresh = static_cast<T*>(backend_->allocate(sizeof(T) * static_cast<size_t>(n)));
      if (data_) backend_->release(data_);
      data_ = fresh;
      capacity_ = n;
    }
    return data_;
  }
  void reset() {
    if (data_ && backend_) backend_->release(data_);
    data_ = nullptr;
    capacity_ = 0;
  }
  T* data() const { return data_; }
  int64_t capacity() const { return capacity_; }
  Backend* backend() const { return backend_; }

 private:
  Backend* backend_ = nullptr;
  T* data_ = nullptr;
  int64_t capacity_ = 0;
};

}  // namespace recurrent
