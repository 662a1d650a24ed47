// The dialect the CUDA backend's kernels are written in, so that one source compiles two
// ways: with nvcc for the device, and with the host compiler for the SIMT emulation of
// kernels/cuda/simt_host.h, where CI runs every kernel against the reference backend
// without a GPU.
//
//   SIMT_KERNEL            a kernel (__global__)
//   SIMT_DEVICE            a function kernels call (__device__ inline)
//   SIMT_SHARED(T, a, n)   a shared array T a[n] of the block
//   SIMT_DYNAMIC_SHARED(T, a)  the launch's dynamic shared memory as T* a
//   simt_sync()            __syncthreads()
//   simt_shfl_down(v, d), simt_shfl_xor(v, m)   full-warp shuffles
//   simt_grid_sync()       grid-wide barrier (cooperative launches only)
//   simt_mma_tf32(d, a, b, c)  the warp's tensor-core product D[16x8] = A[16x8] B[8x8] + C
//                          (mma.sync m16n8k8, TF32 operands, float accumulators). Lane l,
//                          g = l / 4, t = l % 4 holds a[0..3] = A[g][t], A[g+8][t],
//                          A[g][t+4], A[g+8][t+4]; b[0..1] = B[t][g], B[t+4][g];
//                          c, d[0..3] = C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1].
//                          The operands are rounded to TF32 (cvt.rna) first.
//   threadIdx, blockIdx, blockDim, gridDim      as in CUDA
//   simt::launch_kernel(grid, block, shared_bytes, stream, kernel, args...)
//   simt::launch_cooperative(...)
//   simt::for_each(n, stream, SIMT_LAMBDA(int64_t i) { ... })   one thread per index
//   simt::chunked_sum(n, chunk, stream, SIMT_LAMBDA(int64_t i) -> double { ... }, partial, result)
//                          an ordered sum: result[0] = sum over chunks (ascending) of each
//                          chunk's sum (ascending); one thread per chunk
//
// Kernels use nothing else of CUDA (no atomics: the backends' sums have a fixed order).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__)

#include <cooperative_groups.h>
#include <cuda_runtime.h>

#define SIMT_KERNEL __global__
#define SIMT_DEVICE __device__ __forceinline__
#define SIMT_SHARED(T, name, n) __shared__ T name[n]
#define SIMT_DYNAMIC_SHARED(T, name) extern __shared__ unsigned char simt_dynamic_area_[]; T* name = reinterpret_cast<T*>(simt_dynamic_area_)
#define simt_sync() __syncthreads()
#define simt_shfl_down(v, d) __shfl_down_sync(0xffffffffu, (v), (d))
#define simt_shfl_xor(v, m) __shfl_xor_sync(0xffffffffu, (v), (m))
#define simt_grid_sync() cooperative_groups::this_grid().sync()
// A device lambda (nvcc --extended-lambda), capturing by value.
#define SIMT_LAMBDA [=] __device__

__device__ __forceinline__ unsigned simt_tf32_bits(float x) {
  unsigned r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}
__device__ __forceinline__ void simt_mma_tf32(float* d, const float* a, const float* b, const float* c) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%10, %11, %12, %13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(simt_tf32_bits(a[0])), "r"(simt_tf32_bits(a[1])), "r"(simt_tf32_bits(a[2])), "r"(simt_tf32_bits(a[3])),
        "r"(simt_tf32_bits(b[0])), "r"(simt_tf32_bits(b[1])), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}

namespace simt {
using Stream = cudaStream_t;

// Throws what `check` makes of a failed launch (cuda_device.cu's CudaError).
void check_launch(cudaError_t err, const char* kernel);

template <class... Params, class... Args>
void launch_kernel(dim3 grid, dim3 block, size_t shared_bytes, Stream stream, void (*kernel)(Params...),
                   Args... args) {
  kernel<<<grid, block, shared_bytes, stream>>>(args...);
  check_launch(cudaGetLastError(), "a kernel launch");
}

template <class... Params, class... Args>
void launch_cooperative(dim3 grid, dim3 block, size_t shared_bytes, Stream stream, void (*kernel)(Params...),
                        Args... args) {
  void* slots[] = {static_cast<void*>(&args)...};
  check_launch(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(kernel), grid, block, slots, shared_bytes, stream),
               "a cooperative kernel launch");
}
}  // namespace simt

#else  // the host emulation

#include <cmath>

#include "kernels/cuda/simt_host.h"

#define SIMT_KERNEL
#define SIMT_DEVICE inline
#define SIMT_SHARED(T, name, n) T* name = static_cast<T*>(::simt::static_shared(__COUNTER__, sizeof(T) * (n)))
#define SIMT_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::simt::dynamic_shared())
#define simt_sync() ::simt::sync_block()
#define simt_shfl_down(v, d) ::simt::shfl_down((v), (d))
#define simt_shfl_xor(v, m) ::simt::shfl_xor((v), (m))
#define simt_grid_sync() ::simt::sync_grid()
#define SIMT_LAMBDA [=]
#define simt_mma_tf32(d, a, b, c) ::simt::mma_tf32_m16n8k8((d), (a), (b), (c))

using simt::blockDim;
using simt::blockIdx;
using simt::dim3;
using simt::gridDim;
using simt::threadIdx;

namespace simt {
using Stream = void*;

template <class... Params, class... Args>
void launch_kernel(dim3 grid, dim3 block, size_t shared_bytes, Stream, void (*kernel)(Params...), Args... args) {
  launch(grid, block, shared_bytes, false, [&]() { kernel(args...); });
}

template <class... Params, class... Args>
void launch_cooperative(dim3 grid, dim3 block, size_t shared_bytes, Stream, void (*kernel)(Params...), Args... args) {
  launch(grid, block, shared_bytes, true, [&]() { kernel(args...); });
}
}  // namespace simt

#endif

namespace simt {
// Blocks of `threads` covering n elements.
inline unsigned blocks_for(int64_t n, unsigned threads) {
  return static_cast<unsigned>(std::max<int64_t>(1, (n + threads - 1) / threads));
}

#if defined(__CUDACC__)
template <class F>
__global__ void for_each_kernel(int64_t n, F f) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) f(i);
}
template <class F>
__global__ void chunk_sums_kernel(int64_t n, int64_t chunk, F f, double* partial) {
  const int64_t chunks = (n + chunk - 1) / chunk;
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < chunks; c += int64_t(gridDim.x) * blockDim.x) {
    double sum = 0.0;
    const int64_t end = c * chunk + chunk < n ? c * chunk + chunk : n;
    for (int64_t i = c * chunk; i < end; ++i) sum += f(i);
    partial[c] = sum;
  }
}
__global__ void sum_in_order_kernel(const double* partial, int64_t count, double* result);

// f(i) for every i in [0, n), one device thread per index.
template <class F>
void for_each(int64_t n, Stream stream, F f) {
  if (n <= 0) return;
  const unsigned blocks = std::min<unsigned>(4096, blocks_for(n, 256));
  launch_kernel(dim3(blocks), dim3(256), 0, stream, for_each_kernel<F>, n, f);
}
// partial: ceil(n / chunk) doubles of scratch; result: one double (device memory).
template <class F>
void chunked_sum(int64_t n, int64_t chunk, Stream stream, F f, double* partial, double* result) {
  const int64_t chunks = n > 0 ? (n + chunk - 1) / chunk : 0;
  if (chunks > 0) {
    const unsigned blocks = std::min<unsigned>(4096, blocks_for(chunks, 256));
    launch_kernel(dim3(blocks), dim3(256), 0, stream, chunk_sums_kernel<F>, n, chunk, f, partial);
  }
  launch_kernel(dim3(1), dim3(1), 0, stream, sum_in_order_kernel, static_cast<const double*>(partial), chunks, result);
}
#else
// The emulation runs these on the calling thread without fibers: their threads never
// meet at a barrier, so the order in which they run cannot change a result, and the sums
// are the same ordered sums the device computes.
template <class F>
void for_each(int64_t n, Stream, F f) {
  for (int64_t i = 0; i < n; ++i) f(i);
}
template <class F>
void chunked_sum(int64_t n, int64_t chunk, Stream, F f, double* partial, double* result) {
  const int64_t chunks = n > 0 ? (n + chunk - 1) / chunk : 0;
  for (int64_t c = 0; c < chunks; ++c) {
    double sum = 0.0;
    const int64_t end = c * chunk + chunk < n ? c * chunk + chunk : n;
    for (int64_t i = c * chunk; i < end; ++i) sum += f(i);
    partial[c] = sum;
  }
  double total = 0.0;
  for (int64_t c = 0; c < chunks; ++c) total += partial[c];
  *result = total;
}
#endif
}  // namespace simt
