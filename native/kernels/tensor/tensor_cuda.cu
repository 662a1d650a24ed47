// The CUDA backend's tensor ops (semantics: kernels/backend.h; declared in
// kernels/cuda/cuda_ops.h): grid-stride elementwise kernels, and column sums with one
// thread per column summing its rows in order, in double, as the reference does.
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/simt.h"

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

}  // namespace cuda_ops
}  // namespace recurrent
