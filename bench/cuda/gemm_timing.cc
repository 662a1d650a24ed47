// Times the CUDA backend's float32 GEMM (kernels/gemm/gemm_cuda.cu) on the shapes the
// recurrent layers of the workloads use, with CUDA events after a warm-up, and prints
// milliseconds and GFLOP/s per shape; then the same shapes on the TF32 tensor-core path
// (gemm_tf32), as "<shape> TF32" lines after the table device_check.sh pairs with PyTorch. Built with nvcc (-x cu) by bench/cuda/device_check.sh;
// needs a GPU.
#include <cuda_runtime.h>

#include <cstdio>
#include <vector>

#include "kernels/cuda/cuda_ops.h"

int main() {
  struct Shape {
    const char* what;
    int m, n, k;
  };
  const Shape shapes[] = {
      {"W2 input projection [6400,128]x[128,1024]", 6400, 1024, 128},
      {"W2 recurrent step [64,256]x[256,1024]", 64, 1024, 256},
      {"W3 input projection [3200,512]x[512,4096]", 3200, 4096, 512},
      {"W3 recurrent step [64,1024]x[1024,4096]", 64, 4096, 1024},
      {"square 4096^3", 4096, 4096, 4096},
  };
  std::printf("shape | ms | GFLOP/s\n");
  for (int tf32 = 0; tf32 < 2; ++tf32)
  for (const Shape& s : shapes) {
    auto run = [&](float* a, float* b, float* c) {
      if (tf32) recurrent::cuda_ops::gemm_tf32(false, false, s.m, s.n, s.k, 1.0f, a, s.k, b, s.n, 0.0f, c, s.n, nullptr);
      else recurrent::cuda_ops::gemm(false, false, s.m, s.n, s.k, 1.0f, a, s.k, b, s.n, 0.0f, c, s.n, nullptr);
    };
    float *a, *b, *c;
    if (cudaMalloc(&a, sizeof(float) * s.m * s.k) != cudaSuccess || cudaMalloc(&b, sizeof(float) * s.k * s.n) != cudaSuccess ||
        cudaMalloc(&c, sizeof(float) * s.m * s.n) != cudaSuccess) {
      std::printf("cudaMalloc failed\n");
      return 1;
    }
    cudaMemset(a, 0, sizeof(float) * s.m * s.k);
    cudaMemset(b, 0, sizeof(float) * s.k * s.n);
    for (int i = 0; i < 3; ++i) run(a, b, c);
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    const int reps = 20;
    cudaEventRecord(start);
    for (int i = 0; i < reps; ++i) run(a, b, c);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start, stop);
    ms /= reps;
    std::printf("%s%s | %.3f | %.0f\n", s.what, tf32 ? " TF32" : "", ms, 2.0 * s.m * s.n * s.k / (ms * 1e6));
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
  }
  return 0;
}
