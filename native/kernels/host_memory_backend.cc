#include "kernels/host_memory_backend.h"

#include <cstdlib>
#include <cstring>

namespace recurrent {
namespace {

// Each block starts with a header holding its size (so release can count it), padded to
// the alignment so the caller's pointer stays 64-byte aligned.
constexpr size_t kAlignment = 64;

}  // namespace

void* HostMemoryBackend::allocate(size_t bytes) {
  if (bytes > (size_t(1) << 62)) throw std::bad_alloc();
  const size_t total = (kAlignment + bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* base = std::aligned_alloc(kAlignment, total);
  if (base == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(base) = bytes;
  bytes_.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
  allocations_.fetch_add(1, std::memory_order_relaxed);
  return static_cast<char*>(base) + kAlignment;
}

void HostMemoryBackend::release(void* p) {
  if (p == nullptr) return;
  void* base = static_cast<char*>(p) - kAlignment;
  bytes_.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(base)), std::memory_order_relaxed);
  std::free(base);
}

void HostMemoryBackend::upload(void* dst, const void* host_src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, host_src, bytes);
}

void HostMemoryBackend::download(void* host_dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(host_dst, src, bytes);
}

void HostMemoryBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

}  // namespace recurrent
