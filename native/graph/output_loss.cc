#include "graph/output_loss.h"

#include <stdexcept>
#include <string>

namespace recurrent {
namespace graph {

OutputLoss::OutputLoss(const OutputLossSpec& spec, Backend* backend)
    : spec_(spec), backend_(backend), staged_candidates_(backend), staged_log_q_(backend), row_weight_(backend),
      row_valid_(backend), staged_y_(backend), staged_weight_(backend), staged_ids_(backend) {}

void OutputLoss::set_sampled_head(SampledSoftmaxHead* head) {
  head_ = head;
  sampler_ = std::make_unique<LogUniformSampler>(head->classes(), spec_.sampled.num_sampled);
  head->set_sampled_training(true);
}

double OutputLoss::sampled_loss(Value& out, const TargetData& target, int64_t R, double count, const float* weight,
                                bool with_gradient, const Draw& draw) {
  const int64_t S = spec_.sampled.num_sampled;
  const CandidateSample sample = sampler_->sample(draw.seed, draw.step, draw.stream);
  candidates_.assign(target.ids.begin(), target.ids.end());
  candidates_.insert(candidates_.end(), sample.ids.begin(), sample.ids.end());
  log_q_.resize(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i)
    log_q_[i] = static_cast<float>(sampler_->log_expected_count(candidates_[i], sample.draws));
  const int32_t* candidates = on_device(backend_, candidates_, staged_candidates_);
  const float* log_q = on_device(backend_, log_q_, staged_log_q_);
  const CandidateLogits c = head_->candidate_logits(*backend_, candidates, S);
  if (c.rows != R)
    throw std::logic_error("sampled softmax: the output layer has " + std::to_string(c.rows) + " rows, the loss " +
                           std::to_string(R));
  SampledLogits in;
  in.true_logits = c.true_logits;
  in.sampled_logits = c.sampled_logits;
  in.labels = candidates;
  in.sampled = candidates + R;
  in.true_log_q = log_q;
  in.sampled_log_q = log_q + R;
  in.row_weight = weight;
  in.rows = R;
  in.samples = S;
  in.remove_accidental_hits = spec_.sampled.remove_accidental_hits;
  in.count = count;
  in.gradient_scale = spec_.weight;
  const double sum = backend_->sampled_softmax_loss(in, with_gradient ? c.dtrue : nullptr, c.dsampled);
  if (with_gradient) out.grad = c.dsampled;
  return sum;
}

bool OutputLoss::fusable() const {
  return !spec_.from_logits &&
         (spec_.loss == LossKind::CategoricalCrossentropy || spec_.loss == LossKind::SparseCategoricalCrossentropy);
}

OutputScore OutputLoss::score(Value& out, const TargetData& target, int64_t B, bool with_gradient,
                              const Draw* training) {
  const Shape& shape = out.shape;
  const int64_t K = shape.back(), N = B * (shape_size(shape) / K);
  // A mask covers the first axis; the axes between it and the last are rows of each step.
  const bool masked = out.mask != nullptr && shape.size() >= 2;
  const int64_t T = masked ? shape[0] : 1, S = N / (B * T);
  float* weight = row_weight_.ensure(N);
  uint8_t* valid = row_valid_.ensure(N);
  const float* sample_weight = on_device(backend_, target.sample_weight, staged_weight_);
  const double count = backend_->loss_row_weights(masked ? out.mask : nullptr, sample_weight, B, T, S, weight, valid);
  if (training && head_) {
    OutputScore s;
    const double sum = sampled_loss(out, target, N, count, weight, with_gradient, *training);
    s.loss = count > 0 ? sum / count : 0.0;
    s.count = count;
    return s;
  }
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
