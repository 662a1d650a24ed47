#include "runtime/thread_pool.h"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define RECURRENT_CPU_RELAX() _mm_pause()
#else
#define RECURRENT_CPU_RELAX() std::this_thread::yield()
#endif

namespace recurrent {
namespace {

thread_local bool tls_inside_region = false;

// How long an idle worker spins on the job counter before it sleeps: long enough to
// catch the next time step's GEMM without a futex round trip.
constexpr int kSpinIterations = 20000;

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { start(threads); }
  ~ThreadPool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    std::lock_guard<std::mutex> region(region_mutex_);
    stop();
    start(threads);
  }

  void run(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int64_t chunks = (n + grain - 1) / grain;
    if (chunks > size()) chunks = size();
    if (chunks <= 1 || tls_inside_region) {
      fn(ctx, 0, n);
      return;
    }
    std::unique_lock<std::mutex> region(region_mutex_, std::try_to_lock);
    if (!region.owns_lock()) {  // another caller holds the pool: run inline
      fn(ctx, 0, n);
      return;
    }
    job_fn_ = fn;
    job_ctx_ = ctx;
    job_n_ = n;
    job_chunks_.store(static_cast<int>(chunks), std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = ++job_generation_;
    claim_.store((gen & 0xffffffffu) << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      generation_.store(gen, std::memory_order_release);
    }
    wake_.notify_all();
    tls_inside_region = true;
    work(gen);
    tls_inside_region = false;
    // Every chunk is claimed by now; wait for those still running elsewhere.
    for (int spin = 0; done_.load(std::memory_order_acquire) != chunks; ++spin) {
      if (spin < 4096) RECURRENT_CPU_RELAX();
      else std::this_thread::yield();
    }
    // A chunk that threw (std::bad_alloc in a kernel's scratch) fails the whole call here,
    // on the caller's thread, where it can become a JavaScript error.
    if (failure_) {
      std::exception_ptr e = failure_;
      failure_ = nullptr;
      std::rethrow_exception(e);
    }
  }

 private:
  // Claims and runs chunks of job `gen` until none is left. The chunk boundaries depend
  // only on n and the chunk count, so whichever thread runs a chunk, the bits are the
  // same; and the caller never waits on a worker that has not started: it runs every
  // chunk nobody claimed.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      if ((c >> 32) != (gen & 0xffffffffu)) return;
      const int64_t index = static_cast<int64_t>(c & 0xffffffffu);
      if (index >= job_chunks_.load(std::memory_order_relaxed)) return;
      if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
      // Claimed: the job's fields stay as they are until this chunk is counted done.
      const int64_t chunks = job_chunks_.load(std::memory_order_relaxed);
      try {
        job_fn_(job_ctx_, job_n_ * index / chunks, job_n_ * (index + 1) / chunks);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void start(int threads) {
    quit_ = false;
    // Workers start from the generation as it is now, so they react only to later jobs.
    const uint64_t now = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, now] { worker_loop(now); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      quit_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    job_generation_ = generation_.load(std::memory_order_acquire);
  }

  void worker_loop(uint64_t seen) {
    tls_inside_region = true;  // nested parallel_for from a kernel runs inline
    for (;;) {
      uint64_t now = seen;
      for (int spin = 0; spin < kSpinIterations; ++spin) {
        now = generation_.load(std::memory_order_acquire);
        if (now != seen) break;
        RECURRENT_CPU_RELAX();
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(wake_mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        now = generation_.load(std::memory_order_acquire);
      }
      seen = now;
      if (quit_) return;
      work(now);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex region_mutex_;  // one parallel region at a time
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};  // bumped per job (and on stop) to wake workers
  uint64_t job_generation_ = 0;          // the caller's job counter
  std::atomic<uint64_t> claim_{0};       // (low 32 bits of the job generation << 32) | next chunk
  std::atomic<int> job_chunks_{0};
  std::atomic<int> done_{0};
  bool quit_ = false;
  std::mutex failure_mutex_;
  std::exception_ptr failure_;  // the first exception a chunk of the current job threw
  RangeFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  int64_t job_n_ = 0;
};

int cores_available() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::mutex pool_mutex;
std::unique_ptr<ThreadPool> pool_instance;

ThreadPool& pool() {
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (!pool_instance) pool_instance.reset(new ThreadPool(default_num_threads()));
  return *pool_instance;
}

}  // namespace

int default_num_threads() {
  if (const char* env = std::getenv("RECURRENT_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1 && n <= 1024) return n;
  }
  return cores_available();
}

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) { pool().run(n, grain, fn, ctx); }

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n < 1) n = default_num_threads();
  if (n > 1024) n = 1024;
  pool().resize(n);
}

}  // namespace recurrent
