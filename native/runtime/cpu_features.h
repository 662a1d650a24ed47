// What the processor can run, read once by cpuid, and the instruction-set levels our
// CPU kernels are built for.
#pragma once
#include <string>

namespace recurrent {

// Ordered: a higher level may use everything a lower one does. The float32 kernels of
// the two bfloat16 levels are the AVX-512 ones; they add GEMMs on bfloat16 operands
// (kernels/gemm/gemm_bf16.h): AVX512-BF16 dot products (AMD Zen 4, Intel Cooper Lake and
// later), or AMX tiles (Intel Sapphire Rapids and later).
enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2, Avx512Bf16 = 3, Amx = 4 };

struct CpuFeatures {
  bool avx2_fma = false;     // AVX2 + FMA + F16C, with the OS saving ymm state
  bool avx512 = false;       // AVX-512 F/BW/VL/DQ, with the OS saving zmm state
  bool avx512_bf16 = false;  // AVX512-BF16 on top of that
  bool amx_bf16 = false;     // AMX-TILE + AMX-BF16, the OS saving tile state and granting it to us
  std::string brand;         // processor brand string, empty where cpuid has none
};

constexpr Isa kAllIsas[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Avx512Bf16, Isa::Amx};

const CpuFeatures& cpu_features();
bool isa_supported(Isa isa);
Isa best_supported_isa();
const char* isa_name(Isa isa);
// Accepts "scalar", "avx2", "avx512", "avx512bf16", "amx"; returns false for anything else.
bool parse_isa(const std::string& text, Isa* out);

}  // namespace recurrent
