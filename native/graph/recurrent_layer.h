// A recurrent layer (SimpleRNN, LSTM, GRU) over the whole sequence with the fast CPU op
// (kernels/rnn/rnn_cpu.h). Input dropout uses one mask per sequence and feature, the same
// at every step (Keras). Stateful layers start from the states the previous batch ended
// with; no gradient flows into those carried states.
#pragma once
#include <vector>

#include "graph/graph_spec.h"
#include "graph/layer.h"
#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace graph {

class RecurrentLayer : public Layer {
 public:
  RecurrentLayer(const RecurrentSpec& spec, FlowShape input, uint64_t stream);

  // Output of the last forward in processing order (go_backwards reverses time).
  Flow forward(const StepContext& ctx, const Flow& in) override;
  void backward(const StepContext& ctx, const float* dy, float* dx) override;
  void reset_states() override;

  int64_t units() const { return config_.units; }
  bool return_sequences() const { return return_sequences_; }

 private:
  RnnWeights<float> weights() const;
  // The inputs the last forward saw (x after input dropout, mask, recurrent dropout mask).
  RnnForwardIO<float> saved_inputs() const;

  RnnConfig config_;  // batch is set per call
  bool return_sequences_, stateful_;
  float dropout_;
  float recurrent_dropout_;
  uint64_t stream_;
  bool recurrent_dropped_ = false;     // the last forward applied recurrent dropout
  std::vector<float> recurrent_factors_;  // [B, H] recurrent dropout mask of the last forward
  bool dropped_ = false;               // the last forward applied input dropout
  const float* x_ = nullptr;           // [B, T, I] the op saw (input, or x_dropped_)
  const uint8_t* mask_ = nullptr;      // [B, T]
  std::vector<float> drop_factors_;    // [B, I]
  std::vector<float> x_dropped_;       // [B, T, I]
  std::vector<float> h0_, c0_;         // [B, H] the op started from (stateful)
  std::vector<float> state_h_, state_c_;  // [B, H] carried to the next batch (stateful)
  std::vector<float> y_;               // [B, T, H]
  std::vector<float> h_final_, c_final_;  // [B, H]
  std::vector<float> cache_;
  std::vector<float> dx_dropped_;      // [B, T, I]
};

}  // namespace graph
}  // namespace recurrent
