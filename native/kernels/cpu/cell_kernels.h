// Fused per-time-step element-wise kernels of the recurrent cells (filled in by the
// cell engine).
#pragma once
#include <cstdint>

namespace recurrent {
namespace cpu {

struct CellKernels {
  int reserved = 0;
};

}  // namespace cpu
}  // namespace recurrent
