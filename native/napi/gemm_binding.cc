// Low-level kernels exposed for benchmarks and for checking every ISA against the
// references: GEMM and the element-wise activations. Synchronous: they are single ops.
#include <algorithm>
#include <string>

#include "kernels/cpu/dispatch.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_bf16.h"
#include "napi/arguments.h"
#include "napi/bindings.h"

namespace recurrent {
namespace napi {
namespace {

// Elements a row-major matrix of `rows` x `cols` with row stride `ld` spans.
int64_t span(int64_t rows, int64_t cols, int64_t ld, const char* op, const char* name) {
  if (ld < cols || ld < 1) {
    throw ArgumentError{std::string(op) + ": leading dimension of " + name + " (" + std::to_string(ld) +
                            ") is smaller than its row length " + std::to_string(cols),
                        true};
  }
  if (rows == 0 || cols == 0) return 0;
  // Sizes up to 2^40 each: the product could overflow int64 and pass the length check.
  if (static_cast<double>(rows - 1) * static_cast<double>(ld) + static_cast<double>(cols) > 9.0e15) {
    throw ArgumentError{std::string(op) + ": " + name + " would span more elements than any array holds", true};
  }
  return (rows - 1) * ld + cols;
}

Napi::Value sgemm(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* op = "sgemm";
    Napi::Object o = require_object(info, 0, op);
    const bool ta = get_bool_or(o, "transA", op, false);
    const bool tb = get_bool_or(o, "transB", op, false);
    const int64_t m = get_int(o, "m", op, 0), n = get_int(o, "n", op, 0), k = get_int(o, "k", op, 0);
    // Default strides are the row lengths (at least 1, so an empty dimension is no error).
    const int64_t lda = get_int_or(o, "lda", op, 1, std::max<int64_t>(1, ta ? m : k));
    const int64_t ldb = get_int_or(o, "ldb", op, 1, std::max<int64_t>(1, tb ? k : n));
    const int64_t ldc = get_int_or(o, "ldc", op, 1, std::max<int64_t>(1, n));
    const float alpha = static_cast<float>(has(o, "alpha") ? get_number(o, "alpha", op) : 1.0);
    const float beta = static_cast<float>(has(o, "beta") ? get_number(o, "beta", op) : 0.0);
    const bool reference = get_bool_or(o, "reference", op, false);
    bool bf16 = false;
    if (has(o, "mixedPrecision")) {
      if (get_string(o, "mixedPrecision", op) != "bfloat16") throw ArgumentError{"sgemm: mixedPrecision must be 'bfloat16'", true};
      if (reference || alpha != 1.0f) throw ArgumentError{"sgemm: mixedPrecision takes neither 'reference' nor an alpha other than 1", true};
      bf16 = true;
    }
    Napi::Float32Array a = get_f32(o, "a", op, ta ? span(k, m, lda, op, "a") : span(m, k, lda, op, "a"));
    Napi::Float32Array b = get_f32(o, "b", op, tb ? span(n, k, ldb, op, "b") : span(k, n, ldb, op, "b"));
    Napi::Float32Array c = get_f32(o, "c", op, span(m, n, ldc, op, "c"));
    if (reference) {  // the plain reference keeps IEEE denormals: it is the ground truth
      cpu::sgemm_reference(ta, tb, m, n, k, alpha, a.Data(), lda, b.Data(), ldb, beta, c.Data(), ldc);
      return c;
    }
    ScopedFlushDenormals flush;
    if (bf16) {
      cpu::gemm_bf16(ta, tb, m, n, k, a.Data(), lda, b.Data(), ldb, beta, c.Data(), ldc);
      return c;
    }
    cpu::sgemm(ta, tb, m, n, k, alpha, a.Data(), lda, b.Data(), ldb, beta,
                                                    c.Data(), ldc);
    return c;
  });
}

// Tag the externals packGemm returns (float32 or bfloat16 panels), so that sgemmPacked
// accepts no other external.
constexpr napi_type_tag kPackedMatrixTag = {0x6d1c0a4f2be84f3eULL, 0x9a37c1d25e0b7a61ULL};
constexpr napi_type_tag kPackedBf16MatrixTag = {0x2f9e61c04d7a3b85ULL, 0xc45a0e9b17d2f630ULL};

bool mixed_precision_option(const Napi::Object& o, const char* op) {
  if (!has(o, "mixedPrecision")) return false;
  if (get_string(o, "mixedPrecision", op) != "bfloat16") {
    throw ArgumentError{std::string(op) + ": mixedPrecision must be 'bfloat16'", true};
  }
  return true;
}

// packGemm({ k, n, b, transB?, ldb?, mixedPrecision? }): op(B) [k,n] packed once for
// sgemmPacked, as the cell engine packs a recurrent kernel once per call of a layer
// (mixedPrecision 'bfloat16': converted to bfloat16 panels).
Napi::Value pack_gemm(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* op = "packGemm";
    Napi::Object o = require_object(info, 0, op);
    const bool tb = get_bool_or(o, "transB", op, false);
    const int64_t k = get_int(o, "k", op, 0), n = get_int(o, "n", op, 0);
    const int64_t ldb = get_int_or(o, "ldb", op, 1, std::max<int64_t>(1, tb ? k : n));
    Napi::Float32Array b = get_f32(o, "b", op, tb ? span(n, k, ldb, op, "b") : span(k, n, ldb, op, "b"));
    if (mixed_precision_option(o, op)) {
      auto* packed = new cpu::PackedMatrixBf16(tb, k, n, b.Data(), ldb);
      Napi::External<cpu::PackedMatrixBf16> handle = Napi::External<cpu::PackedMatrixBf16>::New(
          info.Env(), packed, [](Napi::Env, cpu::PackedMatrixBf16* p) { delete p; });
      handle.TypeTag(&kPackedBf16MatrixTag);
      return handle;
    }
    auto* packed = new cpu::PackedMatrix(tb, k, n, b.Data(), ldb);
    Napi::External<cpu::PackedMatrix> handle = Napi::External<cpu::PackedMatrix>::New(
        info.Env(), packed, [](Napi::Env, cpu::PackedMatrix* p) { delete p; });
    handle.TypeTag(&kPackedMatrixTag);
    return handle;
  });
}

// sgemmPacked({ m, a, packed, c, transA?, lda?, ldc?, alpha?, beta? }):
// C[m,n] = alpha * op(A)[m,k] * B + beta * C with B from packGemm.
Napi::Value sgemm_packed(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* op = "sgemmPacked";
    Napi::Object o = require_object(info, 0, op);
    Napi::Value handle = o.Get("packed");
    const bool bf16 = handle.IsExternal() && handle.As<Napi::External<cpu::PackedMatrixBf16>>().CheckTypeTag(&kPackedBf16MatrixTag);
    if (!bf16 && (!handle.IsExternal() || !handle.As<Napi::External<cpu::PackedMatrix>>().CheckTypeTag(&kPackedMatrixTag))) {
      throw ArgumentError{std::string(op) + ": 'packed' must be a matrix returned by packGemm"};
    }
    const cpu::PackedMatrix* b = bf16 ? nullptr : handle.As<Napi::External<cpu::PackedMatrix>>().Data();
    const cpu::PackedMatrixBf16* b16 = bf16 ? handle.As<Napi::External<cpu::PackedMatrixBf16>>().Data() : nullptr;
    const int64_t k = bf16 ? b16->rows() : b->rows(), n = bf16 ? b16->cols() : b->cols();
    const bool ta = get_bool_or(o, "transA", op, false);
    const int64_t m = get_int(o, "m", op, 0);
    const int64_t lda = get_int_or(o, "lda", op, 1, std::max<int64_t>(1, ta ? m : k));
    const int64_t ldc = get_int_or(o, "ldc", op, 1, std::max<int64_t>(1, n));
    const float alpha = static_cast<float>(has(o, "alpha") ? get_number(o, "alpha", op) : 1.0);
    const float beta = static_cast<float>(has(o, "beta") ? get_number(o, "beta", op) : 0.0);
    Napi::Float32Array a = get_f32(o, "a", op, ta ? span(k, m, lda, op, "a") : span(m, k, lda, op, "a"));
    Napi::Float32Array c = get_f32(o, "c", op, span(m, n, ldc, op, "c"));
    ScopedFlushDenormals flush;
    if (bf16) {
      if (alpha != 1.0f) throw ArgumentError{std::string(op) + ": a bfloat16 packed matrix takes no alpha other than 1", true};
      cpu::gemm_bf16_packed(ta, m, a.Data(), lda, *b16, beta, c.Data(), ldc);
      return c;
    }
    cpu::sgemm_packed(ta, m, alpha, a.Data(), lda, *b, beta, c.Data(), ldc);
    return c;
  });
}

Activation parse_activation(const std::string& name, const char* op) {
  if (name == "linear") return Activation::Linear;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "relu") return Activation::Relu;
  if (name == "hardSigmoid") return Activation::HardSigmoid;
  throw ArgumentError{std::string(op) + ": unknown activation '" + name +
                          "' (expected linear, tanh, sigmoid, relu, hardSigmoid)",
                      true};
}

// elementwise({ op: 'tanh'|'sigmoid'|'relu'|'hardSigmoid'|'linear'|'exp'|'log'|'softmax', x, y, cols? })
Napi::Value elementwise(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* op = "elementwise";
    Napi::Object o = require_object(info, 0, op);
    const std::string name = get_string(o, "op", op);
    Napi::Float32Array x = get_f32(o, "x", op, 0);
    const int64_t n = static_cast<int64_t>(x.ElementLength());
    Napi::Float32Array y = get_f32(o, "y", op, n);
    const cpu::CpuKernels& k = cpu::active_kernels();
    ScopedFlushDenormals flush;
    if (name == "exp") {
      k.exp(x.Data(), y.Data(), n);
    } else if (name == "log") {
      k.log(x.Data(), y.Data(), n);
    } else if (name == "softmax") {
      const int64_t cols = get_int(o, "cols", op, 1);
      if (n % cols != 0) throw ArgumentError{"elementwise: softmax length " + std::to_string(n) + " is not a multiple of cols " + std::to_string(cols), true};
      k.softmax_rows(x.Data(), y.Data(), n / cols, cols);
    } else {
      k.activation(parse_activation(name, op), x.Data(), y.Data(), n);
    }
    return y;
  });
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, sgemm, "sgemm"));
  exports.Set("packGemm", Napi::Function::New(env, pack_gemm, "packGemm"));
  exports.Set("sgemmPacked", Napi::Function::New(env, sgemm_packed, "sgemmPacked"));
  exports.Set("elementwise", Napi::Function::New(env, elementwise, "elementwise"));
}

}  // namespace napi
}  // namespace recurrent
