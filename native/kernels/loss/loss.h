// Losses and metrics over a model output viewed as N rows of K values (N = B, or B*T for
// an output with a time axis), Keras 3 semantics with the "sum_over_batch_size" reduction:
//   loss = sum_rows w_row * l_row / count
// where w_row is the sample weight (1 without) times the row's mask (0 for a masked step),
// and count is N, or the number of unmasked steps when a mask reaches the loss.
// l_row: meanSquaredError, meanAbsoluteError, binaryCrossentropy: mean over the K values;
// categorical and sparse categorical cross-entropy: sum over the classes. Probabilities
// are clipped to [1e-7, 1 - 1e-7] (Keras's epsilon), and categorical ones renormalised
// to sum 1 first, as Keras does; the clip passes no gradient. With fused_softmax (the
// output is a softmax whose only reader is this loss, and the loss is categorical) the
// gradient is d loss / d logits = scale * (sum_k t_k * p - t), which is stable.
//
// Metrics: the mean over the counted rows, unweighted by sample weights (Keras 3 applies
// sample weights only to `weighted_metrics`), masked steps excluded.
//   binaryAccuracy: per row, the mean over K of (p > threshold) == y; threshold 0.5, or 0
//     for logits. categoricalAccuracy: argmax p == argmax y (or == the id for sparse
//     targets). sparseCategoricalAccuracy: argmax p == id. meanSquaredError,
//     meanAbsoluteError: per row, the mean over K.
// The ops themselves are Backend::loss_row_weights, loss_forward_backward and metric_sum.
#pragma once
#include <cstdint>

namespace recurrent {

enum class LossKind { MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
                      SparseCategoricalCrossentropy };
enum class MetricKind { BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, MeanSquaredError,
                        MeanAbsoluteError };

// Device pointers of the backend the op runs on.
struct LossRows {
  const float* output = nullptr;      // [N, K]
  int64_t rows = 0, width = 0;        // N, K
  const float* target = nullptr;      // [N, K] (all but sparse)
  const int32_t* ids = nullptr;       // [N] class ids (sparse), checked in [0, K)
  const float* row_weight = nullptr;  // [N]
  double count = 0;                   // the divisor
  double gradient_scale = 1.0;        // the gradient is multiplied by this (the output's loss weight)
};

}  // namespace recurrent
