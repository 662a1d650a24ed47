#include "napi/step_arguments.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "napi/spec_reader.h"

namespace recurrent {
namespace napi {
namespace {

using graph::Shape;

constexpr int64_t kMaxDim = int64_t(1) << 24;

std::string batch_shape(int64_t B, const Shape& shape) {
  Shape full{B};
  full.insert(full.end(), shape.begin(), shape.end());
  return graph::shape_text(full);
}

// The typed array under `key` (`type_name` with its article: "an Int32Array"), of `Kind`, with exactly the elements of [B, ...shape], copied.
template <class T, napi_typedarray_type Kind>
void copy_array(const SpecReader& r, const char* key, const char* type_name, int64_t B, const Shape& shape,
                std::vector<T>* out) {
  const Napi::Value v = r.get(key);
  const double n = double(B) * graph::known_elements(shape);
  const std::string expected = std::string(type_name) + " of shape " + batch_shape(B, shape);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind) r.fail(key, expected, false);
  const Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  if (double(a.ElementLength()) != n)
    throw ArgumentError{r.where() + ": '" + key + "' must be " + expected + " (" + std::to_string(int64_t(n)) +
                            " elements), received " + std::to_string(a.ElementLength()) + " elements",
                        true};
  out->resize(a.ElementLength());
  if (!out->empty()) std::memcpy(out->data(), a.Data(), sizeof(T) * out->size());
}

void read_input(const Napi::Value& v, const graph::InputSpec& spec, size_t index, int64_t B, const char* op,
                graph::InputData* in) {
  SpecReader r(v, std::string(op) + ": inputs[" + std::to_string(index) + "] ('" + spec.name + "')",
               {"data", "shape", "mask"});
  const std::string declared = graph::shape_text(spec.shape);
  const std::vector<int64_t> shape = r.integers("shape", 1, kMaxDim, static_cast<int64_t>(spec.shape.size()));
  for (size_t a = 0; a < shape.size(); ++a)
    if (spec.shape[a] != graph::kFree && spec.shape[a] != shape[a])
      throw ArgumentError{r.where() + ": 'shape' must fit the input's shape " + declared + ", received " +
                              graph::shape_text(shape),
                          true};
  in->shape = shape;
  if (spec.int32) copy_array<int32_t, napi_int32_array>(r, "data", "an Int32Array", B, shape, &in->ids);
  else copy_array<float, napi_float32_array>(r, "data", "a Float32Array", B, shape, &in->data);
  if (!r.has("mask")) return;
  if (!spec.int32 && shape.size() < 2)
    throw ArgumentError{r.where() + ": a mask covers the time axis of [steps, ...] inputs; this input's shape is " +
                            declared,
                        true};
  copy_array<uint8_t, napi_uint8_array>(r, "mask", "a Uint8Array", B, {shape[0]}, &in->mask);
  for (size_t j = 0; j < in->mask.size(); ++j)
    if (in->mask[j] > 1)
      throw ArgumentError{r.where() + ": 'mask' holds 1 (a valid step) or 0, received " +
                              std::to_string(in->mask[j]) + " at " + graph::position_text(int64_t(j), B, {shape[0]}),
                          true};
}

void read_target(const Napi::Value& v, graph::Model& model, const graph::Batch& b, size_t k, const char* op,
                 graph::TargetData* t) {
  const std::string where = std::string(op) + ": targets[" + std::to_string(k) + "]";
  const graph::OutputLoss* loss = model.loss(k);
  if (!loss) {
    if (!v.IsNull() && !v.IsUndefined())
      throw ArgumentError{where + ": output " + std::to_string(k) + " has no loss, so its target must be null, received " +
                          describe(v)};
    return;
  }
  SpecReader r(v, where, {"data", "sampleWeight"});
  t->present = true;
  const int64_t B = b.batch;
  const Shape shape = model.target_shape(b, k);
  if (loss->sparse()) {
    copy_array<int32_t, napi_int32_array>(r, "data", "an Int32Array of class ids", B, shape, &t->ids);
  } else {
    copy_array<float, napi_float32_array>(r, "data", "a Float32Array", B, shape, &t->y);
    for (size_t j = 0; j < t->y.size(); ++j)
      if (!std::isfinite(t->y[j]))
        throw ArgumentError{where + ": 'data' must hold finite numbers, received " + std::to_string(t->y[j]) + " at " +
                                graph::position_text(int64_t(j), B, shape),
                            true};
  }
  if (!r.has("sampleWeight")) return;
  copy_array<float, napi_float32_array>(r, "sampleWeight", "a Float32Array", B, {}, &t->sample_weight);
  for (size_t j = 0; j < t->sample_weight.size(); ++j)
    if (!(t->sample_weight[j] >= 0) || !std::isfinite(t->sample_weight[j]))
      throw ArgumentError{where + ": 'sampleWeight' must hold finite numbers >= 0, received " +
                              std::to_string(t->sample_weight[j]) + " at [" + std::to_string(j) + "]",
                          true};
}

}  // namespace

graph::Batch parse_step_args(const Napi::Value& value, graph::Model& model, graph::StepKind kind, const char* op) {
  using graph::StepKind;
  SpecReader r(value, std::string(op) + ": the StepArgs", {"batch", "inputs", "targets", "learningRate"});
  const graph::GraphSpec& spec = model.graph().spec();
  graph::Batch b;
  b.batch = r.integer("batch", 1, kMaxDim);
  const Napi::Array inputs = r.array("inputs");
  if (inputs.Length() != spec.inputs.size())
    throw ArgumentError{std::string(op) + ": the model has " + std::to_string(spec.inputs.size()) +
                            " inputs, received 'inputs' of " + std::to_string(inputs.Length()),
                        true};
  b.inputs.resize(spec.inputs.size());
  for (uint32_t i = 0; i < inputs.Length(); ++i) read_input(inputs.Get(i), spec.inputs[i], i, b.batch, op, &b.inputs[i]);
  try {
    model.infer(b);
  } catch (const std::invalid_argument& e) {
    throw ArgumentError{std::string(op) + ": " + e.what(), true};
  }
  const bool with_targets = kind != StepKind::Predict;
  if (with_targets) {
    const Napi::Array targets = r.array("targets");
    if (targets.Length() != spec.outputs.size())
      throw ArgumentError{std::string(op) + ": the model has " + std::to_string(spec.outputs.size()) +
                              " outputs: give one target (null for an output without a loss) for each, received " +
                              std::to_string(targets.Length()),
                          true};
    b.targets.resize(spec.outputs.size());
    for (uint32_t k = 0; k < targets.Length(); ++k) read_target(targets.Get(k), model, b, k, op, &b.targets[k]);
  } else if (r.has("targets")) {
    throw ArgumentError{std::string(op) + ": predict takes no targets"};
  }
  if (r.has("learningRate")) {
    if (kind != StepKind::Train)
      throw ArgumentError{std::string(op) + ": 'learningRate' applies to trainStep and applyGradients only"};
    b.learning_rate = r.finite_non_negative("learningRate");
  }
  try {
    model.check(b, kind, op);
  } catch (const std::invalid_argument& e) {
    throw ArgumentError{std::string(op) + ": " + e.what(), true};
  } catch (const std::out_of_range& e) {
    throw ArgumentError{std::string(op) + ": " + e.what(), true};
  }
  return b;
}

double parse_apply_args(const Napi::Value& value) {
  if (value.IsUndefined()) return -1.0;
  SpecReader r(value, "applyGradients: the arguments", {"learningRate"});
  return r.has("learningRate") ? r.finite_non_negative("learningRate") : -1.0;
}

}  // namespace napi
}  // namespace recurrent
