// One direction of a recurrent layer (SimpleRNN, LSTM, GRU) over the whole sequence, on
// the backend's recurrent op (kernels/rnn/rnn_layer.h): the RNN layer has one, the
// Bidirectional layer two. Input dropout uses one mask per sequence and feature, the
// same at every step, and recurrent dropout one [B, H] mask on the state (Keras), each
// from its own random stream. Stateful units start from the states the previous batch
// ended with (kept on the device); no gradient flows into those carried states.
//
// B batch, T steps, I input features, H units, G gates.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/graph_spec.h"
#include "graph/layer.h"
#include "graph/node.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace graph {

// What one application of a unit keeps between its forward and backward, and the states
// a stateful unit carries between batches.
struct RecurrentRun {
  explicit RecurrentRun(Backend* b)
      : cache(b), drop_factors(b), x_dropped(b), recurrent_factors(b), dx_dropped(b), h0_copy(b), c0_copy(b),
        state_h(b), state_c(b) {}
  RnnConfig config;                 // of the last forward (batch and steps set)
  const float* x = nullptr;         // [B, T, I] what the op saw (the input, or x_dropped)
  const uint8_t* mask = nullptr;    // [B, T]
  const float* h0 = nullptr;        // [B, H] or null: zeros
  const float* c0 = nullptr;        // [B, H] or null (LSTM)
  bool dropped = false;             // input dropout applied
  bool recurrent_dropped = false;   // recurrent dropout applied
  DeviceBuffer<float> cache;
  DeviceBuffer<float> drop_factors;       // [B, I]
  DeviceBuffer<float> x_dropped;          // [B, T, I]
  DeviceBuffer<float> recurrent_factors;  // [B, H]
  DeviceBuffer<float> dx_dropped;         // [B, T, I]
  DeviceBuffer<float> h0_copy, c0_copy;   // [B, H] the carried states this batch started from
  DeviceBuffer<float> state_h, state_c;   // [B, H] carried to the next batch (stateful)
  int64_t state_batch = 0;                // the batch the carried states have (0: none yet)
};

// The forward's outputs. y: [B, T, H] in processing order, or null (not wanted);
// h_final [B, H]; c_final [B, H] or null (LSTM only, when wanted).
struct RecurrentOutputs {
  float* y = nullptr;
  float* h_final = nullptr;
  float* c_final = nullptr;
};

// The backward's inputs and outputs: dy [B, T, H] or null; dh_final, dc_final [B, H] or
// null (zero); dx [B, T, I], dh0, dc0 [B, H] written where not null.
struct RecurrentGrads {
  const float* dy = nullptr;
  const float* dh_final = nullptr;
  const float* dc_final = nullptr;
  float* dx = nullptr;
  float* dh0 = nullptr;
  float* dc0 = nullptr;
};

// F of a recurrent layer's input [T, F] (T may be free, F must be known); throws
// std::invalid_argument otherwise.
int64_t sequence_features(const Shape& input);

class RecurrentUnit {
 public:
  // `first_weight`: where its weights start in the owning layer's list.
  RecurrentUnit(const RecurrentSpec& spec, const Layer& owner, size_t first_weight);

  // Appends the weights for I input features: kernel [I, G*H], recurrent_kernel [H, G*H],
  // bias [G*H] ([2, 3H] for GRU resetAfter), then the three LSTM peephole vectors [H].
  void declare(int64_t I, std::vector<WeightDecl>* weights);
  // How many weights declare() appends.
  static size_t weight_count(const RecurrentSpec& spec) { return 2 + (spec.use_bias ? 1 : 0) + (spec.peephole ? 3 : 0); }
  int64_t input_features() const { return input_; }
  const RecurrentSpec& spec() const { return spec_; }
  bool trainable() const { return owner_.trainable(first_); }
  bool wants_c_final() const { return spec_.cell == CellType::Lstm && spec_.stateful; }
  double workspace_floats(int64_t B, int64_t T) const;
  // The per-sample output y of a node reading [x [T, F], initial states [H]...]: [T, H] with
  // returnSequences, else [H]; throws std::invalid_argument when x or a state disagrees.
  Shape output_shape(const std::vector<Shape>& in) const;

  // stream: the node's dropout stream (recurrent dropout draws from stream | 1 << 48).
  void forward(const StepContext& ctx, RecurrentRun& run, uint64_t stream, const float* x, const uint8_t* mask,
               int64_t T, const float* h0, const float* c0, const RecurrentOutputs& out) const;
  void backward(const StepContext& ctx, RecurrentRun& run, const RecurrentGrads& g) const;
  void reset_states(Backend* backend, RecurrentRun& run) const;

 private:
  RnnWeights<float> weights() const;
  RnnForwardIO<float> saved_inputs(const RecurrentRun& run) const;

  RecurrentSpec spec_;
  const Layer& owner_;
  size_t first_;
  int64_t input_ = 0;
  RnnConfig base_;  // batch and steps come with each call
};

}  // namespace graph
}  // namespace recurrent
