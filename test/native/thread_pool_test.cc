// The thread pool's contract where JavaScript cannot reach it directly: exceptions thrown
// on a worker, the floating-point control state of workers, and teams. Built and run by
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
#include "runtime/spin_barrier.h"
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

void team_member_failure_releases_the_others() {
  SpinBarrier barrier(num_threads());
  std::atomic<int> stopped{0};
  bool caught = false;
  try {
    parallel_team_each(num_threads(), [&](int rank, int size) {
      SpinBarrier* b = size == num_threads() ? &barrier : nullptr;
      try {
        for (int step = 0; step < 100; ++step) {
          if (rank == size - 1 && step == 10) throw std::runtime_error("member failed");
          if (b && !b->wait()) {
            stopped.fetch_add(1);
            return;
          }
        }
      } catch (...) {
        if (b) b->cancel();
        throw;
      }
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  check(caught, "a team member's exception reaches the caller");
  check(stopped.load() == num_threads() - 1, "the other members left their barrier instead of waiting forever");
}

void team_members_run_together() {
  const int n = num_threads();
  SpinBarrier barrier(n);
  std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
  std::atomic<int> size_seen{0};
  std::atomic<bool> consistent{true};
  parallel_team_each(n, [&](int rank, int size) {
    size_seen.store(size);
    for (int step = 0; step < 1000; ++step) {
      seen[static_cast<size_t>(rank)].store(step);
      barrier.wait();
      for (int r = 0; r < size; ++r)
        if (seen[static_cast<size_t>(r)].load() != step) consistent.store(false);
      barrier.wait();
    }
  });
  check(size_seen.load() == n, "a team has one member per pool thread");
  check(consistent.load(), "team members pass 2000 barriers in lock step");
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
  team_member_failure_releases_the_others();
  team_members_run_together();
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
