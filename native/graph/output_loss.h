// The loss and metrics of one model output (kernels/loss/loss.h): its rows, their
// weights from the mask and sample weights, and in training the gradient d loss / d
// output, scaled by the output's loss weight, into the output value.
#pragma once
#include <vector>

#include "graph/batch.h"
#include "graph/graph_spec.h"
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

  // The output's rows for a per-sample shape: N = B * rows_per_sample, K = shape.back().
  // with_gradient: write the gradient into out's grad buffer (out.grad set).
  OutputScore score(Value& out, const TargetData& target, int64_t batch, bool with_gradient);

 private:
  OutputLossSpec spec_;
  Backend* backend_;
  bool fused_ = false;
  DeviceBuffer<float> row_weight_;
  DeviceBuffer<uint8_t> row_valid_;
  DeviceBuffer<float> staged_y_, staged_weight_;
  DeviceBuffer<int32_t> staged_ids_;
};

}  // namespace graph
}  // namespace recurrent
