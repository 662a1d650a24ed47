// A layer of the model (one per GraphSpec layer): its options and its weights. It is
// built at its first application, when its input's feature size is known, and makes one
// Node per application (node.h). Its weights are declared here and live in the model's
// ParameterStore, bound after every layer is built.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/node.h"
#include "graph/parameter.h"

namespace recurrent {
namespace graph {

class Layer {
 public:
  explicit Layer(const LayerSpec& spec) : spec_(spec) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const LayerSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

  // At the first application: declares the weights for these input shapes (throws
  // std::invalid_argument when the shapes cannot build it).
  virtual void build(const std::vector<Shape>& /*in*/) {}
  // The weights, in Keras order, once built.
  const std::vector<WeightDecl>& weights() const { return weights_; }
  // A new application of the layer, its workspaces on `backend`.
  virtual std::unique_ptr<Node> make_node(Backend* backend) = 0;
  // Stateful layers may not be shared or take initial states.
  virtual bool stateful() const { return false; }

  void bind(const ParameterStore* store, size_t first) {
    store_ = store;
    first_ = first;
  }
  float* value(size_t k) const { return store_->value(first_ + k); }
  float* grad(size_t k) const { return store_->grad(first_ + k); }
  bool trainable(size_t k) const { return store_->param(first_ + k).decl.trainable; }
  // Whether any weight is trainable (backward then matters for its own sake).
  bool any_trainable() const {
    for (const WeightDecl& w : weights_)
      if (w.trainable) return true;
    return false;
  }

 protected:
  LayerSpec spec_;
  std::vector<WeightDecl> weights_;

 private:
  const ParameterStore* store_ = nullptr;
  size_t first_ = 0;
};

// The layer of `spec`'s kind (layer.cc), from the kinds' files.
std::unique_ptr<Layer> make_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_embedding_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_masking_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_recurrent_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_bidirectional_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_merge_layer(const LayerSpec& spec);  // add, subtract, multiply, average
std::unique_ptr<Layer> make_concatenate_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_dot_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_attention_layer(const LayerSpec& spec);  // attention, additiveAttention
std::unique_ptr<Layer> make_repeat_vector_layer(const LayerSpec& spec);
std::unique_ptr<Layer> make_reshape_layer(const LayerSpec& spec);  // reshape, flatten

}  // namespace graph
}  // namespace recurrent
