#include "graph/layer.h"

namespace recurrent {
namespace graph {

std::unique_ptr<Layer> make_layer(const LayerSpec& spec) {
  switch (spec.kind) {
    case LayerKind::Embedding: return make_embedding_layer(spec);
    case LayerKind::Masking: return make_masking_layer(spec);
    case LayerKind::Recurrent: return make_recurrent_layer(spec);
    case LayerKind::Bidirectional: return make_bidirectional_layer(spec);
    case LayerKind::Dense: return make_dense_layer(spec);
    case LayerKind::Dropout: return make_dropout_layer(spec);
    case LayerKind::Add:
    case LayerKind::Subtract:
    case LayerKind::Multiply:
    case LayerKind::Average: return make_merge_layer(spec);
    case LayerKind::Concatenate: return make_concatenate_layer(spec);
    case LayerKind::Dot: return make_dot_layer(spec);
    case LayerKind::Attention: return make_attention_layer(spec);
    case LayerKind::RepeatVector: return make_repeat_vector_layer(spec);
    case LayerKind::Reshape:
    case LayerKind::Flatten: return make_reshape_layer(spec);
  }
  return nullptr;
}

}  // namespace graph
}  // namespace recurrent
