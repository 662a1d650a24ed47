// The thread pool's contract where JavaScript cannot reach it directly: exceptions thrown
// on a worker, the floating-point control state of workers, and the phased loop. Built and run by
// test/thread_pool.test.ts with the C++ compiler that builds the addon; prints one line
// per check and exits non-zero if any fails.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/flush_denormals.h"
#include "runtime/phased_loop.h"
#include "runtime/thread_pool.h"

using namespace recurrent;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

#if defined(__x86_64__)
constexpr uint64_t kFlushBits = 0x8040;
#elif defined(__aarch64__)
constexpr uint64_t kFlushBits = uint64_t(1) << 24;
#else
constexpr uint64_t kFlushBits = 0;
#endif

// A job over [0, threads) of one item per chunk: chunk i runs on its own thread when the
// workers are awake, but any thread may run any chunk; what a chunk does depends on i only.
void worker_exception_reaches_caller() {
  std::atomic<int> finished{0};
  std::string caught;
  try {
    parallel_for_each_range(4, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (i == 1) throw std::runtime_error("chunk 1 failed");
        if (i == 3) {
          // Fails later than chunk 1: the first exception is the one the caller sees.
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          throw std::runtime_error("chunk 3 failed");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        finished.fetch_add(1);
      }
    });
  } catch (const std::runtime_error& e) {
    caught = e.what();
  }
  check(caught == "chunk 1 failed", "the first exception of a region is rethrown in the caller (got '" + caught + "')");
  check(finished.load() == 2, "the chunks that did not throw ran to their end before the rethrow");
}

void allocation_failure_reaches_caller() {
  bool caught = false;
  try {
    parallel_for_each_range(4, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (i != 2) continue;
        // An allocation no system grants (a direct call: a new-expression may be elided).
        volatile size_t huge = size_t(1) << 62;
        void* p = ::operator new(huge);
        ::operator delete(p);
      }
    });
  } catch (const std::bad_alloc&) {
    caught = true;
  }
  check(caught, "std::bad_alloc from a failed allocation in a job reaches the caller");
}

void nested_exception_reaches_caller() {
  bool caught = false;
  try {
    parallel_for_each_range(2, 1, [&](int64_t b, int64_t) {
      // A kernel that calls parallel_for itself (nested: runs inline on this thread).
      parallel_for_each_range(8, 1, [&](int64_t nb, int64_t ne) {
        if (b == 1 && nb <= 5 && 5 < ne) throw std::out_of_range("nested");
      });
    });
  } catch (const std::out_of_range&) {
    caught = true;
  }
  check(caught, "an exception from a nested region inside a job reaches the outer caller");
}

// Every slice of phase p sees the writes of every slice of phase p - 1; each runs once.
void phases_run_in_order(const char* where) {
  constexpr int kSlices = 3, kPhases = 500;
  std::vector<std::atomic<int64_t>> last(kSlices);
  for (auto& l : last) l.store(-1);
  std::atomic<int> runs{0};
  std::atomic<bool> ordered{true};
  parallel_phases_each(kPhases, kSlices, [&](int64_t phase, int slice) {
    for (int j = 0; j < kSlices; ++j)
      if (last[static_cast<size_t>(j)].load() < phase - 1) ordered.store(false);
    if (last[static_cast<size_t>(slice)].exchange(phase) != phase - 1) ordered.store(false);
    runs.fetch_add(1);
  });
  check(ordered.load() && runs.load() == kSlices * kPhases,
        std::string("phased loop ") + where + ": each slice once per phase, after all of the phase before");
}

void phase_exception_reaches_caller() {
  std::atomic<int64_t> after{0};
  bool caught = false;
  try {
    parallel_phases_each(100, 2, [&](int64_t phase, int slice) {
      if (phase == 10 && slice == 1) throw std::runtime_error("slice failed");
      if (phase > 10) after.fetch_add(1);
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  check(caught, "an exception thrown by a slice reaches the caller of the phased loop");
  check(after.load() == 0, "and no later phase runs");
}

void workers_use_the_callers_float_control(bool flush) {
  const uint64_t saved = read_float_control();
  write_float_control(flush ? (saved | kFlushBits) : (saved & ~kFlushBits));
  std::atomic<int> agree{0}, chunks{0};
  parallel_for_each_range(64, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      chunks.fetch_add(1);
      if (((read_float_control() & kFlushBits) == kFlushBits) == flush) agree.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  write_float_control(saved);
  check(chunks.load() == 64 && agree.load() == 64,
        std::string("every chunk ran with flush-to-zero ") + (flush ? "on" : "off") + ", as its caller");
}

void scoped_guard_restores() {
  set_flush_denormals(true);
  const uint64_t before = read_float_control();
  {
    ScopedFlushDenormals flush;
    check((read_float_control() & kFlushBits) == kFlushBits, "ScopedFlushDenormals sets flush-to-zero");
  }
  check((read_float_control() & kFlushBits) == (before & kFlushBits), "and restores the previous state");
  set_flush_denormals(false);
  {
    ScopedFlushDenormals flush;
    check((read_float_control() & kFlushBits) == (before & kFlushBits), "and does nothing when switched off");
  }
  set_flush_denormals(true);
}

}  // namespace

int main() {
  set_num_threads(3);
  worker_exception_reaches_caller();
  allocation_failure_reaches_caller();
  nested_exception_reaches_caller();
  phases_run_in_order("on 3 threads");
  phase_exception_reaches_caller();
  parallel_for_each_range(2, 1, [&](int64_t b, int64_t) {
    if (b == 0) phases_run_in_order("nested in a region (one thread)");
  });
  if (kFlushBits != 0) {
    workers_use_the_callers_float_control(true);
    workers_use_the_callers_float_control(false);
    scoped_guard_restores();
  }
  std::atomic<int64_t> sum{0};
  parallel_for_each_range(1000, 10, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
  check(sum.load() == 1000, "the pool still runs regions after all of the above");
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
