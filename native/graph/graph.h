// The model as a DAG of nodes (layer applications) over values, run in the spec's
// topological order. Built from a GraphSpec: the structure is checked and the per-sample
// shapes inferred (free axes stay free) before anything is allocated; then the layers'
// weights are laid out in one ParameterStore in getWeights order.
//
// Every step: the caller sets the model inputs' data (and masks), forward runs the nodes
// in order; for training the caller sets the gradients of the outputs with a loss and
// backward runs the nodes in reverse. A value read by several nodes gets their gradients
// summed in that reverse order (the first one writes, the later ones add), so the bits do
// not vary; values that need no gradient (model inputs, values upstream only of frozen
// layers) get none, and a node none of whose outputs received a gradient is skipped.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/layer.h"
#include "graph/node.h"
#include "graph/parameter.h"
#include "graph/value.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

class Graph {
 public:
  // Throws std::invalid_argument naming the node, layer, input or output at fault.
  Graph(const GraphSpec& spec, Backend* backend);

  const GraphSpec& spec() const { return spec_; }
  ParameterStore& params() { return params_; }
  const ParameterStore& params() const { return params_; }
  Value& value(int64_t id) { return *values_[id]; }
  const Value& value(int64_t id) const { return *values_[id]; }
  size_t input_count() const { return spec_.inputs.size(); }
  size_t output_count() const { return spec_.outputs.size(); }
  const Value& output(size_t k) const { return *values_[spec_.outputs[k]]; }
  Value& output(size_t k) { return *values_[spec_.outputs[k]]; }

  // The embeddings reading int32 input i, for checking token ids before a step.
  struct TokenReader {
    std::string layer;
    int64_t vocabulary = 0;
  };
  const std::vector<TokenReader>& token_readers(size_t input) const { return token_readers_[input]; }
  // The stateful layer, if any ("" when none).
  const std::string& stateful_layer() const { return stateful_layer_; }

  // Concrete shapes of every value for inputs of these per-sample shapes; throws
  // std::invalid_argument naming the layer where they disagree.
  std::vector<Shape> infer_shapes(const std::vector<Shape>& inputs) const;
  // Floats one step needs for these shapes (values, their gradients when training, and
  // the nodes' workspaces): a bound checked before a batch is run.
  double step_floats(int64_t batch, const std::vector<Shape>& shapes, bool training) const;

  void forward(const StepContext& ctx, const std::vector<Shape>& shapes);
  void backward(const StepContext& ctx);
  void reset_states();

  // Output k comes straight from a softmax Dense that nothing else reads (the loss may
  // fuse with the softmax then).
  bool softmax_output(size_t k) const;
  void set_fused_softmax(size_t k, bool fused);
  // Output k's Dense when nothing else reads it (sampled softmax trains it); null otherwise.
  SampledSoftmaxHead* sampled_softmax_head(size_t k);

 private:
  void check_structure() const;
  std::string node_label(size_t n) const;

  GraphSpec spec_;
  Backend* backend_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::vector<Value*>> node_inputs_, node_outputs_;
  std::vector<bool> needs_backward_;
  std::vector<int> layer_uses_;
  // Where a second reader of a value writes its gradient before it is added.
  std::vector<std::vector<DeviceBuffer<float>>> grad_scratch_;
  std::vector<std::vector<TokenReader>> token_readers_;
  std::string stateful_layer_;
  ParameterStore params_;
};

}  // namespace graph
}  // namespace recurrent
