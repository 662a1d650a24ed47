#include "kernels/cuda/simt_host.h"

#include <ucontext.h>

#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <vector>

namespace simt {

thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace {

constexpr size_t kStackBytes = 128 * 1024;

enum class Wait { None, Block, Warp, Grid, Done };

struct Fiber {
  ucontext_t context;
  char* stack = nullptr;  // from Launch::stacks
  dim3 thread;
  int block = 0;   // index into Launch::blocks
  int linear = 0;  // thread index within its block, x fastest
  Wait wait = Wait::None;
};

struct BlockState {
  dim3 index;
  std::vector<unsigned char> dynamic;
  std::map<int, std::vector<unsigned char>> statics;
  std::vector<double> exchange;  // one slot per thread, for shuffles
  std::vector<float> gather;     // kGatherSlots per thread, for the warp's matrix fragments
};

constexpr int kGatherSlots = 8;

struct Launch {
  std::vector<Fiber> fibers;
  std::vector<std::unique_ptr<char[]>> stacks;  // reused by the blocks that run one after another
  std::vector<BlockState> blocks;
  ucontext_t scheduler;
  Fiber* current = nullptr;
  const std::function<void()>* kernel = nullptr;
  std::exception_ptr error;
  dim3 grid, block;
  size_t shared_bytes = 0;
  unsigned threads_per_block = 0;
  bool cooperative = false;
};

thread_local Launch* active = nullptr;

Launch& running(const char* what) {
  if (!active || !active->current) throw SimtError(std::string(what) + " called outside a kernel");
  return *active;
}

// Uninitialised shared memory reads as NaN (all bits set), loud where the device's would be garbage.
void fill_uninitialised(std::vector<unsigned char>& bytes) { std::memset(bytes.data(), 0xFF, bytes.size()); }

void trampoline() {
  Launch& L = *active;
  try {
    (*L.kernel)();
  } catch (...) {
    if (!L.error) L.error = std::current_exception();
  }
  L.current->wait = Wait::Done;
  // Returning continues at uc_link: the scheduler.
}

void wait_at(Wait kind, const char* what) {
  Launch& L = running(what);
  Fiber* f = L.current;
  f->wait = kind;
  swapcontext(&f->context, &L.scheduler);
}

void resume(Launch& L, Fiber& f) {
  threadIdx = f.thread;
  blockIdx = L.blocks[f.block].index;
  L.current = &f;
  swapcontext(&L.scheduler, &f.context);
  L.current = nullptr;
}

std::string where(const Fiber& f, const BlockState& b) {
  return "thread (" + std::to_string(f.thread.x) + "," + std::to_string(f.thread.y) + "," + std::to_string(f.thread.z) +
         ") of block (" + std::to_string(b.index.x) + "," + std::to_string(b.index.y) + "," + std::to_string(b.index.z) + ")";
}

// Releases the barriers every participant has reached; throws for one that can never be
// released. Returns whether a fiber became runnable.
bool release_barriers(Launch& L, size_t first, size_t count) {
  bool released = false;
  const unsigned per_block = L.threads_per_block;
  // Grid: every fiber of the launch.
  bool any_grid = false, all_grid = true;
  for (size_t i = first; i < first + count; ++i) {
    any_grid = any_grid || L.fibers[i].wait == Wait::Grid;
    all_grid = all_grid && L.fibers[i].wait == Wait::Grid;
  }
  if (any_grid && !L.cooperative)
    throw SimtError("deadlock: a grid sync in a launch that is not cooperative (the device cannot keep every block resident)");
  if (any_grid && all_grid) {
    for (size_t i = first; i < first + count; ++i) L.fibers[i].wait = Wait::None;
    return true;
  }
  for (size_t b0 = first; b0 < first + count; b0 += per_block) {
    // Warps within the block.
    for (unsigned w0 = 0; w0 < per_block; w0 += kWarpSize) {
      const unsigned w1 = std::min(per_block, w0 + kWarpSize);
      bool any = false, all = true;
      for (unsigned t = w0; t < w1; ++t) {
        any = any || L.fibers[b0 + t].wait == Wait::Warp;
        all = all && L.fibers[b0 + t].wait == Wait::Warp;
      }
      if (any && all) {
        for (unsigned t = w0; t < w1; ++t) L.fibers[b0 + t].wait = Wait::None;
        released = true;
      }
    }
    bool any = false, all = true;
    for (unsigned t = 0; t < per_block; ++t) {
      any = any || L.fibers[b0 + t].wait == Wait::Block;
      all = all && L.fibers[b0 + t].wait == Wait::Block;
    }
    if (any && all) {
      for (unsigned t = 0; t < per_block; ++t) L.fibers[b0 + t].wait = Wait::None;
      released = true;
    }
  }
  return released;
}

[[noreturn]] void stuck(const Launch& L, size_t first, size_t count) {
  // Name a fiber at a barrier and one that cannot join it.
  for (size_t i = first; i < first + count; ++i) {
    const Fiber& f = L.fibers[i];
    if (f.wait != Wait::Block && f.wait != Wait::Warp) continue;
    const size_t b0 = first + ((i - first) / L.threads_per_block) * L.threads_per_block;
    for (size_t j = b0; j < b0 + L.threads_per_block; ++j) {
      const Fiber& g = L.fibers[j];
      if (g.wait == f.wait) continue;
      if (f.wait == Wait::Warp && (g.linear / kWarpSize != f.linear / kWarpSize)) continue;
      const char* kind = f.wait == Wait::Block ? "__syncthreads" : "a warp shuffle";
      throw SimtError(std::string("divergent barrier: ") + where(f, L.blocks[f.block]) + " waits at " + kind + " while " +
                      where(g, L.blocks[g.block]) + (g.wait == Wait::Done ? " has returned" : " waits at another barrier"));
    }
  }
  throw SimtError("deadlock: no thread of the launch can make progress (a grid sync outside a cooperative launch?)");
}

// Runs fibers [first, first + count) to completion.
void run_fibers(Launch& L, size_t first, size_t count) {
  for (;;) {
    bool ran = false;
    for (size_t i = first; i < first + count; ++i) {
      if (L.fibers[i].wait != Wait::None) continue;
      resume(L, L.fibers[i]);
      ran = true;
      if (L.error) return;
    }
    bool done = true;
    for (size_t i = first; i < first + count; ++i) done = done && L.fibers[i].wait == Wait::Done;
    if (done) return;
    if (!release_barriers(L, first, count) && !ran) stuck(L, first, count);
  }
}

void make_fibers(Launch& L, size_t block_index) {
  BlockState& b = L.blocks[block_index];
  b.dynamic.assign(L.shared_bytes, 0);
  fill_uninitialised(b.dynamic);
  b.statics.clear();
  b.exchange.assign(L.threads_per_block, 0.0);
  b.gather.assign(size_t(L.threads_per_block) * kGatherSlots, 0.0f);
  for (unsigned z = 0; z < L.block.z; ++z)
    for (unsigned y = 0; y < L.block.y; ++y)
      for (unsigned x = 0; x < L.block.x; ++x) {
        L.fibers.emplace_back();
        Fiber& f = L.fibers.back();
        f.thread = dim3(x, y, z);
        f.block = static_cast<int>(block_index);
        f.linear = static_cast<int>(x + L.block.x * (y + L.block.y * z));
        const size_t slot = L.fibers.size() - 1;
        if (L.stacks.size() <= slot) L.stacks.emplace_back(new char[kStackBytes]);
        f.stack = L.stacks[slot].get();
      }
}

// Its own function, so that no loop variable lives across getcontext (which may return twice).
void start_fiber(Launch& L, Fiber& f) {
  if (getcontext(&f.context) != 0) throw SimtError("getcontext failed");
  f.context.uc_stack.ss_sp = f.stack;
  f.context.uc_stack.ss_size = kStackBytes;
  f.context.uc_link = &L.scheduler;
  makecontext(&f.context, trampoline, 0);
}

void start_fibers(Launch& L, size_t first) {
  for (size_t i = first; i < L.fibers.size(); ++i) start_fiber(L, L.fibers[i]);
}

}  // namespace

void launch(dim3 grid, dim3 block, size_t shared_bytes, bool cooperative, const std::function<void()>& kernel) {
  if (active) throw SimtError("a kernel cannot launch a kernel");
  const uint64_t per_block = uint64_t(block.x) * block.y * block.z;
  const uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
  if (per_block == 0 || per_block > 1024 || blocks == 0)
    throw SimtError("launch: " + std::to_string(per_block) + " threads per block (1 to 1024) in " +
                    std::to_string(blocks) + " blocks (at least 1)");
  if (cooperative && blocks * per_block > 16384)
    throw SimtError("launch: a cooperative launch of " + std::to_string(blocks * per_block) +
                    " threads is more than this emulation keeps resident (16384)");
  Launch L;
  L.kernel = &kernel;
  L.grid = grid;
  L.block = block;
  L.shared_bytes = shared_bytes;
  L.threads_per_block = static_cast<unsigned>(per_block);
  L.cooperative = cooperative;
  L.blocks.resize(blocks);
  for (unsigned z = 0, k = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) L.blocks[k++].index = dim3(x, y, z);
  blockDim = block;
  gridDim = grid;
  struct Active {
    explicit Active(Launch* l) { active = l; }
    ~Active() { active = nullptr; }
  } guard(&L);
  if (cooperative) {
    L.fibers.reserve(blocks * per_block);
    for (size_t b = 0; b < blocks; ++b) make_fibers(L, b);
    start_fibers(L, 0);
    run_fibers(L, 0, L.fibers.size());
  } else {
    for (size_t b = 0; b < blocks && !L.error; ++b) {
      L.fibers.clear();
      L.fibers.reserve(per_block);
      make_fibers(L, b);
      start_fibers(L, 0);
      run_fibers(L, 0, L.fibers.size());
    }
  }
  if (L.error) std::rethrow_exception(L.error);
}

void sync_block() { wait_at(Wait::Block, "__syncthreads"); }
void sync_warp() { wait_at(Wait::Warp, "a warp barrier"); }
void sync_grid() { wait_at(Wait::Grid, "grid sync"); }

void* dynamic_shared() {
  Launch& L = running("dynamic shared memory");
  std::vector<unsigned char>& d = L.blocks[L.current->block].dynamic;
  return d.empty() ? nullptr : d.data();
}

void* static_shared(int site, size_t bytes) {
  Launch& L = running("__shared__");
  std::vector<unsigned char>& s = L.blocks[L.current->block].statics[site];
  if (s.empty()) {
    s.resize(bytes);
    fill_uninitialised(s);
  } else if (s.size() != bytes) {
    throw SimtError("__shared__ array declared with two sizes");
  }
  return s.data();
}

namespace {

template <class T>
T exchange(T value, unsigned other_of_lane(unsigned lane, unsigned arg), unsigned arg) {
  Launch& L = running("a warp shuffle");
  const Fiber* f = L.current;
  std::vector<double>& slots = L.blocks[f->block].exchange;
  const unsigned lane = f->linear % kWarpSize, warp0 = f->linear - lane;
  const unsigned width = std::min<unsigned>(kWarpSize, L.threads_per_block - warp0);
  slots[f->linear] = static_cast<double>(value);
  sync_warp();
  const unsigned src = other_of_lane(lane, arg);
  const T out = src < width ? static_cast<T>(slots[warp0 + src]) : value;
  sync_warp();
  return out;
}

// Every lane's n values (n <= kGatherSlots) of the running fiber's warp, all[lane * n + i];
// the warp must be full (matrix instructions are).
void warp_gather(const float* mine, int n, float* all) {
  Launch& L = running("a warp matrix instruction");
  const Fiber* f = L.current;
  std::vector<float>& slots = L.blocks[f->block].gather;
  const unsigned lane = f->linear % kWarpSize, warp0 = f->linear - lane;
  if (L.threads_per_block - warp0 < unsigned(kWarpSize))
    throw SimtError("a warp matrix instruction in a warp that is not full (block size not a multiple of 32)");
  for (int i = 0; i < n; ++i) slots[size_t(f->linear) * kGatherSlots + i] = mine[i];
  sync_warp();
  for (unsigned l = 0; l < unsigned(kWarpSize); ++l)
    for (int i = 0; i < n; ++i) all[l * n + i] = slots[size_t(warp0 + l) * kGatherSlots + i];
  sync_warp();
}

unsigned down_lane(unsigned lane, unsigned delta) { return lane + delta; }
unsigned xor_lane(unsigned lane, unsigned mask) { return lane ^ mask; }

}  // namespace

float shfl_down(float value, unsigned delta) { return exchange<float>(value, down_lane, delta); }
float shfl_xor(float value, unsigned mask) { return exchange<float>(value, xor_lane, mask); }
double shfl_down(double value, unsigned delta) { return exchange<double>(value, down_lane, delta); }
double shfl_xor(double value, unsigned mask) { return exchange<double>(value, xor_lane, mask); }

void mma_tf32_m16n8k8(float* d, const float* a, const float* b, const float* c) {
  float as[kWarpSize * 4], bs[kWarpSize * 2];
  float ar[4], br[2];
  for (int i = 0; i < 4; ++i) ar[i] = round_to_tf32(a[i]);
  for (int i = 0; i < 2; ++i) br[i] = round_to_tf32(b[i]);
  warp_gather(ar, 4, as);
  warp_gather(br, 2, bs);
  // A [16][8] and B [8][8] from the lanes' fragments (the layout of simt.h).
  float A[16][8], B[8][8];
  for (unsigned l = 0; l < unsigned(kWarpSize); ++l) {
    const unsigned g = l / 4, t = l % 4;
    A[g][t] = as[l * 4 + 0];
    A[g + 8][t] = as[l * 4 + 1];
    A[g][t + 4] = as[l * 4 + 2];
    A[g + 8][t + 4] = as[l * 4 + 3];
    B[t][g] = bs[l * 2 + 0];
    B[t + 4][g] = bs[l * 2 + 1];
  }
  Launch& L = running("a warp matrix instruction");
  const unsigned lane = L.current->linear % kWarpSize, g = lane / 4, t = lane % 4;
  for (int r = 0; r < 4; ++r) {
    const unsigned row = g + 8 * (r / 2), col = 2 * t + (r % 2);
    // The products of TF32 values are exact in float; the device sums them in an order of
    // its own at float precision or better: here in double, rounded once.
    double sum = c[r];
    for (int k = 0; k < 8; ++k) sum += double(A[row][k]) * B[k][col];
    d[r] = static_cast<float>(sum);
  }
}

}  // namespace simt
