// Which CPU kernel table is in use. Chosen at load time: RECURRENT_ISA if set (it may
// only lower the level), else the best the processor supports. set_active_isa() changes
// it at run time for benchmarks and tests of every path.
#pragma once
#include <string>

#include "kernels/cpu/cpu_kernels.h"

namespace recurrent {
namespace cpu {

const CpuKernels& active_kernels();
Isa active_isa();
// Returns an empty string on success, else why the level cannot be used.
std::string set_active_isa(Isa isa);
// The level RECURRENT_ISA asked for at load, or an error message if it named one the
// CPU lacks or an unknown name (the addon refuses to load then).
std::string isa_from_environment(Isa* out);

}  // namespace cpu
}  // namespace recurrent
