// Reads the model's contract objects (lib/graph_spec.ts) into the native structs
// (graph/graph_spec.h): the whole GraphSpec before anything is built, the CompileSpec and
// NativeModelOptions. Each object's keys and each value's type and range are checked
// here (TypeError for a wrong type or an unknown key, RangeError for a value out of
// range, naming the layer, node, input or output); the graph's structure and shapes are
// checked when the graph is made (graph/graph.cc).
#pragma once
#include <napi.h>

#include <string>

#include "graph/graph_spec.h"

namespace recurrent {
namespace napi {

graph::GraphSpec parse_graph_spec(const Napi::Value& value);
graph::CompileSpec parse_compile_spec(const Napi::Value& value);
// The backend's name ('cpu' when the options or their backend are absent).
std::string parse_model_options(const Napi::Value& value);

}  // namespace napi
}  // namespace recurrent
