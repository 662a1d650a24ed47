// The CUDA backend's tensor ops (semantics: kernels/backend.h; declared in
// kernels/cuda/cuda_ops.h): grid-stride elementwise kernels, column sums with one thread
// per column summing its rows in order, in double, as the reference does; the other ops
// run the plain loops of tensor_plain.h (the reference's and the CPU's) one element, row
// or sample per device thread, so their results are the reference's bits.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"
#include "kernels/tensor/tensor_plain.h"

namespace recurrent {
namespace cuda_ops {
namespace {

constexpr unsigned kThreads = 256;
constexpr int64_t kMaxBlocks = 4096;

SIMT_DEVICE int64_t first_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
SIMT_DEVICE int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

SIMT_KERNEL void fill_kernel(float* y, float value, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = value;
}
SIMT_KERNEL void add_kernel(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] + b[i];
}
SIMT_KERNEL void subtract_kernel(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] - b[i];
}
SIMT_KERNEL void multiply_kernel(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] * b[i];
}
SIMT_KERNEL void scale_kernel(const float* x, float alpha, float* y, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = alpha * x[i];
}
// y [R, C] = bias [C] per row.
SIMT_KERNEL void broadcast_rows_kernel(const float* bias, float* y, int64_t R, int64_t C) {
  for (int64_t i = first_index(); i < R * C; i += grid_stride()) y[i] = bias[i % C];
}
// y[c] += (float) sum_r x[r, c], r ascending in double: one thread per column.
SIMT_KERNEL void column_sums_add_kernel(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t c = first_index(); c < C; c += grid_stride()) {
    double sum = 0.0;
    for (int64_t r = 0; r < R; ++r) sum += x[r * C + c];
    y[c] += static_cast<float>(sum);
  }
}

unsigned blocks(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(kMaxBlocks, simt::blocks_for(n, kThreads))); }
simt::Stream on(Stream s) { return static_cast<simt::Stream>(s); }

}  // namespace

void fill(float* y, float value, int64_t n, Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, on(s), fill_kernel, y, value, n);
}
void add(const float* a, const float* b, float* y, int64_t n, Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, on(s), add_kernel, a, b, y, n);
}
void subtract(const float* a, const float* b, float* y, int64_t n, Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, on(s), subtract_kernel, a, b, y, n);
}
void multiply(const float* a, const float* b, float* y, int64_t n, Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, on(s), multiply_kernel, a, b, y, n);
}
void scale(const float* x, float alpha, float* y, int64_t n, Stream s) {
  if (n > 0) simt::launch_kernel(dim3(blocks(n)), dim3(kThreads), 0, on(s), scale_kernel, x, alpha, y, n);
}
void broadcast_rows(const float* bias, float* y, int64_t R, int64_t C, Stream s) {
  if (R * C > 0) simt::launch_kernel(dim3(blocks(R * C)), dim3(kThreads), 0, on(s), broadcast_rows_kernel, bias, y, R, C);
}
void column_sums_add(const float* x, float* y, int64_t R, int64_t C, Stream s) {
  if (C > 0) simt::launch_kernel(dim3(blocks(C)), dim3(kThreads), 0, on(s), column_sums_add_kernel, x, y, R, C);
}

void fill_u8(uint8_t* y, uint8_t value, int64_t n, Stream s) {
  simt::for_each(n, on(s), SIMT_LAMBDA(int64_t i) { y[i] = value; });
}
void mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, Stream s) {
  simt::for_each(n, on(s), SIMT_LAMBDA(int64_t i) { plain::mask_and(a, b, y, i, i + 1); });
}
void copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width,
                  bool accumulate, Stream s) {
  simt::for_each(rows * width, on(s), SIMT_LAMBDA(int64_t i) {
    const int64_t r = i / width, c = i % width;
    float* d = dst + r * dst_stride + c;
    const float v = src[r * src_stride + c];
    *d = accumulate ? *d + v : v;
  });
}
void reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F, Stream s) {
  simt::for_each(B * T * F, on(s), SIMT_LAMBDA(int64_t i) {
    const int64_t b = i / (T * F), t = (i / F) % T, f = i % F;
    y[i] = x[(b * T + (T - 1 - t)) * F + f];
  });
}
void transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C, Stream s) {
  simt::for_each(B * R * C, on(s), SIMT_LAMBDA(int64_t i) {
    const int64_t b = i / (R * C), r = (i / C) % R, c = i % C;
    y[b * R * C + c * R + r] = x[i];
  });
}
void repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F, Stream s) {
  simt::for_each(B * n * F, on(s), SIMT_LAMBDA(int64_t i) { y[i] = x[(i / (n * F)) * F + i % F]; });
}
// One thread per (sample, feature): t ascending in double, as sum_repeats' plain loop.
void sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F, Stream s) {
  simt::for_each(B * F, on(s), SIMT_LAMBDA(int64_t i) {
    const int64_t b = i / F, f = i % F;
    double acc = 0.0;
    for (int64_t t = 0; t < n; ++t) acc += dy[(b * n + t) * F + f];
    dx[i] = static_cast<float>(acc);
  });
}
void scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F, Stream s) {
  simt::for_each(B * T * F, on(s), SIMT_LAMBDA(int64_t i) { y[i] = x[i] * factor[(i / (T * F)) * F + i % F]; });
}
void apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F, Stream s) {
  simt::for_each(R * F, on(s), SIMT_LAMBDA(int64_t i) { y[i] = mask[i / F] ? x[i] : 0.0f; });
}
void masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R, int64_t F,
             Stream s) {
  simt::for_each(R, on(s), SIMT_LAMBDA(int64_t r) { plain::masking(x, value, mask_in, y, mask_out, F, r, r + 1); });
}
void row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F, Stream s) {
  simt::for_each(R, on(s), SIMT_LAMBDA(int64_t r) { plain::row_dots(a, b, y, F, r, r + 1); });
}
void scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate, Stream s) {
  simt::for_each(R * F, on(s), SIMT_LAMBDA(int64_t i) {
    const float v = factor[i / F] * x[i];
    y[i] = accumulate ? y[i] + v : v;
  });
}
void sum_squares(const float* x, int64_t n, double* partial, double* result, Stream s) {
  simt::chunked_sum(n, kSumChunk, on(s), SIMT_LAMBDA(int64_t i) -> double { return double(x[i]) * x[i]; }, partial, result);
}
void l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C, Stream s) {
  simt::for_each(R, on(s), SIMT_LAMBDA(int64_t r) { plain::l2_normalize_rows(x, y, norm, C, r, r + 1); });
}
void l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R, int64_t C,
                                Stream s) {
  simt::for_each(R, on(s), SIMT_LAMBDA(int64_t r) { plain::l2_normalize_rows_backward(y, norm, dy, dx, C, r, r + 1); });
}

}  // namespace cuda_ops
}  // namespace recurrent

#if defined(__CUDACC__)
namespace simt {
__global__ void sum_in_order_kernel(const double* partial, int64_t count, double* result) {
  double total = 0.0;
  for (int64_t c = 0; c < count; ++c) total += partial[c];
  *result = total;
}
}  // namespace simt
#endif
