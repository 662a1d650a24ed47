// Losses over the model output viewed as N rows of K values (N = B, or B*T for sequence
// outputs), Keras 3 semantics with the "sum_over_batch_size" reduction:
//   loss = sum_rows w_row * l_row / count
// where w_row is the sample weight (1 without) times the row's mask (0 for a masked
// step), and count is N, or the number of unmasked steps when a mask reaches the loss.
// l_row: meanSquaredError, meanAbsoluteError, binaryCrossentropy: mean over the K values;
// categorical and sparse categorical cross-entropy: sum over the classes.
#pragma once
#include <cstdint>

#include "graph/graph_spec.h"

namespace recurrent {
namespace graph {

struct LossRows {
  const float* output = nullptr;     // [N, K]
  int64_t rows = 0, width = 0;       // N, K
  const float* target = nullptr;     // [N, K] (all but sparse)
  const int32_t* ids = nullptr;      // [N] class ids (sparse), checked in [0, K)
  const float* row_weight = nullptr; // [N]
  double count = 0;                  // the divisor
};

// Returns sum_rows w_row * l_row (not yet divided by count). doutput: null, or written
// with d loss / d output [N, K]; with fused_softmax (the output is a softmax and the loss
// categorical) it receives d loss / d logits instead.
double loss_forward_backward(LossKind kind, bool from_logits, bool fused_softmax, const LossRows& in,
                             float* doutput);

}  // namespace graph
}  // namespace recurrent
