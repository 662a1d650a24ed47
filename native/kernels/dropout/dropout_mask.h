// Counter-based random numbers for dropout: the keep decision of element i depends only
// on (seed, step, stream, i), never on thread split, call order or backend, so training
// is reproducible bit for bit. Every backend's dropout_factors computes these bits.
#pragma once
#include "common/portable.h"
#include <cstdint>

namespace recurrent {
namespace dropout {

RECURRENT_HD inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) with 24 random bits.
RECURRENT_HD inline float dropout_uniform(uint64_t seed, uint64_t step, uint64_t stream, uint64_t index) {
  uint64_t h = splitmix64(seed ^ splitmix64(step ^ splitmix64(stream * 0x100000001B3ull + 7)));
  h = splitmix64(h ^ index);
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// Inverted dropout factors of elements [begin, end): 0 for a dropped element, 1 / (1 - rate)
// for a kept one. out points at element 0.
RECURRENT_HD inline void dropout_factors_range(float rate, uint64_t seed, uint64_t step, uint64_t stream, float* out,
                                  int64_t begin, int64_t end) {
  const float scale = 1.0f / (1.0f - rate);
  for (int64_t i = begin; i < end; ++i)
    out[i] = dropout_uniform(seed, step, stream, static_cast<uint64_t>(i)) < rate ? 0.0f : scale;
}

}  // namespace dropout
}  // namespace recurrent
