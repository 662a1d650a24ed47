// CUDA runtime access for the CUDA backend: device queries, checked calls, device
// memory, and the fused LSTM element-wise kernel. See cuda_device.h for the contracts.
//
// The CUDA runtime is linked statically and loads libcuda itself on first use, so this
// addon loads on a machine without a driver; there every query reports "no device".
#include <cuda_runtime.h>

#include <string>
#include <utility>

#include "common/cell_math.h"
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/simt.h"

namespace recurrent {
namespace cuda {
namespace {

std::string describe(cudaError_t err) {
  return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
}

// Throws a CudaError for a failed call. cudaGetLastError() resets the runtime's
// per-thread error slot so that a non-sticky failure is not reported again by the next,
// unrelated check. (A sticky error, e.g. a kernel's illegal address, keeps failing every
// later call on the device until the process exits: that is CUDA's rule, not ours.)
void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  throw CudaError(static_cast<int>(err), std::string("CUDA ") + what + " failed (" + describe(err) + ")");
}

}  // namespace

}  // namespace cuda
}  // namespace recurrent

// The kernels' launch check (kernels/cuda/simt.h).
void simt::check_launch(cudaError_t err, const char* what) { recurrent::cuda::check(err, what); }

namespace recurrent {
namespace cuda {

void check_status(int code, const char* what) { check(static_cast<cudaError_t>(code), what); }

int device_count(std::string* why_none) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // No driver (cudaErrorInsufficientDriver), no device (cudaErrorNoDevice) or a broken
    // installation: all mean "no CUDA here" to a caller that will fall back to the CPU.
    cudaGetLastError();
    if (why_none) *why_none = describe(err);
    return 0;
  }
  if (count == 0 && why_none) *why_none = "the CUDA runtime reports no device";
  return count;
}

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> list;
  const int count = device_count();
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    check(cudaGetDeviceProperties(&prop, i), "cudaGetDeviceProperties");
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.major = prop.major;
    d.minor = prop.minor;
    d.total_memory_bytes = prop.totalGlobalMem;
    d.multiprocessors = prop.multiProcessorCount;
    list.push_back(std::move(d));
  }
  return list;
}

int runtime_version() {
  int v = 0;
  check(cudaRuntimeGetVersion(&v), "cudaRuntimeGetVersion");
  return v;
}

int driver_version() {
  int v = 0;
  // Succeeds with 0 when no driver is installed.
  if (cudaDriverGetVersion(&v) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

void use_device(int device) {
  std::string why;
  const int count = device_count(&why);
  if (count == 0) throw CudaError(static_cast<int>(cudaErrorNoDevice), "no CUDA device is available (" + why + ")");
  if (device < 0 || device >= count) {
    throw CudaError(static_cast<int>(cudaErrorInvalidDevice),
                    "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
                        " device(s))");
  }
  check(cudaSetDevice(device), "cudaSetDevice");
}

// --- DeviceBuffer --------------------------------------------------------------------

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t err = cudaMalloc(&data_, bytes);
  if (err != cudaSuccess) {
    data_ = nullptr;
    bytes_ = 0;
    check(err, ("cudaMalloc(" + std::to_string(bytes) + " bytes)").c_str());
  }
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::release() noexcept {
  // A destructor must not throw; a failed free (only after a sticky error, when the
  // context is lost anyway) is dropped and the error slot cleared.
  if (data_ && cudaFree(data_) != cudaSuccess) cudaGetLastError();
  data_ = nullptr;
  bytes_ = 0;
}

void DeviceBuffer::copy_from_host(const void* src, size_t bytes) {
  if (bytes > bytes_) throw std::length_error("DeviceBuffer::copy_from_host: more bytes than the buffer holds");
  if (bytes) check(cudaMemcpy(data_, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy host to device");
}

void DeviceBuffer::copy_to_host(void* dst, size_t bytes) const {
  if (bytes > bytes_) throw std::length_error("DeviceBuffer::copy_to_host: more bytes than the buffer holds");
  if (bytes) check(cudaMemcpy(dst, data_, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy device to host");
}

// --- LSTM element-wise step ----------------------------------------------------------

// One thread per (b, j) element, grid-stride so any size fits one launch. Reads of the
// four gates of a row are coalesced across j.
__global__ void lstm_pointwise_forward_kernel(float* __restrict__ c, float* __restrict__ h,
                                              const float* __restrict__ pre, const float* __restrict__ c_prev,
                                              int64_t B, int64_t H, Activation act, Activation ract) {
  const int64_t n = B * H;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = idx / H, j = idx - b * H;
    const float* row = pre + b * 4 * H;  // [4H]: i, f, c, o
    float i, f, g, o, cn, hn;
    // The same step function the CPU kernels use (common/cell_math.h); no peepholes here.
    lstm_step_forward(act, ract, row[j], row[H + j], row[2 * H + j], row[3 * H + j], c_prev[idx], 0.0f, 0.0f, 0.0f,
                      &i, &f, &g, &o, &cn, &hn);
    c[idx] = cn;
    h[idx] = hn;
  }
}

void lstm_pointwise_forward(float* c, float* h, const float* pre, const float* c_prev, int64_t B, int64_t H,
                            Activation act, Activation ract) {
  const int64_t n = B * H;
  if (n <= 0) return;
  constexpr int kThreads = 256;
  const int64_t blocks_needed = (n + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(blocks_needed < 65536 ? blocks_needed : 65536);
  lstm_pointwise_forward_kernel<<<blocks, kThreads>>>(c, h, pre, c_prev, B, H, act, ract);
  check(cudaGetLastError(), "launch of lstm_pointwise_forward_kernel");
}

void lstm_pointwise_forward_host(float* c, float* h, const float* pre, const float* c_prev, int64_t B, int64_t H,
                                 Activation act, Activation ract, int device) {
  use_device(device);
  const size_t state_bytes = static_cast<size_t>(B) * H * sizeof(float);
  DeviceBuffer d_pre(4 * state_bytes), d_c_prev(state_bytes), d_c(state_bytes), d_h(state_bytes);
  d_pre.copy_from_host(pre, 4 * state_bytes);
  d_c_prev.copy_from_host(c_prev, state_bytes);
  lstm_pointwise_forward(d_c.as<float>(), d_h.as<float>(), d_pre.as<float>(), d_c_prev.as<float>(), B, H, act, ract);
  // Wait here so that an execution error is reported as the kernel's, not the copy's.
  check(cudaDeviceSynchronize(), "execution of lstm_pointwise_forward_kernel");
  d_c.copy_to_host(c, state_bytes);
  d_h.copy_to_host(h, state_bytes);
}

}  // namespace cuda
}  // namespace recurrent
