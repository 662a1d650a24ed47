// A node of the graph: one application of a layer. Layers (layer.h) own the weights; a
// node owns what one application needs between its forward and backward (saved
// activations, dropout masks, workspaces), so a layer applied twice keeps two sets and
// accumulates into one set of gradients.
//
// B batch; shapes are per sample. forward reads its inputs' data and masks and sets its
// outputs' data and masks (owned, or aliasing an input's). backward reads the outputs'
// gradients (null: zero; never all null, the graph skips the node then) and writes (=)
// each dx that is not null (null: that input needs no gradient); parameter gradients
// accumulate (+=).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/sampled_softmax_head.h"
#include "graph/shape.h"
#include "graph/value.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

struct StepContext {
  Backend* backend = nullptr;
  int64_t batch = 0;
  bool training = false;
  uint64_t seed = 0;    // GraphSpec.seed
  uint64_t step = 0;    // training steps taken: dropout masks differ per step
  uint64_t stream = 0;  // the node's index: each application draws its own masks
};

class Node {
 public:
  virtual ~Node() = default;
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Output shapes for these input shapes (kFree in, kFree out where it follows); the
  // same rule checks the build (free axes) and every batch (concrete). Throws
  // std::invalid_argument with what disagrees; the graph prefixes the layer's name.
  virtual std::vector<Shape> output_shapes(const std::vector<Shape>& in) const = 0;
  virtual void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) = 0;
  virtual void backward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out,
                        const std::vector<float*>& dx) = 0;
  // Floats of workspace one step needs beyond the values (a bound checked before a batch
  // is run; caches of recurrent layers dominate).
  virtual double workspace_floats(int64_t /*batch*/, const std::vector<Shape>& /*in*/) const { return 0.0; }
  // The call arguments of this application (attention layers read them; made before output_shapes).
  virtual void set_call(const NodeCall&) {}
  // Zeroes carried states (stateful recurrent layers).
  virtual void reset_states(Backend*) {}
  // Softmax Dense: the loss may hand backward d loss / d logits (categorical cross-entropy
  // fused with the softmax, for stability).
  virtual bool softmax_output() const { return false; }
  virtual void set_fused_softmax(bool) {}
  // A Dense application (softmax or linear) a sampled softmax loss can train; null otherwise.
  virtual SampledSoftmaxHead* sampled_softmax_head() { return nullptr; }
};

}  // namespace graph
}  // namespace recurrent
