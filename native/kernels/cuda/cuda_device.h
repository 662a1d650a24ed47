// The CUDA backend's host interface, in plain C++ so that the N-API binding is compiled
// by the host compiler without CUDA headers. Everything CUDA-specific (runtime calls,
// kernels) lives in cuda_device.cu.
//
// Errors: every failing CUDA call becomes a CudaError (a std::runtime_error naming the
// call, the cudaError name and its description); nothing here aborts the process.
// B batch, H units.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/activation.h"

namespace recurrent {
namespace cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  // The cudaError_t value.
  int code() const { return code_; }

 private:
  int code_;
};

struct DeviceInfo {
  int index = 0;
  std::string name;
  int major = 0, minor = 0;  // compute capability
  size_t total_memory_bytes = 0;
  int multiprocessors = 0;
};

// Number of usable devices; 0 when there is no driver, no device, or the runtime cannot
// initialise. `why_none`, when given, receives the runtime's reason for a 0.
int device_count(std::string* why_none = nullptr);
std::vector<DeviceInfo> devices();
// CUDA runtime version this addon was built with, e.g. 13000 for 13.0.
int runtime_version();
// Newest CUDA version the installed driver supports; 0 when no driver is installed.
int driver_version();

// Device memory on the current device: cudaMalloc'd (never managed memory), freed on
// destruction. Copies are synchronous.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  // Copies `bytes` (at most bytes()) between this buffer's start and host memory.
  void copy_from_host(const void* src, size_t bytes);
  void copy_to_host(void* dst, size_t bytes) const;

 private:
  void release() noexcept;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Throws a CudaError naming `what` when `code` (a cudaError_t) is not cudaSuccess.
void check_status(int code, const char* what);

// Makes `device` current for the calling thread; throws a CudaError naming the reason
// when no device is usable or the index is out of range.
void use_device(int device);

// The LSTM cell's element-wise step, Keras gate order i, f, c, o:
//   i = ract(pre_i), f = ract(pre_f), g = act(pre_c), o = ract(pre_o)
//   c = f * c_prev + i * g
//   h = o * act(c)
// Device pointers; runs on the current device's default stream, asynchronously.
void lstm_pointwise_forward(float* c,              // [B, H] written
                            float* h,              // [B, H] written
                            const float* pre,      // [B, 4H] gate pre-activations
                            const float* c_prev,   // [B, H]
                            int64_t B, int64_t H, Activation act, Activation ract);

// The same on host arrays: copies in, launches on `device`, waits, copies out, and
// reports any CUDA error (launch or execution) as a CudaError.
void lstm_pointwise_forward_host(float* c, float* h, const float* pre, const float* c_prev, int64_t B, int64_t H,
                                 Activation act, Activation ract, int device);

}  // namespace cuda
}  // namespace recurrent
