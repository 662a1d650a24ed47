#include "graph/model.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace recurrent {
namespace graph {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

// The machine's memory: what a step may ask for at most.
double memory_limit_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? double(pages) * double(size) : 34359738368.0;
}

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f GiB", bytes / 1073741824.0);
  return text;
}

bool metric_needs_ids(MetricKind m) { return m == MetricKind::SparseCategoricalAccuracy; }

}  // namespace

Model::Model(const GraphSpec& spec, std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {
  graph_ = std::make_unique<Graph>(spec, backend_.get());
  losses_.resize(graph_->output_count());
  for (size_t i = 0; i < graph_->input_count(); ++i) {
    staged_inputs_.emplace_back(backend_.get());
    staged_ids_.emplace_back(backend_.get());
    staged_masks_.emplace_back(backend_.get());
  }
}

void Model::compile(const CompileSpec& spec) {
  const size_t outputs = graph_->output_count();
  require(spec.losses.size() == outputs, "compile: the model has " + std::to_string(outputs) +
                                             " outputs: give one loss (or null) for each, received " +
                                             std::to_string(spec.losses.size()));
  bool any = false;
  for (size_t k = 0; k < outputs; ++k) {
    if (!spec.losses[k]) continue;
    any = true;
    const OutputLossSpec& l = *spec.losses[k];
    const std::string where = "compile: losses[" + std::to_string(k) + "]";
    const bool sparse = l.loss == LossKind::SparseCategoricalCrossentropy;
    for (MetricKind m : l.metrics) {
      if (sparse)
        require(m == MetricKind::SparseCategoricalAccuracy || m == MetricKind::CategoricalAccuracy,
                where + ": with sparseCategoricalCrossentropy the targets are class ids; only "
                        "(sparse)categoricalAccuracy applies to them");
      else
        require(!metric_needs_ids(m),
                where + ": sparseCategoricalAccuracy needs class-id targets (the sparseCategoricalCrossentropy loss)");
    }
    if (l.sampled.num_sampled > 0) {
      require(sparse, where + ": sampled softmax trains on class ids: its loss is sparseCategoricalCrossentropy");
      require(l.metrics.empty(), where + ": sampled softmax computes no full output in training, so it takes no "
                                         "metrics (evaluate() reports the full softmax loss)");
      SampledSoftmaxHead* head = graph_->sampled_softmax_head(k);
      require(head != nullptr, where + ": sampled softmax needs the output to come straight from a Dense layer "
                                       "(softmax or linear activation) that nothing else reads");
      const bool softmax = graph_->softmax_output(k);
      require(softmax != l.from_logits, where + (softmax ? ": the output is a softmax Dense: fromLogits must be false"
                                                         : ": the output is a linear Dense: fromLogits must be true"));
      const int64_t V = head->classes();
      require(l.sampled.num_sampled < V, where + ": numSampled must be less than the output's " + std::to_string(V) +
                                             " classes, received " + std::to_string(l.sampled.num_sampled));
    }
    if (sparse || l.loss == LossKind::CategoricalCrossentropy) {
      const Shape& s = graph_->output(k).declared;
      require(!s.empty() && s.back() != kFree,
              where + ": categorical losses need the classes on a known last axis, the output has shape " + shape_text(s));
    }
  }
  require(any, "compile: every output's loss is null; at least one output needs a loss");
  auto optimizer = std::make_unique<Optimizer>(spec.optimizer);
  std::vector<std::unique_ptr<OutputLoss>> losses(outputs);
  for (size_t k = 0; k < outputs; ++k) {
    bool fused = false;
    if (SampledSoftmaxHead* head = graph_->sampled_softmax_head(k)) head->set_sampled_training(false);
    if (spec.losses[k]) {
      losses[k] = std::make_unique<OutputLoss>(*spec.losses[k], backend_.get());
      fused = losses[k]->fusable() && graph_->softmax_output(k);
      losses[k]->set_fused(fused);
      if (losses[k]->sampled()) losses[k]->set_sampled_head(graph_->sampled_softmax_head(k));
    }
    graph_->set_fused_softmax(k, fused);
  }
  graph_->params().allocate_slots(optimizer_slot_count(spec.optimizer), optimizer_slot0_initial(spec.optimizer));
  losses_ = std::move(losses);
  optimizer_ = std::move(optimizer);
}

void Model::infer(Batch& b) const {
  std::vector<Shape> inputs;
  for (const InputData& in : b.inputs) inputs.push_back(in.shape);
  b.shapes = graph_->infer_shapes(inputs);
}

Shape Model::target_shape(const Batch& b, size_t k) const {
  Shape s = b.shapes[graph_->spec().outputs[k]];
  if (losses_[k] && losses_[k]->sparse()) s.pop_back();
  return s;
}

void Model::check(Batch& b, StepKind kind, const char* op) {
  const int64_t B = b.batch;
  for (size_t i = 0; i < graph_->input_count(); ++i) {
    const std::vector<int32_t>& ids = b.inputs[i].ids;
    for (const Graph::TokenReader& r : graph_->token_readers(i))
      for (size_t j = 0; j < ids.size(); ++j)
        if (ids[j] < 0 || ids[j] >= r.vocabulary)
          throw std::out_of_range("layer '" + r.layer + "': token id " + std::to_string(ids[j]) + " at inputs[" +
                                  std::to_string(i) + "] ('" + graph_->spec().inputs[i].name + "')" +
                                  position_text(int64_t(j), B, b.inputs[i].shape) + " is outside [0, " +
                                  std::to_string(r.vocabulary) + ")");
  }
  const bool targets = kind != StepKind::Predict;
  if (targets) {
    for (size_t k = 0; k < graph_->output_count(); ++k) {
      if (!losses_[k] || !losses_[k]->sparse()) continue;
      const int64_t K = b.shapes[graph_->spec().outputs[k]].back();
      const std::vector<int32_t>& ids = b.targets[k].ids;
      for (size_t j = 0; j < ids.size(); ++j)
        if (ids[j] < 0 || ids[j] >= K)
          throw std::out_of_range("targets[" + std::to_string(k) + "]: sparseCategoricalCrossentropy: class id " +
                                  std::to_string(ids[j]) + " at " + position_text(int64_t(j), B, target_shape(b, k)) +
                                  " is outside [0, " + std::to_string(K) + ")");
    }
  }
  // What the step allocates, before it does: values, gradients, workspaces, loss rows.
  const bool training = kind == StepKind::Train || kind == StepKind::ComputeGradients;
  double floats = graph_->step_floats(B, b.shapes, training);
  if (targets)
    for (size_t k = 0; k < graph_->output_count(); ++k) floats += 2.0 * B * known_elements(b.shapes[graph_->spec().outputs[k]]);
  const double bytes = 4.0 * floats, limit = memory_limit_bytes();
  if (bytes > limit) {
    std::string shapes;
    for (size_t i = 0; i < b.inputs.size(); ++i) shapes += (i ? ", " : "") + shape_text(b.inputs[i].shape);
    throw std::invalid_argument("this batch needs about " + gib(bytes) +
                                " of native memory (values, gradients and workspaces for batch " + std::to_string(B) +
                                " of per-sample input shapes " + shapes + "), more than this machine's " + gib(limit));
  }
  const std::string& stateful = graph_->stateful_layer();
  if (!stateful.empty()) {
    if (stateful_batch_ == 0) stateful_batch_ = B;
    else if (stateful_batch_ != B)
      throw std::invalid_argument("layer '" + stateful + "' is stateful and was run with batch " +
                                  std::to_string(stateful_batch_) + "; every batch must have that size (received " +
                                  std::to_string(B) + ")");
  }
}

StepContext Model::context(const Batch& b, bool training) const {
  StepContext ctx;
  ctx.backend = backend_.get();
  ctx.batch = b.batch;
  ctx.training = training;
  ctx.seed = graph_->spec().seed;
  ctx.step = steps_taken_;
  return ctx;
}

void Model::run_forward(const Batch& b, bool training) {
  for (size_t i = 0; i < graph_->input_count(); ++i) {
    Value& v = graph_->value(static_cast<int64_t>(i));
    const InputData& in = b.inputs[i];
    v.data = on_device(backend_.get(), in.data, staged_inputs_[i]);
    v.ids = on_device(backend_.get(), in.ids, staged_ids_[i]);
    v.mask = on_device(backend_.get(), in.mask, staged_masks_[i]);
  }
  graph_->forward(context(b, training), b.shapes);
}

StepOutcome Model::score(const Batch& b, bool training, bool with_gradient) {
  StepOutcome r;
  r.outputs.resize(graph_->output_count());
  size_t with_loss = 0;
  for (size_t k = 0; k < graph_->output_count(); ++k) {
    if (!losses_[k]) continue;
    Value& out = graph_->output(k);
    const OutputLoss::Draw draw{graph_->spec().seed, steps_taken_, k};
    OutputScore s = losses_[k]->score(out, b.targets[k], b.batch, with_gradient && out.needs_grad,
                                      training ? &draw : nullptr);
    r.loss += losses_[k]->spec().weight * s.loss;
    r.count = s.count;
    r.outputs[k] = std::move(s);
    ++with_loss;
  }
  if (with_loss != 1) r.count = static_cast<double>(b.batch);
  return r;
}

double Model::regularization(bool add_gradients) {
  ParameterStore& params = graph_->params();
  double penalty = 0.0;
  for (size_t i = 0; i < params.count(); ++i) {
    const WeightDecl& w = params.param(i).decl;
    if (!w.trainable || !w.regularizer.active()) continue;
    penalty += backend_->regularize(params.value(i), add_gradients ? params.grad(i) : nullptr, params.param(i).size,
                                    w.regularizer.l1, w.regularizer.l2);
  }
  return penalty;
}

StepOutcome Model::compute_gradients(const Batch& b) {
  if (!compiled()) throw std::logic_error("computeGradients: the model is not compiled");
  run_forward(b, true);
  StepOutcome result = score(b, true, true);
  graph_->params().zero_trainable_grads();
  graph_->backward(context(b, true));
  result.loss += regularization(true);
  return result;
}

void Model::apply_gradients(double learning_rate) {
  if (!compiled()) throw std::logic_error("applyGradients: the model is not compiled");
  optimizer_->apply(*backend_, graph_->params(), learning_rate >= 0 ? learning_rate : optimizer_->learning_rate());
  ++steps_taken_;
}

StepOutcome Model::train_step(const Batch& b) {
  StepOutcome result = compute_gradients(b);
  apply_gradients(b.learning_rate);
  return result;
}

StepOutcome Model::evaluate_step(const Batch& b) {
  if (!compiled()) throw std::logic_error("evaluateStep: the model is not compiled");
  run_forward(b, false);
  StepOutcome result = score(b, false, false);
  result.loss += regularization(false);
  return result;
}

void Model::predict(const Batch& b, const std::vector<float*>& out) {
  run_forward(b, false);
  for (size_t k = 0; k < graph_->output_count(); ++k) {
    const Value& v = graph_->output(k);
    backend_->download(out[k], v.data, sizeof(float) * b.batch * v.size());
  }
  backend_->synchronize();
}

void Model::read_weight(size_t i, float* host) const {
  backend_->download(host, graph_->params().value(i), sizeof(float) * weight(i).size);
  backend_->synchronize();
}

void Model::write_weight(size_t i, const float* host) {
  backend_->upload(graph_->params().value(i), host, sizeof(float) * weight(i).size);
}

namespace {

void require_range(const std::string& what, int64_t size, int64_t offset, int64_t count) {
  if (offset < 0 || count < 0 || offset > size || count > size - offset)
    throw std::invalid_argument(what + ": values " + std::to_string(offset) + " to " + std::to_string(offset + count) +
                                " do not fit its " + std::to_string(size) + " values");
}

std::string weight_label(const Parameter& p, size_t i) {
  return "weight " + std::to_string(i) + " ('" + p.decl.name + "' of layer '" + p.layer + "')";
}

}  // namespace

float* Model::weight_range(size_t i, int64_t offset, int64_t count) const {
  if (i >= weight_count())
    throw std::invalid_argument("the model has " + std::to_string(weight_count()) + " weights, received index " +
                                std::to_string(i));
  require_range(weight_label(weight(i), i), weight(i).size, offset, count);
  return graph_->params().value(i) + offset;
}

void Model::write_weight_range(size_t i, int64_t offset, const float* host, int64_t count) {
  float* at = weight_range(i, offset, count);
  if (count > 0) backend_->upload(at, host, sizeof(float) * count);
}

void Model::read_weight_range(size_t i, int64_t offset, float* host, int64_t count) const {
  const float* at = weight_range(i, offset, count);
  if (count == 0) return;
  backend_->download(host, at, sizeof(float) * count);
  backend_->synchronize();
}

void Model::read_gradient(size_t i, float* host) const {
  backend_->download(host, graph_->params().grad(i), sizeof(float) * weight(i).size);
  backend_->synchronize();
}

void Model::write_gradient(size_t i, const float* host) {
  backend_->upload(graph_->params().grad(i), host, sizeof(float) * weight(i).size);
}

void Model::reset_states() { graph_->reset_states(); }

OptimizerState Model::optimizer_state() const {
  if (!compiled()) throw std::logic_error("getOptimizerState: the model is not compiled");
  OptimizerState s;
  s.step = steps_taken_;
  s.iterations = optimizer_->iterations();
  const ParameterStore& params = graph_->params();
  for (size_t i = 0; i < params.count(); ++i)
    for (int k = 0; k < 2; ++k) {
      const float* slot = params.slot(i, k);
      s.slots.emplace_back(slot ? params.param(i).size : 0);
      if (slot) backend_->download(s.slots.back().data(), slot, sizeof(float) * params.param(i).size);
    }
  backend_->synchronize();
  return s;
}

void Model::set_optimizer_state(const OptimizerState& s) {
  if (!compiled()) throw std::logic_error("setOptimizerState: the model is not compiled");
  const ParameterStore& params = graph_->params();
  const size_t n = params.count();
  if (s.slots.size() != 2 * n)
    throw std::invalid_argument("setOptimizerState: the model's optimizer has " + std::to_string(2 * n) +
                                " slots (2 per weight), received " + std::to_string(s.slots.size()));
  if (s.iterations < 0) throw std::invalid_argument("setOptimizerState: iterations must be >= 0");
  for (size_t i = 0; i < s.slots.size(); ++i) {
    const Parameter& p = params.param(i / 2);
    const size_t have = params.slot(i / 2, static_cast<int>(i % 2)) ? static_cast<size_t>(p.size) : 0;
    const std::string what = "setOptimizerState: slot " + std::to_string(i % 2) + " of weight " +
                             std::to_string(i / 2) + " ('" + p.decl.name + "' of layer '" + p.layer + "')";
    if (s.slots[i].size() != have)
      throw std::invalid_argument(what + ": expected " + std::to_string(have) + " values, received " +
                                  std::to_string(s.slots[i].size()));
    for (size_t j = 0; j < s.slots[i].size(); ++j)
      if (!std::isfinite(s.slots[i][j]))
        throw std::invalid_argument(what + ": value " + std::to_string(j) + " is not finite");
  }
  for (size_t i = 0; i < s.slots.size(); ++i)
    if (float* slot = params.slot(i / 2, static_cast<int>(i % 2)))
      backend_->upload(slot, s.slots[i].data(), sizeof(float) * s.slots[i].size());
  optimizer_->set_iterations(s.iterations);
  steps_taken_ = s.step;
}

std::vector<int64_t> Model::slot_sizes() const {
  if (!compiled()) throw std::logic_error("the model is not compiled");
  const ParameterStore& params = graph_->params();
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < params.count(); ++i)
    for (int k = 0; k < 2; ++k) sizes.push_back(params.slot(i, k) ? params.param(i).size : 0);
  return sizes;
}

float* Model::slot_range(size_t s, int64_t offset, int64_t count, std::string* what) const {
  if (!compiled()) throw std::logic_error("the model is not compiled");
  const ParameterStore& params = graph_->params();
  if (s >= 2 * params.count())
    throw std::invalid_argument("the model's optimizer has " + std::to_string(2 * params.count()) +
                                " slots (2 per weight), received index " + std::to_string(s));
  const Parameter& p = params.param(s / 2);
  float* slot = params.slot(s / 2, static_cast<int>(s % 2));
  *what = "slot " + std::to_string(s % 2) + " of " + weight_label(p, s / 2);
  require_range(*what, slot ? p.size : 0, offset, count);
  return slot ? slot + offset : nullptr;
}

void Model::write_slot_range(size_t s, int64_t offset, const float* host, int64_t count) {
  std::string what;
  float* at = slot_range(s, offset, count, &what);
  for (int64_t j = 0; j < count; ++j)
    if (!std::isfinite(host[j]))
      throw std::invalid_argument(what + ": value " + std::to_string(offset + j) + " is not finite");
  if (count > 0) backend_->upload(at, host, sizeof(float) * count);
}

void Model::read_slot_range(size_t s, int64_t offset, float* host, int64_t count) const {
  std::string what;
  const float* at = slot_range(s, offset, count, &what);
  if (count == 0) return;
  backend_->download(host, at, sizeof(float) * count);
  backend_->synchronize();
}

int64_t Model::optimizer_iterations() const {
  if (!compiled()) throw std::logic_error("the model is not compiled");
  return optimizer_->iterations();
}

void Model::set_optimizer_counters(uint64_t step, int64_t iterations) {
  if (!compiled()) throw std::logic_error("the model is not compiled");
  if (iterations < 0) throw std::invalid_argument("iterations must be >= 0");
  optimizer_->set_iterations(iterations);
  steps_taken_ = step;
}

}  // namespace graph
}  // namespace recurrent
