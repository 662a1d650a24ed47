#include "runtime/phased_loop.h"

#include <atomic>
#include <memory>

#include "runtime/spin_wait.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace {

struct alignas(64) SliceClaim {
  std::atomic<int64_t> phase{-1};  // the last phase whose run of this slice someone took
};

struct PhasedLoop {
  int64_t phases;
  int slices;
  PhaseFn fn;
  void* ctx;
  std::unique_ptr<SliceClaim[]> claims;
  alignas(64) std::atomic<int64_t> done{0};  // slices finished, over all phases
  alignas(64) std::atomic<bool> failed{false};

  void participate(int rank) {
    for (int64_t p = 0; p < phases; ++p) {
      // Phase p starts when every slice of phase p - 1 is done.
      SpinWait wait;
      while (done.load(std::memory_order_acquire) < p * slices) {
        if (failed.load(std::memory_order_relaxed)) return;
        wait.pause();
      }
      if (failed.load(std::memory_order_relaxed)) return;
      for (int i = 0; i < slices; ++i) {
        const int j = (rank + i) % slices;
        int64_t expected = p - 1;
        if (!claims[j].phase.compare_exchange_strong(expected, p, std::memory_order_acq_rel)) continue;
        try {
          fn(ctx, p, j);
        } catch (...) {
          failed.store(true, std::memory_order_relaxed);
          throw;
        }
        done.fetch_add(1, std::memory_order_acq_rel);
      }
    }
  }
};

}  // namespace

void parallel_phases(int64_t phases, int slices, PhaseFn fn, void* ctx) {
  if (phases <= 0 || slices <= 0) return;
  PhasedLoop loop{phases, slices, fn, ctx, std::unique_ptr<SliceClaim[]>(new SliceClaim[slices])};
  const int participants = slices < num_threads() ? slices : num_threads();
  // One participant per chunk; where the pool runs the chunks on fewer threads (busy,
  // nested), the first participant takes every slice and the others find nothing left.
  parallel_for_each_range(participants, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) loop.participate(static_cast<int>(r));
  });
}

}  // namespace recurrent
