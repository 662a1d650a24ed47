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
  // A few to 20 microseconds of pauses (a pause takes 10 to 140 cycles depending on the
  // core): longer than members of a team usually wait for each other at a time step,
  // short enough that a member queued behind us on an oversubscribed core gets it soon.
  static constexpr int kSpins = 256;
  int spins_ = 0;
};

}  // namespace recurrent
