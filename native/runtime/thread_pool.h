// The core's thread pool: a fixed set of workers that split a range [0, n) into one
// contiguous chunk per thread. The calling thread runs the first chunk itself.
//
// Kernels must give the same bits whatever the split: every output element is computed
// by one thread in a fixed order. That is what makes results reproducible for a fixed
// thread count, and lets a call that finds the pool busy (another model training in the
// same process) run inline instead of waiting.
//
// Each job runs under the floating-point control state (rounding, flush-to-zero) of the
// thread that started it (runtime/flush_denormals.h). An exception thrown by a job, on any
// thread, is caught there; the region still runs to its end, and the first exception is
// rethrown in the calling thread.
#pragma once
#include <cstdint>

namespace recurrent {

using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);

// Runs fn over [0, n) in chunks of at least `grain` items. An exception thrown by a chunk
// (on any thread) is rethrown here once every chunk has ended.
void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx);

// Threads the pool uses, the caller included. Default: RECURRENT_NUM_THREADS if set,
// else the cores this process may run on.
int num_threads();
// Resizes the pool; n < 1 restores the default. Waits for a running region to end.
void set_num_threads(int n);
int default_num_threads();

// Convenience for non-ISA code: a callable `f(int64_t begin, int64_t end)`.
// ISA-specific translation units use the function-pointer form above, so that no
// template compiled with wider instructions is shared with baseline code.
template <class F>
void parallel_for_each_range(int64_t n, int64_t grain, F&& f) {
  parallel_for(
      n, grain,
      [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace recurrent
