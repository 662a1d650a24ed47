// Busy-waiting that stays polite on a shared machine: a short spin with the processor's
// pause hint, then yielding the core to whoever else is runnable (a thread we wait for
// may be queued behind us on the same core).
#pragma once
#include <sched.h>

#include <thread>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace recurrent {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#else
  std::this_thread::yield();
#endif
}

class SpinWait {
 public:
  void pause() {
    if (++spins_ < kSpins) cpu_relax();
    else sched_yield();
  }

 private:
  // About 10-50 microseconds of pauses (a pause is 10-140 cycles depending on the core):
  // longer than a time step of a small layer takes, shorter than a scheduler tick.
  static constexpr int kSpins = 4096;
  int spins_ = 0;
};

}  // namespace recurrent
