// The double-precision reference of the whole-sequence recurrent layer op: plain loops,
// one sample and one time step at a time, written to be read next to the equations in
// rnn_layer.h. It is the ground truth the fast CPU and CUDA paths are checked
// against, and it is itself checked against finite differences.
//
// B batch, T time steps, I input features, H units, G gates (SimpleRNN 1, GRU 3, LSTM 4).
#pragma once

#include "kernels/rnn/rnn_layer.h"

namespace recurrent {

// Runs the layer over all T steps: writes io.y [B, T, H] (when not null), io.h_final [B, H]
// and io.c_final [B, H] (LSTM, when not null).
void rnn_forward_reference(const RnnConfig& config, const RnnWeights<double>& weights, RnnForwardIO<double>& io);

// Back-propagates io.dy [B, T, H], io.dh_final and io.dc_final [B, H] (each may be null:
// zero) through the layer. `inputs` supplies x, h0, c0 and mask (its outputs are not read):
// the forward pass is recomputed. Writes dx, dh0, dc0 (=); accumulates dkernel,
// drecurrent_kernel, dbias, dpeephole (+=). Null outputs are skipped.
void rnn_backward_reference(const RnnConfig& config, const RnnWeights<double>& weights,
                            const RnnForwardIO<double>& inputs, RnnBackwardIO<double>& io);

}  // namespace recurrent
