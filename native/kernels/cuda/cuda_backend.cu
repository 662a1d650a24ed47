// The CUDA backend's memory and stream (see cuda_backend.h): device memory from cudaMalloc,
// counted for memory(); uploads and downloads on the backend's stream, waited for before
// they return (the host side is the caller's pageable memory, which it may reuse at once);
// device-to-device copies and every op queued on the stream without waiting. A kernel's
// failure surfaces at the next wait (a download, a returned sum) as a CudaError, which the
// binding turns into a JavaScript error.
#include <cuda_runtime.h>

#include <mutex>
#include <new>
#include <unordered_map>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/cuda_ops_backend.h"

namespace recurrent {
namespace {

void check(cudaError_t err, const char* what) { cuda::check_status(static_cast<int>(err), what); }

class CudaMemoryBackend : public Backend {
 public:
  CudaMemoryBackend() {
    cuda::use_device(0);
    check(cudaStreamCreateWithFlags(&cuda_stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~CudaMemoryBackend() override {
    cudaStreamSynchronize(cuda_stream_);
    cudaStreamDestroy(cuda_stream_);
    cudaGetLastError();
  }

  DeviceKind device() const override { return DeviceKind::Cuda; }

  void* allocate(size_t bytes) override {
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, bytes == 0 ? 64 : bytes);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw std::bad_alloc();
    }
    check(err, "cudaMalloc");
    std::lock_guard<std::mutex> lock(mutex_);
    sizes_[p] = bytes;
    bytes_ += static_cast<int64_t>(bytes);
    ++allocations_;
    return p;
  }
  void release(void* p) override {
    if (p == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = sizes_.find(p);
      if (it != sizes_.end()) {
        bytes_ -= static_cast<int64_t>(it->second);
        sizes_.erase(it);
      }
    }
    // Work queued on the stream may still read p: wait for it before freeing.
    cudaStreamSynchronize(cuda_stream_);
    cudaFree(p);
    cudaGetLastError();
  }
  void upload(void* dst, const void* host_src, size_t bytes) override {
    if (bytes == 0) return;
    check(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, cuda_stream_), "cudaMemcpyAsync (upload)");
    synchronize();
  }
  void download(void* host_dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    check(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, cuda_stream_), "cudaMemcpyAsync (download)");
    synchronize();
  }
  void copy(void* dst, const void* src, size_t bytes) override {
    if (bytes > 0) check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cuda_stream_), "cudaMemcpyAsync (copy)");
  }
  void synchronize() override { check(cudaStreamSynchronize(cuda_stream_), "a kernel on the stream (cudaStreamSynchronize)"); }
  int64_t bytes_in_use() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
  }
  int64_t allocation_count() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return allocations_;
  }

 protected:
  cudaStream_t cuda_stream_ = nullptr;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<void*, size_t> sizes_;
  int64_t bytes_ = 0;
  int64_t allocations_ = 0;
};

class CudaBackend final : public CudaOpsBackend<CudaMemoryBackend> {
 public:
  CudaBackend() { stream_ = cuda_stream_; }
  const char* name() const override { return "cuda"; }
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend() { return std::make_unique<CudaBackend>(); }

}  // namespace recurrent
