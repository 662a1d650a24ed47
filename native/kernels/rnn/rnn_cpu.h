// The fast CPU implementation of the whole-sequence layer op (semantics: rnn_layer.h).
//   forward:  xproj = x W + b for all steps (one GEMM); per step one GEMM h_prev U with U
//             packed once, then one fused step kernel that saves what backward needs.
//   backward: per step one fused kernel for the gate gradients and one GEMM dG U^T;
//             after the loop dW, dU, dx as large GEMMs over all steps, db as column sums.
#pragma once
#include <cstdint>

#include "kernels/rnn/rnn_layer.h"

namespace recurrent {
namespace cpu {

// Floats of the cache forward fills and backward reads.
int64_t rnn_cache_size(const RnnConfig& config);

// cache: [rnn_cache_size(config)] floats, written.
void rnn_forward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& io,
                 float* cache);

// inputs: the x, mask and c0 forward saw (h0 is in the cache). cache: what forward wrote.
void rnn_backward(const RnnConfig& config, const RnnWeights<float>& weights, const RnnForwardIO<float>& inputs,
                  const float* cache, const RnnBackwardIO<float>& grads);

}  // namespace cpu
}  // namespace recurrent
