#include "graph/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "graph/layers.h"
#include "graph/loss.h"
#include "graph/metrics.h"

namespace recurrent {
namespace graph {
namespace {

std::string layer_label(const LayerSpec& l) { return "layer '" + l.name + "'"; }

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

void check_recurrent(const RecurrentSpec& r, FlowShape in, const std::string& label) {
  require(in.sequence(), label + " needs a sequence input [steps, features]");
  require(r.units >= 1, label + ": units must be >= 1");
  require(r.dropout >= 0.0f && r.dropout < 1.0f, label + ": dropout must be in [0, 1)");
  require(r.recurrent_dropout >= 0.0f && r.recurrent_dropout < 1.0f, label + ": recurrentDropout must be in [0, 1)");
}

}  // namespace

Model::Model(const ModelSpec& spec) : spec_(spec) {
  const auto& shape = spec.input_shape;
  require(!shape.empty() && shape.size() <= 2, "Model: inputShape must be [T], [T, F] or [F]");
  for (int64_t d : shape) require(d >= 1, "Model: inputShape dimensions must be >= 1");
  require(!spec.layers.empty(), "Model: the model has no layers");
  FlowShape in;
  if (spec.int_input) {
    require(shape.size() == 1, "Model: int32 input must have inputShape [T]");
    require(spec.layers[0].kind == LayerKind::Embedding, "Model: int32 input needs an Embedding first layer");
    in = FlowShape{0, shape[0]};
  } else {
    in = shape.size() == 2 ? FlowShape{shape[0], shape[1]} : FlowShape{0, shape[0]};
  }
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const std::string label = layer_label(l);
    const uint64_t stream = i;
    std::unique_ptr<Layer> layer;
    switch (l.kind) {
      case LayerKind::Embedding:
        require(i == 0 && spec.int_input, label + ": Embedding must be the first layer, with int32 input");
        require(l.input_dim >= 1 && l.output_dim >= 1, label + ": inputDim and outputDim must be >= 1");
        layer = make_embedding_layer(l, in);
        break;
      case LayerKind::Masking:
        require(in.sequence(), label + ": Masking needs a sequence input [steps, features]");
        layer = make_masking_layer(l, in);
        break;
      case LayerKind::Recurrent:
        check_recurrent(l.forward, in, label);
        layer = make_recurrent_layer(l.forward, in, stream);
        break;
      case LayerKind::Bidirectional:
        check_recurrent(l.forward, in, label);
        check_recurrent(l.backward, in, label);
        require(l.forward.units == l.backward.units, label + ": forward and backward layers need the same units");
        require(l.forward.stateful == l.backward.stateful, label + ": forward and backward must agree on stateful");
        layer = make_bidirectional_layer(l, in, stream);
        break;
      case LayerKind::Dense:
        require(l.units >= 1, label + ": units must be >= 1");
        layer = make_dense_layer(l, in);
        break;
      case LayerKind::Dropout:
        require(l.rate >= 0.0f && l.rate < 1.0f, label + ": rate must be in [0, 1)");
        layer = make_dropout_layer(l, in, stream);
        break;
    }
    in = layer->output_shape();
    require(static_cast<double>(in.steps > 0 ? in.steps : 1) * in.features <= 1e12,
            label + ": the output per sample is too large");
    max_sample_size_ = std::max(max_sample_size_, std::max(in.size(), layer->input_shape().size()));
    for (Parameter* p : layer->parameters()) {
      params_.push_back(p);
      weight_layers_.push_back(l.name);
    }
    layers_.push_back(std::move(layer));
  }
}

int64_t Model::input_size() const {
  int64_t n = 1;
  for (int64_t d : spec_.input_shape) n *= d;
  return n;
}

std::vector<int64_t> Model::output_dims() const {
  FlowShape o = layers_.back()->output_shape();
  return o.sequence() ? std::vector<int64_t>{o.steps, o.features} : std::vector<int64_t>{o.features};
}

int64_t Model::target_size() const {
  FlowShape o = layers_.back()->output_shape();
  return sparse_targets() ? (o.sequence() ? o.steps : 1) : o.size();
}

void Model::compile(const CompileSpec& spec) {
  const bool sparse = spec.loss == LossKind::SparseCategoricalCrossentropy;
  for (MetricKind m : spec.metrics) {
    if (sparse)
      require(m == MetricKind::SparseCategoricalAccuracy || m == MetricKind::CategoricalAccuracy,
              "compile: with sparseCategoricalCrossentropy the targets are class ids; only (sparse)categoricalAccuracy "
              "applies to them");
    else
      require(m != MetricKind::SparseCategoricalAccuracy,
              "compile: sparseCategoricalAccuracy needs class-id targets (the sparseCategoricalCrossentropy loss)");
  }
  const FlowShape o = layers_.back()->output_shape();
  if (sparse || spec.loss == LossKind::CategoricalCrossentropy)
    require(o.features >= 1, "compile: categorical losses need an output with classes on the last axis");
  auto optimizer = std::make_unique<Optimizer>(spec.optimizer);
  optimizer->reset(params_);
  compile_ = spec;
  optimizer_ = std::move(optimizer);
  fused_softmax_ = !spec.from_logits && (sparse || spec.loss == LossKind::CategoricalCrossentropy) &&
                   layers_.back()->softmax_output();
}

void Model::check_values(const Batch& b, bool with_targets) const {
  const LayerSpec& first = spec_.layers[0];
  if (spec_.int_input) {
    const int64_t T = spec_.input_shape[0];
    for (int64_t i = 0, n = static_cast<int64_t>(b.ids.size()); i < n; ++i) {
      const int32_t id = b.ids[i];
      if (id < 0 || id >= first.input_dim)
        throw std::out_of_range("Embedding layer '" + first.name + "': token id " + std::to_string(id) + " at [" +
                                std::to_string(i / T) + ", " + std::to_string(i % T) + "] is outside [0, " +
                                std::to_string(first.input_dim) + ")");
    }
  }
  if (with_targets && sparse_targets()) {
    const FlowShape o = layers_.back()->output_shape();
    const int64_t T = o.sequence() ? o.steps : 1;
    for (int64_t i = 0, n = static_cast<int64_t>(b.y_ids.size()); i < n; ++i) {
      const int32_t id = b.y_ids[i];
      if (id < 0 || id >= o.features)
        throw std::out_of_range("sparseCategoricalCrossentropy: class id " + std::to_string(id) + " at [" +
                                std::to_string(i / T) + (o.sequence() ? ", " + std::to_string(i % T) : "") +
                                "] is outside [0, " + std::to_string(o.features) + ")");
    }
  }
}

Flow Model::run_forward(const Batch& b, bool training) {
  StepContext ctx{b.batch, training, spec_.seed, steps_taken_};
  Flow f;
  if (spec_.int_input) f.ids = b.ids.data();
  else f.data = b.x.data();
  for (auto& layer : layers_) f = layer->forward(ctx, f);
  return f;
}

double Model::regularization(bool add_gradients) {
  double penalty = 0.0;
  for (Parameter* p : params_) {
    const Regularizer& r = p->regularizer;
    if (!p->trainable || !r.active()) continue;
    double l1 = 0.0, l2 = 0.0;
    for (int64_t i = 0, n = p->size(); i < n; ++i) {
      const float w = p->value[i];
      l1 += std::fabs(w);
      l2 += double(w) * w;
      if (add_gradients) p->grad[i] += r.l1 * (w > 0 ? 1.0f : w < 0 ? -1.0f : 0.0f) + 2.0f * r.l2 * w;
    }
    penalty += r.l1 * l1 + r.l2 * l2;
  }
  return penalty;
}

// Loss (and in training its gradient into grads_.back()) and metrics on the output.
StepOutcome Model::score(const Batch& b, const Flow& out, bool training) {
  const FlowShape o = layers_.back()->output_shape();
  const int64_t T = o.sequence() ? o.steps : 1, N = b.batch * T, K = o.features;
  const uint8_t* mask = o.sequence() ? out.mask : nullptr;
  row_weight_.resize(static_cast<size_t>(N));
  row_valid_.resize(static_cast<size_t>(N));
  double count = 0.0;
  for (int64_t r = 0; r < N; ++r) {
    const bool valid = mask == nullptr || mask[r] != 0;
    row_valid_[r] = valid;
    count += valid;
    row_weight_[r] = valid ? (b.sample_weight.empty() ? 1.0f : b.sample_weight[r / T]) : 0.0f;
  }
  LossRows rows;
  rows.output = out.data;
  rows.rows = N;
  rows.width = K;
  rows.target = sparse_targets() ? nullptr : b.y.data();
  rows.ids = sparse_targets() ? b.y_ids.data() : nullptr;
  rows.row_weight = row_weight_.data();
  rows.count = count;
  float* dout = nullptr;
  if (training) {
    grads_.back().resize(static_cast<size_t>(N * K));
    dout = grads_.back().data();
  }
  StepOutcome result;
  const double sum = loss_forward_backward(compile_.loss, compile_.from_logits, fused_softmax_, rows, dout);
  result.loss = count > 0 ? sum / count : 0.0;
  result.count = count;
  for (MetricKind m : compile_.metrics)
    result.metrics.push_back(count > 0 ? metric_sum(m, compile_.from_logits, rows, row_valid_.data()) / count : 0.0);
  return result;
}

StepOutcome Model::train_step(const Batch& b) {
  if (!compiled()) throw std::logic_error("trainStep: the model is not compiled");
  const int64_t B = b.batch;
  StepContext ctx{B, true, spec_.seed, steps_taken_};
  const Flow out = run_forward(b, true);
  grads_.resize(layers_.size());
  StepOutcome result = score(b, out, true);

  for (Parameter* p : params_)
    if (p->trainable) std::fill(p->grad.begin(), p->grad.end(), 0.0f);
  // Layers before the first trainable one need no backward at all.
  int64_t first = -1;
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i]->has_trainable()) {
      first = static_cast<int64_t>(i);
      break;
    }
  layers_.back()->set_fused_gradient(fused_softmax_);
  for (int64_t i = static_cast<int64_t>(layers_.size()) - 1; i >= first && first >= 0; --i) {
    float* dx = nullptr;
    if (i > first) {
      grads_[i - 1].resize(static_cast<size_t>(B * layers_[i]->input_shape().size()));
      dx = grads_[i - 1].data();
    }
    layers_[i]->backward(ctx, grads_[i].data(), dx);
  }
  result.loss += regularization(true);
  optimizer_->apply(params_, b.learning_rate >= 0 ? b.learning_rate : optimizer_->learning_rate());
  ++steps_taken_;
  return result;
}

StepOutcome Model::evaluate_step(const Batch& b) {
  if (!compiled()) throw std::logic_error("evaluateStep: the model is not compiled");
  const Flow out = run_forward(b, false);
  StepOutcome result = score(b, out, false);
  result.loss += regularization(false);
  return result;
}

void Model::predict(const Batch& b, float* out) {
  const Flow f = run_forward(b, false);
  std::memcpy(out, f.data, sizeof(float) * b.batch * layers_.back()->output_shape().size());
}

std::vector<Parameter*> Model::weights() { return params_; }

void Model::reset_states() {
  for (auto& l : layers_) l->reset_states();
}

}  // namespace graph
}  // namespace recurrent
