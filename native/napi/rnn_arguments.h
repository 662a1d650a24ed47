// Parses and validates the arguments of the whole-sequence layer op, shared by the fast
// CPU binding (Float32Array) and the double-precision reference binding (Float64Array):
//
//   { cell: 'simpleRnn' | 'lstm' | 'gru', batch, steps, input, units,
//     activation?, recurrentActivation?, resetAfter?, peephole?, goBackwards?, truncateSteps?,
//     mixedPrecision?: 'bfloat16',
//     x, h0?, c0?, mask?: Uint8Array [B, T], recurrentMask? [B, H] (recurrent dropout), kernel, recurrentKernel, bias?, peepholeWeights?,
//     returnSequences? (default true), inputGradient? (default true: return dx),
//     dy?, dhFinal?, dcFinal? }
//
// Every length is checked against the shapes before native code touches a buffer, and every
// array is copied as it is read: the kernels never see the caller's memory.
#pragma once
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/rnn/rnn_layer.h"
#include "napi/arguments.h"

namespace recurrent {
namespace napi {

inline Activation activation_from_name(const std::string& name, const char* op, const char* key) {
  if (name == "linear") return Activation::Linear;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "relu") return Activation::Relu;
  if (name == "hardSigmoid") return Activation::HardSigmoid;
  throw ArgumentError{std::string(op) + ": " + key + " '" + name +
                          "' is not one of linear, tanh, sigmoid, relu, hardSigmoid",
                      true};
}

template <class Real>
struct TypedArrayOf;
template <>
struct TypedArrayOf<float> {
  using type = Napi::Float32Array;
  static constexpr napi_typedarray_type kind = napi_float32_array;
  static constexpr const char* name = "Float32Array";
};
template <>
struct TypedArrayOf<double> {
  using type = Napi::Float64Array;
  static constexpr napi_typedarray_type kind = napi_float64_array;
  static constexpr const char* name = "Float64Array";
};

// A typed array argument of exactly `length` elements, or null when absent and optional: a
// pointer into the caller's buffer, valid only until JavaScript runs again (a getter of a later
// argument, or the caller after the call returns, may detach or refill it). Callers that read
// more than one argument, or read on another thread, use the copying form below.
template <class Real>
const Real* typed_array(const Napi::Object& o, const char* key, const char* op, int64_t length, bool required,
                        const std::string& shape) {
  if (!has(o, key)) {
    if (required) throw ArgumentError{std::string(op) + ": '" + key + "' " + shape + " is required"};
    return nullptr;
  }
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedArrayOf<Real>::kind) {
    throw ArgumentError{std::string(op) + ": '" + key + "' must be a " + TypedArrayOf<Real>::name};
  }
  auto a = v.As<typename TypedArrayOf<Real>::type>();
  if (static_cast<int64_t>(a.ElementLength()) != length) {
    throw ArgumentError{std::string(op) + ": '" + key + "' expected shape " + shape + " (" + std::to_string(length) +
                            " elements), received " + std::to_string(a.ElementLength()) + " elements",
                        true};
  }
  return a.Data();
}

// The same argument copied into `owned` at once: the copy is what native code reads, so the
// caller's detaching or refilling its buffer while a worker thread runs changes nothing.
template <class Real>
const Real* typed_array(const Napi::Object& o, const char* key, const char* op, int64_t length, bool required,
                        const std::string& shape, std::vector<std::unique_ptr<Real[]>>* owned) {
  const Real* view = typed_array<Real>(o, key, op, length, required, shape);
  if (view == nullptr) return nullptr;
  std::unique_ptr<Real[]> copy(new Real[static_cast<size_t>(length)]);
  std::memcpy(copy.get(), view, sizeof(Real) * static_cast<size_t>(length));
  owned->push_back(std::move(copy));
  return owned->back().get();
}

template <class Real>
struct RnnCall {
  RnnConfig config;
  RnnWeights<Real> weights;
  RnnForwardIO<Real> forward;
  const Real* dy = nullptr;
  const Real* dh_final = nullptr;
  const Real* dc_final = nullptr;
  bool return_sequences = true;
  bool input_gradient = true;  // false: the layer's input needs no gradient (first layer)
  bool backward() const { return dy != nullptr || dh_final != nullptr || dc_final != nullptr; }
  // The copies of the input arrays that the pointers above point into.
  std::vector<std::unique_ptr<Real[]>> owned;
  std::unique_ptr<uint8_t[]> owned_mask;
};

inline std::string shape_text(std::initializer_list<int64_t> dims) {
  std::string s = "[";
  bool first = true;
  for (int64_t d : dims) {
    if (!first) s += ", ";
    s += std::to_string(d);
    first = false;
  }
  return s + "]";
}

// The cell, sizes and options (no arrays yet, so that a caller can bound the memory the
// call will need before anything is copied).
template <class Real>
void parse_rnn_config(const Napi::Object& o, const char* op, RnnCall<Real>* call) {
  RnnConfig& c = call->config;
  const std::string cell = get_string(o, "cell", op);
  if (cell == "simpleRnn") c.cell = CellType::SimpleRnn;
  else if (cell == "lstm") c.cell = CellType::Lstm;
  else if (cell == "gru") c.cell = CellType::Gru;
  else throw ArgumentError{std::string(op) + ": cell '" + cell + "' is not one of simpleRnn, lstm, gru", true};
  constexpr int64_t kMaxDim = int64_t(1) << 24;
  c.batch = get_int(o, "batch", op, 1, kMaxDim);
  c.steps = get_int(o, "steps", op, 1, kMaxDim);
  c.input = get_int(o, "input", op, 1, kMaxDim);
  c.units = get_int(o, "units", op, 1, kMaxDim);
  if (has(o, "activation")) c.activation = activation_from_name(get_string(o, "activation", op), op, "activation");
  if (has(o, "recurrentActivation"))
    c.recurrent_activation = activation_from_name(get_string(o, "recurrentActivation", op), op, "recurrentActivation");
  c.reset_after = get_bool_or(o, "resetAfter", op, true);
  c.peephole = get_bool_or(o, "peephole", op, false);
  if (c.peephole && c.cell != CellType::Lstm) throw ArgumentError{std::string(op) + ": peephole applies to LSTM only", true};
  c.go_backwards = get_bool_or(o, "goBackwards", op, false);
  c.truncate_steps = get_int_or(o, "truncateSteps", op, 0, 0, kMaxDim);
  if (has(o, "mixedPrecision")) {
    const std::string precision = get_string(o, "mixedPrecision", op);
    if (precision != "bfloat16") {
      throw ArgumentError{std::string(op) + ": mixedPrecision '" + precision + "' is not 'bfloat16' (omit it for float32)", true};
    }
    c.mixed_precision = MixedPrecision::Bfloat16;
  }
  call->return_sequences = get_bool_or(o, "returnSequences", op, true);
  call->input_gradient = get_bool_or(o, "inputGradient", op, true);
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates();
  // Buffers are indexed with int64 arithmetic; refuse sizes whose products overflow.
  const double total = static_cast<double>(B) * T * (I > H ? I : H) + static_cast<double>(G) * H * (I + H);
  if (total > 4.0e12) throw ArgumentError{std::string(op) + ": shapes are too large", true};
}

// The arrays, each checked against the shapes of parse_rnn_config and copied (typed_array).
template <class Real>
void parse_rnn_arrays(const Napi::Object& o, const char* op, RnnCall<Real>* call) {
  RnnConfig& c = call->config;
  const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates();
  auto* owned = &call->owned;
  auto& w = call->weights;
  w.kernel = typed_array<Real>(o, "kernel", op, I * G * H, true, shape_text({I, G * H}), owned);
  w.recurrent_kernel = typed_array<Real>(o, "recurrentKernel", op, H * G * H, true, shape_text({H, G * H}), owned);
  const bool gru2 = c.cell == CellType::Gru && c.reset_after;
  w.bias = typed_array<Real>(o, "bias", op, c.bias_size(), false, gru2 ? shape_text({2, G * H}) : shape_text({G * H}), owned);
  w.peephole = typed_array<Real>(o, "peepholeWeights", op, 3 * H, c.peephole, shape_text({3, H}), owned);
  if (!c.peephole && has(o, "peepholeWeights"))
    throw ArgumentError{std::string(op) + ": 'peepholeWeights' given but peephole is false", true};

  auto& f = call->forward;
  f.x = typed_array<Real>(o, "x", op, B * T * I, true, shape_text({B, T, I}), owned);
  f.h0 = typed_array<Real>(o, "h0", op, B * H, false, shape_text({B, H}), owned);
  f.c0 = typed_array<Real>(o, "c0", op, B * H, false, shape_text({B, H}), owned);
  if (f.c0 != nullptr && !c.has_cell_state()) throw ArgumentError{std::string(op) + ": 'c0' applies to LSTM only", true};
  if (has(o, "mask")) {
    Napi::Value v = o.Get("mask");
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw ArgumentError{std::string(op) + ": 'mask' must be a Uint8Array [batch, steps] of 0/1"};
    auto m = v.As<Napi::Uint8Array>();
    if (static_cast<int64_t>(m.ElementLength()) != B * T)
      throw ArgumentError{std::string(op) + ": 'mask' expected shape " + shape_text({B, T}) + ", received " +
                              std::to_string(m.ElementLength()) + " elements",
                          true};
    call->owned_mask.reset(new uint8_t[static_cast<size_t>(B * T)]);
    std::memcpy(call->owned_mask.get(), m.Data(), static_cast<size_t>(B * T));
    f.mask = call->owned_mask.get();
  }
  f.recurrent_mask = typed_array<Real>(o, "recurrentMask", op, B * H, false, shape_text({B, H}), owned);
  c.recurrent_masked = f.recurrent_mask != nullptr;
  call->dy = typed_array<Real>(o, "dy", op, call->return_sequences ? B * T * H : B * H, false,
                               call->return_sequences ? shape_text({B, T, H}) : shape_text({B, H}), owned);
  call->dh_final = typed_array<Real>(o, "dhFinal", op, B * H, false, shape_text({B, H}), owned);
  call->dc_final = typed_array<Real>(o, "dcFinal", op, B * H, false, shape_text({B, H}), owned);
  if (call->dc_final != nullptr && !c.has_cell_state())
    throw ArgumentError{std::string(op) + ": 'dcFinal' applies to LSTM only", true};
}

template <class Real>
void parse_rnn_call(const Napi::Object& o, const char* op, RnnCall<Real>* call) {
  parse_rnn_config(o, op, call);
  parse_rnn_arrays(o, op, call);
}

}  // namespace napi
}  // namespace recurrent
