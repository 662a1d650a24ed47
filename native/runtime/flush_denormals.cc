#include "runtime/flush_denormals.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace recurrent {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
constexpr uint64_t kFlushBits = 0x8040;  // MXCSR: FTZ (bit 15) and DAZ (bit 6)
#elif defined(__aarch64__)
constexpr uint64_t kFlushBits = uint64_t(1) << 24;  // FPCR.FZ: both inputs and results
#else
constexpr uint64_t kFlushBits = 0;
#endif

bool enabled_from_environment() {
  const char* env = std::getenv("RECURRENT_FLUSH_DENORMALS");
  return env == nullptr || (std::strcmp(env, "0") != 0 && std::strcmp(env, "false") != 0);
}

std::atomic<bool>& enabled() {
  static std::atomic<bool> on{enabled_from_environment()};
  return on;
}

}  // namespace

uint64_t read_float_control() {
#if defined(__x86_64__) || defined(_M_X64)
  return _mm_getcsr();
#elif defined(__aarch64__)
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
#else
  return 0;
#endif
}

void write_float_control(uint64_t control) {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_setcsr(static_cast<unsigned>(control));
#elif defined(__aarch64__)
  __asm__ volatile("msr fpcr, %0" : : "r"(control));
#else
  (void)control;
#endif
}

bool flush_denormals_supported() { return kFlushBits != 0; }

bool flush_denormals_enabled() { return kFlushBits != 0 && enabled().load(std::memory_order_relaxed); }

void set_flush_denormals(bool on) { enabled().store(on, std::memory_order_relaxed); }

ScopedFlushDenormals::ScopedFlushDenormals() : saved_(0), changed_(false) {
  if (!flush_denormals_enabled()) return;
  saved_ = read_float_control();
  if ((saved_ & kFlushBits) == kFlushBits) return;
  write_float_control(saved_ | kFlushBits);
  changed_ = true;
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  // Restore only the flush bits: the exception flags raised meanwhile stay visible.
  if (changed_) write_float_control((read_float_control() & ~kFlushBits) | (saved_ & kFlushBits));
}

}  // namespace recurrent
