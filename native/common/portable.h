// Marks functions shared by the CPU and CUDA builds. Everything in common/ has internal
// linkage (`static inline`): each translation unit, compiled with its own instruction
// set flags, keeps its own copy, so no AVX-512 code can leak into a baseline caller
// through a merged inline symbol.
#pragma once
#if defined(__CUDACC__)
#define RECURRENT_HD __host__ __device__
#else
#define RECURRENT_HD
#endif
#define RECURRENT_SHARED static inline RECURRENT_HD
