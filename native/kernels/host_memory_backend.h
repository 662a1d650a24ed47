// What the CPU and reference backends share: their device is the host. Memory is
// 64-byte-aligned heap memory, counted for memory(); upload, download and copy are
// memcpy. The op implementations are each backend's own (cpu/cpu_backend.h,
// reference_backend.h).
#pragma once
#include <atomic>

#include "kernels/backend.h"

namespace recurrent {

class HostMemoryBackend : public Backend {
 public:
  DeviceKind device() const override { return DeviceKind::Cpu; }
  void* allocate(size_t bytes) override;
  void release(void* p) override;
  void upload(void* dst, const void* host_src, size_t bytes) override;
  void download(void* host_dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  int64_t bytes_in_use() const override { return bytes_.load(std::memory_order_relaxed); }
  int64_t allocation_count() const override { return allocations_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> allocations_{0};
};

}  // namespace recurrent
