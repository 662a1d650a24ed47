#include "graph/output_loss.h"

namespace recurrent {
namespace graph {

OutputLoss::OutputLoss(const OutputLossSpec& spec, Backend* backend)
    : spec_(spec), backend_(backend), row_weight_(backend), row_valid_(backend), staged_y_(backend),
      staged_weight_(backend), staged_ids_(backend) {}

bool OutputLoss::fusable() const {
  return !spec_.from_logits &&
         (spec_.loss == LossKind::CategoricalCrossentropy || spec_.loss == LossKind::SparseCategoricalCrossentropy);
}

OutputScore OutputLoss::score(Value& out, const TargetData& target, int64_t B, bool with_gradient) {
  const Shape& shape = out.shape;
  const int64_t K = shape.back(), N = B * (shape_size(shape) / K);
  // A mask covers the first axis; the axes between it and the last are rows of each step.
  const bool masked = out.mask != nullptr && shape.size() >= 2;
  const int64_t T = masked ? shape[0] : 1, S = N / (B * T);
  float* weight = row_weight_.ensure(N);
  uint8_t* valid = row_valid_.ensure(N);
  const float* sample_weight = on_device(backend_, target.sample_weight, staged_weight_);
  const double count = backend_->loss_row_weights(masked ? out.mask : nullptr, sample_weight, B, T, S, weight, valid);
  LossRows rows;
  rows.output = out.data;
  rows.rows = N;
  rows.width = K;
  rows.target = sparse() ? nullptr : on_device(backend_, target.y, staged_y_);
  rows.ids = sparse() ? on_device(backend_, target.ids, staged_ids_) : nullptr;
  rows.row_weight = weight;
  rows.count = count;
  rows.gradient_scale = spec_.weight;
  float* dout = nullptr;
  if (with_gradient) {
    dout = out.grad_storage.ensure(N * K);
    out.grad = dout;
  }
  OutputScore s;
  const double sum = backend_->loss_forward_backward(spec_.loss, spec_.from_logits, fused_, rows, dout);
  s.loss = count > 0 ? sum / count : 0.0;
  s.count = count;
  for (MetricKind m : spec_.metrics)
    s.metrics.push_back(count > 0 ? backend_->metric_sum(m, spec_.from_logits, rows, valid) / count : 0.0);
  return s;
}

}  // namespace graph
}  // namespace recurrent
