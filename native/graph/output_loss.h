// The loss and metrics of one model output (kernels/loss/loss.h): its rows, their
// weights from the mask and sample weights, and in training the gradient d loss / d
// output, scaled by the output's loss weight, into the output value. With sampled softmax
// a training step draws the step's sample (graph/log_uniform_sampler.h) and scores the
// candidates' logits its Dense head computes (graph/sampled_softmax_head.h); evaluation
// scores the full softmax.
#pragma once
#include <memory>
#include <vector>

#include "graph/batch.h"
#include "graph/graph_spec.h"
#include "graph/log_uniform_sampler.h"
#include "graph/sampled_softmax_head.h"
#include "graph/value.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

struct OutputScore {
  double loss = 0.0;  // the mean, unweighted by the loss weight
  std::vector<double> metrics;
  double count = 0.0;
};

class OutputLoss {
 public:
  OutputLoss(const OutputLossSpec& spec, Backend* backend);
  const OutputLossSpec& spec() const { return spec_; }
  bool sparse() const { return spec_.loss == LossKind::SparseCategoricalCrossentropy; }
  // Fuse with the output's softmax (categorical losses on probabilities).
  bool fusable() const;
  void set_fused(bool fused) { fused_ = fused; }
  bool sampled() const { return spec_.sampled.num_sampled > 0; }
  // The Dense that sampled softmax trains (compile checks there is one).
  void set_sampled_head(SampledSoftmaxHead* head);

  // Where a training step's sample comes from: the model's seed and step, and the output's index.
  struct Draw {
    uint64_t seed = 0, step = 0, stream = 0;
  };
  // The output's rows for a per-sample shape: N = B * rows_per_sample, K = shape.back().
  // with_gradient: write the gradient into out's grad buffer (out.grad set). training
  // (with a draw): sampled softmax in place of the full loss, when compiled with it.
  OutputScore score(Value& out, const TargetData& target, int64_t batch, bool with_gradient,
                    const Draw* training = nullptr);

 private:
  double sampled_loss(Value& out, const TargetData& target, int64_t rows, double count, const float* weight,
                      bool with_gradient, const Draw& draw);

  OutputLossSpec spec_;
  Backend* backend_;
  bool fused_ = false;
  SampledSoftmaxHead* head_ = nullptr;
  std::unique_ptr<LogUniformSampler> sampler_;
  std::vector<int32_t> candidates_;  // [R + S] labels, then the sample (kept until backward)
  std::vector<float> log_q_;         // [R + S] log expected counts of the same
  DeviceBuffer<int32_t> staged_candidates_;
  DeviceBuffer<float> staged_log_q_;
  DeviceBuffer<float> row_weight_;
  DeviceBuffer<uint8_t> row_valid_;
  DeviceBuffer<float> staged_y_, staged_weight_;
  DeviceBuffer<int32_t> staged_ids_;
};

}  // namespace graph
}  // namespace recurrent
