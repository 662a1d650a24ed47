// Metrics over the output rows (see loss.h): the mean over the counted rows, unweighted
// by sample weights (Keras 3 applies sample weights only to `weighted_metrics`), masked
// steps excluded.
//   binaryAccuracy: per row, the mean over K of (p > threshold) == y; threshold 0.5, or 0
//     for logits. categoricalAccuracy: argmax p == argmax y (or == the id for sparse
//     targets). sparseCategoricalAccuracy: argmax p == id. meanSquaredError,
//     meanAbsoluteError: per row, the mean over K.
#pragma once
#include "graph/graph_spec.h"
#include "graph/loss.h"

namespace recurrent {
namespace graph {

// `valid`: [N] 1 for a counted row. Returns the sum over counted rows (divide by count).
double metric_sum(MetricKind kind, bool from_logits, const LossRows& rows, const uint8_t* valid);

}  // namespace graph
}  // namespace recurrent
