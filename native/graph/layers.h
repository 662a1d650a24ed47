// Factories of the layer kinds (one file each). `stream` numbers the layer in the model,
// so that two dropout layers draw different masks from the same seed and step.
#pragma once
#include <memory>

#include "graph/graph_spec.h"
#include "graph/layer.h"

namespace recurrent {
namespace graph {

std::unique_ptr<Layer> make_embedding_layer(const LayerSpec& spec, FlowShape input);
std::unique_ptr<Layer> make_masking_layer(const LayerSpec& spec, FlowShape input);
std::unique_ptr<Layer> make_recurrent_layer(const RecurrentSpec& spec, FlowShape input, uint64_t stream);
std::unique_ptr<Layer> make_bidirectional_layer(const LayerSpec& spec, FlowShape input, uint64_t stream);
std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec, FlowShape input);
std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec, FlowShape input, uint64_t stream);

}  // namespace graph
}  // namespace recurrent
