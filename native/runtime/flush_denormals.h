// Flush-to-zero and denormals-are-zero for the threads that run our kernels.
//
// Arithmetic on denormal floats (|x| < 1.2e-38) takes a slow microcode path on many
// processors (on an Intel Xeon, W1's second GRU layer, whose gradient decays over 256
// steps, ran 4.7x slower because of it). Like TensorFlow's compute threads, our kernels
// run with denormal inputs read as zero and denormal results written as zero: a
// difference below 1.2e-38 in absolute value, far under float32 rounding of any value
// that matters in training.
//
// Scoped, so the user's own JavaScript math (V8 computes doubles with the same SSE
// control register) keeps IEEE behaviour: every native entry point that runs kernels
// holds a ScopedFlushDenormals for the duration of the kernel (the libuv worker's
// Execute(), a synchronous binding's body), and the thread pool runs each job under the
// floating-point control state of the thread that started it, so all threads of one
// computation agree (the bits do not depend on the thread count).
//
// On by default; off with RECURRENT_FLUSH_DENORMALS=0 in the environment or
// set_flush_denormals(false) at run time.
#pragma once
#include <cstdint>

namespace recurrent {

// The thread's floating-point control word: MXCSR on x86-64, FPCR on arm64, 0 elsewhere.
uint64_t read_float_control();
void write_float_control(uint64_t control);
// Whether this build can set flush-to-zero on this architecture.
bool flush_denormals_supported();

bool flush_denormals_enabled();
void set_flush_denormals(bool on);

// While alive, the calling thread flushes denormals (when enabled); restores the previous
// control word on destruction.
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  uint64_t saved_;
  bool changed_;
};

}  // namespace recurrent
