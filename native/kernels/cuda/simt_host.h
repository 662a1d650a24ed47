// A small SIMT machine on the host, so that the CUDA backend's kernels (written in the
// dialect of kernels/cuda/simt.h) run and are checked on a machine without a GPU, in CI.
//
// A launch runs every CUDA thread of a block as a fiber (its own stack, ucontext) on the
// calling OS thread: fibers run one at a time, each until it reaches a barrier or
// returns, so a kernel's shared memory, __syncthreads and warp shuffles behave as on the
// device for any kernel that is correct there. What the device leaves undefined is made
// an error here: a block whose threads do not all reach the same __syncthreads (some
// exited, or wait at another barrier) is reported as a divergent barrier, and a launch
// that can make no progress as a deadlock, instead of hanging.
//
// Blocks run one after the other; a cooperative launch (grid-wide sync) runs all blocks'
// fibers together. Memory is host memory: "device pointers" are plain pointers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "kernels/cuda/tf32.h"

namespace simt {

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The running fiber's coordinates (set by the scheduler before it resumes a fiber).
extern thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

constexpr int kWarpSize = 32;

class SimtError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `kernel` on every thread of grid x block; `shared_bytes` of dynamic shared memory
// per block. cooperative: every block resident at once (grid_sync allowed). Rethrows the
// first exception a thread threw; throws SimtError for divergent barriers and deadlocks.
void launch(dim3 grid, dim3 block, size_t shared_bytes, bool cooperative, const std::function<void()>& kernel);

// Barriers of the running fiber: the block, its warp (for shuffles), the whole grid.
void sync_block();
void sync_warp();
void sync_grid();

// Shared memory of the running fiber's block: the dynamic area, and a static array
// identified by `site` (one per declaration), zeroed when the block starts.
void* dynamic_shared();
void* static_shared(int site, size_t bytes);

// Warp shuffles through a per-warp exchange slot (two warp barriers each).
float shfl_down(float value, unsigned delta);
float shfl_xor(float value, unsigned mask);
double shfl_down(double value, unsigned delta);
double shfl_xor(double value, unsigned mask);

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 of the running fiber's warp (see
// simt_mma_tf32 in simt.h for the fragments); the operands rounded as cvt.rna.tf32.f32 does.
void mma_tf32_m16n8k8(float* d, const float* a, const float* b, const float* c);

}  // namespace simt
