// The output layer's side of sampled softmax (kernels/loss/sampled_softmax.h). A Dense
// output trained with it computes, in a training step, only the logits the loss asks for:
// its forward keeps its input and writes no output, the loss (graph/output_loss.cc) draws
// the step's sample and calls candidate_logits, writes d loss / d logits into the
// buffers it returns and points the output's gradient at them, and the layer's backward
// takes those gradients to its weights (scattered into the sampled columns) and to its input.
#pragma once
#include <cstdint>

#include "kernels/backend.h"

namespace recurrent {
namespace graph {

struct CandidateLogits {
  int64_t rows = 0;                      // R: the Dense's rows this step
  const float* true_logits = nullptr;    // [R]
  const float* sampled_logits = nullptr; // [R, S]
  float* dtrue = nullptr;                // [R] for the loss to write
  float* dsampled = nullptr;             // [R, S]
};

class SampledSoftmaxHead {
 public:
  virtual ~SampledSoftmaxHead() = default;
  // Training steps skip the full product (set when the model is compiled).
  virtual void set_sampled_training(bool on) = 0;
  virtual int64_t classes() const = 0;
  // After a training forward. candidates [R + S] on the device: the rows' labels, then the
  // S sampled ids; it must stay valid until backward.
  virtual CandidateLogits candidate_logits(Backend& backend, const int32_t* candidates, int64_t samples) = 0;
};

}  // namespace graph
}  // namespace recurrent
