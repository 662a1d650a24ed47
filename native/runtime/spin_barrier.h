// A barrier for the members of one parallel_team (runtime/thread_pool.h), cheap enough to
// pass once per time step: the members spin (then yield) on a shared phase counter.
// cancel() releases everyone for good, so that a member that fails (an exception) does not
// leave the others waiting forever; they see wait() return false and stop.
#pragma once
#include <atomic>
#include <cstdint>

#include "runtime/spin_wait.h"

namespace recurrent {

class SpinBarrier {
 public:
  explicit SpinBarrier(int parties) : parties_(parties) {}
  SpinBarrier(const SpinBarrier&) = delete;
  SpinBarrier& operator=(const SpinBarrier&) = delete;

  // Returns once all parties have arrived (true), or once the barrier is cancelled (false).
  // Writes made by any party before its wait() are visible to every party after it.
  bool wait() {
    if (parties_ <= 1) return !cancelled_.load(std::memory_order_relaxed);
    const uint32_t phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
    } else {
      SpinWait spin;
      while (phase_.load(std::memory_order_acquire) == phase) {
        if (cancelled_.load(std::memory_order_acquire)) return false;
        spin.pause();
      }
    }
    return !cancelled_.load(std::memory_order_acquire);
  }

  void cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  const int parties_;
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<uint32_t> phase_{0};
  alignas(64) std::atomic<bool> cancelled_{false};
};

}  // namespace recurrent
