#include "kernels/cpu/dispatch.h"

#include <atomic>
#include <cstdlib>

namespace recurrent {
namespace cpu {
namespace {

#if defined(RECURRENT_HAVE_X86_ISAS)
// The bfloat16 levels: the AVX-512 float32 kernels plus a bfloat16 GEMM.
CpuKernels with_bf16(Isa isa, const Bf16Kernels& bf16) {
  CpuKernels k = kernels_avx512();
  k.isa = isa;
  k.bf16 = &bf16;
  return k;
}
#endif

const CpuKernels& table_for(Isa isa) {
  switch (isa) {
#if defined(RECURRENT_HAVE_X86_ISAS)
    case Isa::Amx: {
      static const CpuKernels table = with_bf16(Isa::Amx, bf16_kernels_amx());
      return table;
    }
    case Isa::Avx512Bf16: {
      static const CpuKernels table = with_bf16(Isa::Avx512Bf16, bf16_kernels_avx512());
      return table;
    }
    case Isa::Avx512: return kernels_avx512();
    case Isa::Avx2: return kernels_avx2();
#endif
    default: return kernels_scalar();
  }
}

std::atomic<const CpuKernels*> active{nullptr};

const CpuKernels* initial_table() {
  Isa isa = best_supported_isa();
  Isa wanted;
  if (isa_from_environment(&wanted).empty()) isa = wanted;
  return &table_for(isa);
}

}  // namespace

std::string isa_from_environment(Isa* out) {
  *out = best_supported_isa();
  const char* env = std::getenv("RECURRENT_ISA");
  if (env == nullptr || *env == '\0') return "";
  Isa wanted;
  if (!parse_isa(env, &wanted)) {
    return std::string("RECURRENT_ISA='") + env + "' is not an instruction set: use scalar, avx2, avx512, avx512bf16 or amx";
  }
  if (!isa_supported(wanted)) {
    return std::string("RECURRENT_ISA=") + env + " but this CPU (or this build) supports at most " +
           isa_name(best_supported_isa());
  }
  *out = wanted;
  return "";
}

const CpuKernels& active_kernels() {
  const CpuKernels* k = active.load(std::memory_order_acquire);
  if (k == nullptr) {
    const CpuKernels* init = initial_table();
    active.compare_exchange_strong(k, init);
    k = active.load(std::memory_order_acquire);
  }
  return *k;
}

Isa active_isa() { return active_kernels().isa; }

std::string set_active_isa(Isa isa) {
  if (!isa_supported(isa)) {
    return std::string("instruction set '") + isa_name(isa) + "' is not available on this CPU or build; the best here is '" +
           isa_name(best_supported_isa()) + "'";
  }
  active.store(&table_for(isa), std::memory_order_release);
  return "";
}

}  // namespace cpu
}  // namespace recurrent
