// Reads a step's StepArgs (lib/graph_spec.ts) into a graph::Batch on the main thread:
// every caller buffer is copied (the worker never reads one), each checked for its typed
// array type and its length against the batch's shapes: per input its per-sample shape
// (free axes given, fixed axes equal) and an optional [B, T] mask of 0/1; per output
// with a loss its targets (the output's shape this batch, or class ids without the last
// axis) and optional [B] sample weights. Then the model checks ids, the stateful batch
// size and the memory the step needs. Errors are TypeError (a wrong type or key) or
// RangeError (a wrong size or value), naming the input or output.
#pragma once
#include <napi.h>

#include "graph/batch.h"
#include "graph/model.h"

namespace recurrent {
namespace napi {

graph::Batch parse_step_args(const Napi::Value& value, graph::Model& model, graph::StepKind kind, const char* op);
// applyGradients({ learningRate? }): the rate, or -1 for the compiled one.
double parse_apply_args(const Napi::Value& value);

}  // namespace napi
}  // namespace recurrent
