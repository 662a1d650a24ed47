#include "graph/log_uniform_sampler.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/dropout/dropout_mask.h"

namespace recurrent {
namespace graph {

double sampler_uniform(uint64_t seed, uint64_t step, uint64_t stream, uint64_t index) {
  using dropout::splitmix64;
  // A stream space of its own, apart from the dropout masks' (seed, step, stream, index).
  uint64_t h = splitmix64(seed ^ splitmix64(step ^ splitmix64(stream * 0x100000001B3ull + 0x5A3D)));
  h = splitmix64(h ^ index);
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

LogUniformSampler::LogUniformSampler(int64_t classes, int64_t samples)
    : classes_(classes), samples_(samples), log_range_(std::log1p(static_cast<double>(classes))) {
  if (samples < 1 || samples >= classes)
    throw std::invalid_argument("numSampled must be in [1, " + std::to_string(classes) + ") for " +
                                std::to_string(classes) + " classes, received " + std::to_string(samples));
}

CandidateSample LogUniformSampler::sample(uint64_t seed, uint64_t step, uint64_t stream) const {
  CandidateSample s;
  s.ids.reserve(static_cast<size_t>(samples_));
  std::vector<bool> taken(static_cast<size_t>(classes_), false);
  while (static_cast<int64_t>(s.ids.size()) < samples_) {
    const double u = sampler_uniform(seed, step, stream, static_cast<uint64_t>(s.draws++));
    const int64_t id = (static_cast<int64_t>(std::exp(u * log_range_)) - 1) % classes_;
    if (taken[id]) continue;
    taken[id] = true;
    s.ids.push_back(static_cast<int32_t>(id));
  }
  return s;
}

double LogUniformSampler::probability(int64_t id) const {
  return std::log((id + 2.0) / (id + 1.0)) / log_range_;
}

double LogUniformSampler::log_expected_count(int64_t id, int64_t draws) const {
  const double p = probability(id);
  if (draws == samples_) return std::log(p * samples_);
  return std::log(-std::expm1(draws * std::log1p(-p)));
}

}  // namespace graph
}  // namespace recurrent
