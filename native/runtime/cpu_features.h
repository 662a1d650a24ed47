// What the processor can run, read once by cpuid, and the instruction-set levels our
// CPU kernels are built for.
#pragma once
#include <string>

namespace recurrent {

// Ordered: a higher level may use everything a lower one does.
enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA + F16C, with the OS saving ymm state
  bool avx512 = false;    // AVX-512 F/BW/VL/DQ, with the OS saving zmm state
  std::string brand;      // processor brand string, empty where cpuid has none
};

const CpuFeatures& cpu_features();
bool isa_supported(Isa isa);
Isa best_supported_isa();
const char* isa_name(Isa isa);
// Accepts "scalar", "avx2", "avx512"; returns false for anything else.
bool parse_isa(const std::string& text, Isa* out);

}  // namespace recurrent
