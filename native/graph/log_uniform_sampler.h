// The candidate sampler of sampled softmax, TensorFlow's log_uniform_candidate_sampler
// with unique = true: class ids are taken to be sorted by falling frequency (id 0 the most
// frequent), and a draw gives id c with probability
//   P(c) = log((c + 2) / (c + 1)) / log(V + 1)
// (draw: floor(exp(u log(V + 1))) - 1 for u uniform in [0, 1)). Draws repeat until S
// distinct ids are found; after n draws the expected number of times c was drawn is
//   Q(c) = S P(c)                    when n == S (no draw was rejected)
//   Q(c) = 1 - (1 - P(c))^n          otherwise (computed as -expm1(n log1p(-P(c))))
// which sampled_softmax.h subtracts as log Q. One sample set per step and output, from
// counter-based uniforms (seed, step, stream, draw index): the same on every backend and
// for any thread count. Host code.
#pragma once
#include <cstdint>
#include <vector>

namespace recurrent {
namespace graph {

// u in [0, 1) with 53 random bits for draw `index` of (seed, step, stream).
double sampler_uniform(uint64_t seed, uint64_t step, uint64_t stream, uint64_t index);

struct CandidateSample {
  std::vector<int32_t> ids;  // [S] distinct, in the order drawn
  int64_t draws = 0;         // n
};

class LogUniformSampler {
 public:
  // V classes; S < V samples per step (throws std::invalid_argument otherwise).
  LogUniformSampler(int64_t classes, int64_t samples);
  CandidateSample sample(uint64_t seed, uint64_t step, uint64_t stream) const;
  double probability(int64_t id) const;
  // log Q(id) for a sample of `draws` draws.
  double log_expected_count(int64_t id, int64_t draws) const;

 private:
  int64_t classes_, samples_;
  double log_range_;
};

}  // namespace graph
}  // namespace recurrent
