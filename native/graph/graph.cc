#include "graph/graph.h"

#include <stdexcept>
#include <string>

namespace recurrent {
namespace graph {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

const char* kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Embedding: return "embedding";
    case LayerKind::Masking: return "masking";
    case LayerKind::Recurrent: return "rnn";
    case LayerKind::Bidirectional: return "bidirectional";
    case LayerKind::Dense: return "dense";
    case LayerKind::Dropout: return "dropout";
    case LayerKind::Add: return "add";
    case LayerKind::Subtract: return "subtract";
    case LayerKind::Multiply: return "multiply";
    case LayerKind::Average: return "average";
    case LayerKind::Concatenate: return "concatenate";
    case LayerKind::Dot: return "dot";
    case LayerKind::RepeatVector: return "repeatVector";
    case LayerKind::Reshape: return "reshape";
    case LayerKind::Flatten: return "flatten";
    case LayerKind::Attention: return "attention";
  }
  return "?";
}

// The input counts a node of this layer may have, as text for messages, and whether n is one.
bool input_count_ok(const LayerSpec& l, size_t n, std::string* expected) {
  switch (l.kind) {
    case LayerKind::Recurrent: {
      const size_t s = static_cast<size_t>(l.forward.state_count());
      *expected = "1 (x) or " + std::to_string(1 + s) + " (x and the initial state" + (s > 1 ? "s h, c" : " h") + ")";
      return n == 1 || n == 1 + s;
    }
    case LayerKind::Bidirectional: {
      const size_t s = static_cast<size_t>(l.forward.state_count());
      *expected = "1 (x) or " + std::to_string(1 + 2 * s) + " (x, the forward then the backward initial states)";
      return n == 1 || n == 1 + 2 * s;
    }
    case LayerKind::Add:
    case LayerKind::Multiply:
    case LayerKind::Average:
    case LayerKind::Concatenate: *expected = "2 or more"; return n >= 2;
    case LayerKind::Subtract:
    case LayerKind::Dot: *expected = "2"; return n == 2;
    case LayerKind::Attention: *expected = "2 (query, value) or 3 (query, value, key)"; return n == 2 || n == 3;
    default: *expected = "1"; return n == 1;
  }
}

size_t outputs_of(const LayerSpec& l, const NodeSpec& node) {
  switch (l.kind) {
    case LayerKind::Recurrent: return 1 + (l.forward.return_state ? l.forward.state_count() : 0);
    case LayerKind::Bidirectional:
      return (l.merge_mode == MergeMode::None ? 2 : 1) + (l.forward.return_state ? 2 * l.forward.state_count() : 0);
    case LayerKind::Attention: return node.call.return_attention_scores ? 2 : 1;
    default: return 1;
  }
}

}  // namespace

std::string Graph::node_label(size_t n) const {
  const LayerSpec& l = spec_.layers[spec_.nodes[n].layer];
  return "layer '" + l.name + "'" + (layer_uses_[spec_.nodes[n].layer] > 1 ? " (node " + std::to_string(n) + ")" : "");
}

void Graph::check_structure() const {
  const size_t I = spec_.inputs.size();
  require(I >= 1, "Model: the graph has no inputs");
  require(!spec_.nodes.empty(), "Model: the graph has no nodes");
  int64_t next = static_cast<int64_t>(I);
  std::vector<bool> int_value(I, false);
  for (size_t i = 0; i < I; ++i) int_value[i] = spec_.inputs[i].int32;
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    const NodeSpec& node = spec_.nodes[n];
    const std::string where = "Model: nodes[" + std::to_string(n) + "]";
    require(node.layer >= 0 && node.layer < static_cast<int64_t>(spec_.layers.size()),
            where + ": layer " + std::to_string(node.layer) + " is not an index into layers (0 .. " +
                std::to_string(spec_.layers.size() - 1) + ")");
    const LayerSpec& l = spec_.layers[node.layer];
    const std::string label = where + " (layer '" + l.name + "', " + kind_name(l.kind) + ")";
    std::string expected;
    if (!input_count_ok(l, node.inputs.size(), &expected))
      throw std::invalid_argument(label + ": expected " + expected + " inputs, received " +
                                  std::to_string(node.inputs.size()));
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const int64_t v = node.inputs[k];
      require(v >= 0 && v < next, label + ": input " + std::to_string(k) + " is value " + std::to_string(v) +
                                      ", which is not written before this node (values 0 .. " +
                                      std::to_string(next - 1) + " are)");
      const bool ids_slot = l.kind == LayerKind::Embedding && k == 0;
      if (ids_slot && !int_value[v])
        throw std::invalid_argument(label + ": an embedding reads token ids: its input must be an int32 model input, "
                                    "received value " + std::to_string(v));
      if (!ids_slot && int_value[v])
        throw std::invalid_argument(label + ": input " + std::to_string(k) + " is the int32 input '" +
                                    spec_.inputs[v].name + "'; token ids are read by embedding layers only");
    }
    require(!node.has_call || l.kind == LayerKind::Attention,
            label + ": 'call' (returnAttentionScores, useCausalMask) applies to attention layers only");
    const size_t outs = outputs_of(l, node);
    bool fresh = node.outputs.size() == outs;
    for (size_t k = 0; fresh && k < outs; ++k) fresh = node.outputs[k] == next + static_cast<int64_t>(k);
    if (!fresh) {
      std::string want = "[";
      for (size_t k = 0; k < outs; ++k) want += (k ? ", " : "") + std::to_string(next + static_cast<int64_t>(k));
      std::string got = "[";
      for (size_t k = 0; k < node.outputs.size(); ++k) got += (k ? ", " : "") + std::to_string(node.outputs[k]);
      throw std::invalid_argument(label + ": outputs must be the next fresh value ids " + want + "], received " + got + "]");
    }
    if (l.kind == LayerKind::Recurrent || l.kind == LayerKind::Bidirectional)
      require(!(l.forward.stateful && node.inputs.size() > 1),
              label + ": a stateful layer carries its own states; it takes no initial-state inputs");
    next += static_cast<int64_t>(outs);
    int_value.resize(static_cast<size_t>(next), false);
  }
  for (size_t l = 0; l < spec_.layers.size(); ++l) {
    const LayerSpec& ls = spec_.layers[l];
    require(layer_uses_[l] >= 1, "Model: layer '" + ls.name + "' (layers[" + std::to_string(l) + "]) is used by no node");
    const bool stateful = (ls.kind == LayerKind::Recurrent || ls.kind == LayerKind::Bidirectional) && ls.forward.stateful;
    require(!(stateful && layer_uses_[l] > 1),
            "Model: layer '" + ls.name + "' is stateful and applied " + std::to_string(layer_uses_[l]) +
                " times; a stateful layer can be applied once");
  }
  require(!spec_.outputs.empty(), "Model: the graph has no outputs");
  for (size_t k = 0; k < spec_.outputs.size(); ++k) {
    const int64_t v = spec_.outputs[k];
    const std::string where = "Model: outputs[" + std::to_string(k) + "]";
    require(v >= 0 && v < next, where + " is value " + std::to_string(v) + ", which no node writes (values 0 .. " +
                                    std::to_string(next - 1) + ")");
    if (int_value[v])
      throw std::invalid_argument(where + " is the int32 input '" + spec_.inputs[v].name + "'; outputs are float values");
    for (size_t j = 0; j < k; ++j)
      require(spec_.outputs[j] != v, where + " is value " + std::to_string(v) + ", already outputs[" +
                                         std::to_string(j) + "]; outputs must be distinct");
  }
}

Graph::Graph(const GraphSpec& spec, Backend* backend) : spec_(spec), backend_(backend), params_(backend) {
  layer_uses_.assign(spec_.layers.size(), 0);
  for (const NodeSpec& n : spec_.nodes)
    if (n.layer >= 0 && n.layer < static_cast<int64_t>(spec_.layers.size())) ++layer_uses_[n.layer];
  check_structure();

  const size_t I = spec_.inputs.size();
  token_readers_.resize(I);
  for (size_t i = 0; i < I; ++i) {
    values_.push_back(std::make_unique<Value>(backend));
    values_[i]->declared = spec_.inputs[i].shape;
    values_[i]->int32 = spec_.inputs[i].int32;
  }
  for (const LayerSpec& l : spec_.layers) {
    layers_.push_back(make_layer(l));
    if ((l.kind == LayerKind::Recurrent || l.kind == LayerKind::Bidirectional) && l.forward.stateful)
      stateful_layer_ = l.name;
  }
  std::vector<bool> built(layers_.size(), false);
  for (size_t n = 0; n < spec_.nodes.size(); ++n) {
    const NodeSpec& ns = spec_.nodes[n];
    Layer& layer = *layers_[ns.layer];
    std::vector<Shape> in;
    std::vector<Value*> in_values;
    for (size_t k = 0; k < ns.inputs.size(); ++k) {
      Value* v = values_[ns.inputs[k]].get();
      in.push_back(v->declared);
      in_values.push_back(v);
      v->readers.emplace_back(static_cast<int>(n), static_cast<int>(k));
      if (v->int32) token_readers_[ns.inputs[k]].push_back({layer.name(), layer.spec().input_dim});
    }
    std::vector<Shape> out;
    try {
      if (!built[ns.layer]) {
        layer.build(in);
        built[ns.layer] = true;
      }
      nodes_.push_back(layer.make_node(backend));
      nodes_.back()->set_call(ns.call);
      out = nodes_.back()->output_shapes(in);
      for (const Shape& s : out)
        require(known_elements(s) <= kMaxSampleElements, "output per sample " + shape_text(s) + " is too large");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("Model: " + node_label(n) + " " + e.what());
    }
    std::vector<Value*> out_values;
    for (size_t k = 0; k < out.size(); ++k) {
      values_.push_back(std::make_unique<Value>(backend));
      Value* v = values_.back().get();
      v->declared = out[k];
      v->producer = static_cast<int>(n);
      out_values.push_back(v);
    }
    node_inputs_.push_back(in_values);
    node_outputs_.push_back(out_values);
    grad_scratch_.emplace_back();
    for (size_t k = 0; k < ns.inputs.size(); ++k) grad_scratch_.back().emplace_back(backend);
  }
  // Which nodes need a backward pass: those with trainable weights and those downstream
  // of them.
  needs_backward_.assign(nodes_.size(), false);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    bool needs = layers_[spec_.nodes[n].layer]->any_trainable();
    for (const Value* v : node_inputs_[n]) needs = needs || v->needs_grad;
    needs_backward_[n] = needs;
    for (Value* v : node_outputs_[n]) v->needs_grad = needs;
  }
  std::vector<Parameter> params;
  std::vector<size_t> first(layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    first[l] = params.size();
    for (const WeightDecl& w : layers_[l]->weights()) params.push_back({w, layers_[l]->name()});
  }
  params_.allocate(std::move(params));
  for (size_t l = 0; l < layers_.size(); ++l) layers_[l]->bind(&params_, first[l]);
}

std::vector<Shape> Graph::infer_shapes(const std::vector<Shape>& inputs) const {
  std::vector<Shape> shapes(values_.size());
  for (size_t i = 0; i < inputs.size(); ++i) shapes[i] = inputs[i];
  size_t next = inputs.size();
  for (size_t n = 0; n < nodes_.size(); ++n) {
    std::vector<Shape> in;
    for (int64_t v : spec_.nodes[n].inputs) in.push_back(shapes[v]);
    std::vector<Shape> out;
    try {
      out = nodes_[n]->output_shapes(in);
      for (const Shape& s : out)
        require(known_elements(s) <= kMaxSampleElements, "output per sample " + shape_text(s) + " is too large");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(node_label(n) + " " + e.what());
    }
    for (Shape& s : out) shapes[next++] = std::move(s);
  }
  return shapes;
}

double Graph::step_floats(int64_t batch, const std::vector<Shape>& shapes, bool training) const {
  double total = 0.0;
  for (const Shape& s : shapes) {
    double n = double(batch);
    for (int64_t d : s) n *= double(d);
    total += n * (training ? 2.0 : 1.0);
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    std::vector<Shape> in;
    for (int64_t v : spec_.nodes[n].inputs) in.push_back(shapes[v]);
    total += nodes_[n]->workspace_floats(batch, in);
  }
  return total;
}

void Graph::forward(const StepContext& base, const std::vector<Shape>& shapes) {
  for (size_t i = 0; i < values_.size(); ++i) {
    Value& v = *values_[i];
    v.shape = shapes[i];
    v.grad = nullptr;
    if (v.producer >= 0) {
      v.data = nullptr;
      v.mask = nullptr;
    }
  }
  StepContext ctx = base;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    ctx.stream = n;
    nodes_[n]->forward(ctx, node_inputs_[n], node_outputs_[n]);
  }
}

void Graph::backward(const StepContext& base) {
  StepContext ctx = base;
  std::vector<float*> dx;
  std::vector<size_t> added;
  for (size_t n = nodes_.size(); n-- > 0;) {
    if (!needs_backward_[n]) continue;
    bool reached = false;
    for (const Value* v : node_outputs_[n]) reached = reached || v->grad != nullptr;
    if (!reached) continue;
    const std::vector<Value*>& in = node_inputs_[n];
    dx.assign(in.size(), nullptr);
    added.clear();
    for (size_t k = 0; k < in.size(); ++k) {
      Value& v = *in[k];
      if (!v.needs_grad) continue;
      const int64_t size = ctx.batch * v.size();
      if (v.grad == nullptr) {
        v.grad = v.grad_storage.ensure(size);
        dx[k] = v.grad;
      } else {
        dx[k] = grad_scratch_[n][k].ensure(size);
        added.push_back(k);
      }
    }
    ctx.stream = n;
    nodes_[n]->backward(ctx, in, node_outputs_[n], dx);
    for (size_t k : added) backend_->add(in[k]->grad, dx[k], in[k]->grad, ctx.batch * in[k]->size());
  }
}

void Graph::reset_states() {
  for (auto& n : nodes_) n->reset_states(backend_);
}

bool Graph::softmax_output(size_t k) const {
  const Value& v = output(k);
  return v.producer >= 0 && v.readers.empty() && nodes_[v.producer]->softmax_output();
}

void Graph::set_fused_softmax(size_t k, bool fused) {
  const Value& v = output(k);
  if (v.producer >= 0) nodes_[v.producer]->set_fused_softmax(fused);
}

SampledSoftmaxHead* Graph::sampled_softmax_head(size_t k) {
  const Value& v = output(k);
  return v.producer >= 0 && v.readers.empty() ? nodes_[v.producer]->sampled_softmax_head() : nullptr;
}

}  // namespace graph
}  // namespace recurrent
