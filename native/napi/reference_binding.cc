// rnnReference(args): the double-precision reference of the whole-sequence layer op,
// forward and (when any output gradient is given) backward in one synchronous call. It
// exists to check the fast paths and the gradients; see kernels/rnn/rnn_reference.h.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/rnn/rnn_reference.h"
#include "napi/arguments.h"
#include "napi/bindings.h"
#include "napi/rnn_arguments.h"

namespace recurrent {
namespace napi {
namespace {

Napi::Float64Array zeros(Napi::Env env, int64_t n) {
  Napi::Float64Array a = Napi::Float64Array::New(env, static_cast<size_t>(n));
  std::fill(a.Data(), a.Data() + n, 0.0);
  return a;
}

Napi::Value rnn_reference(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const char* op = "rnnReference";
    Napi::Env env = info.Env();
    Napi::Object o = require_object(info, 0, op);
    RnnCall<double> call;
    parse_rnn_call<double>(o, op, &call);
    const RnnConfig& c = call.config;
    const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, GH = c.gates() * c.units;
    const bool lstm = c.has_cell_state();

    Napi::Object result = Napi::Object::New(env);
    Napi::Float64Array y = zeros(env, call.return_sequences ? B * T * H : B * H);
    Napi::Float64Array h_final = zeros(env, B * H);
    RnnForwardIO<double> io = call.forward;
    io.y = call.return_sequences ? y.Data() : nullptr;
    io.h_final = h_final.Data();
    Napi::Float64Array c_final;
    if (lstm) {
      c_final = zeros(env, B * H);
      io.c_final = c_final.Data();
    }
    rnn_forward_reference(c, call.weights, io);
    if (!call.return_sequences) std::memcpy(y.Data(), h_final.Data(), sizeof(double) * B * H);
    result.Set("y", y);
    result.Set("hFinal", h_final);
    if (lstm) result.Set("cFinal", c_final);

    if (call.backward()) {
      RnnBackwardIO<double> g;
      // Without returnSequences, y is the final h: its gradient joins dhFinal.
      std::vector<double> dh_final;
      if (!call.return_sequences && call.dy != nullptr) {
        dh_final.assign(call.dy, call.dy + B * H);
        if (call.dh_final != nullptr)
          for (int64_t k = 0; k < B * H; ++k) dh_final[k] += call.dh_final[k];
        g.dh_final = dh_final.data();
      } else {
        g.dy = call.dy;
        g.dh_final = call.dh_final;
      }
      g.dc_final = call.dc_final;
      Napi::Float64Array dx = zeros(env, B * T * I), dh0 = zeros(env, B * H);
      Napi::Float64Array dkernel = zeros(env, I * GH), drecurrent = zeros(env, H * GH);
      g.dx = call.input_gradient ? dx.Data() : nullptr;
      g.dh0 = dh0.Data();
      g.dkernel = dkernel.Data();
      g.drecurrent_kernel = drecurrent.Data();
      if (call.input_gradient) result.Set("dx", dx);
      result.Set("dh0", dh0);
      result.Set("dKernel", dkernel);
      result.Set("dRecurrentKernel", drecurrent);
      if (lstm) {
        Napi::Float64Array dc0 = zeros(env, B * H);
        g.dc0 = dc0.Data();
        result.Set("dc0", dc0);
      }
      if (call.weights.bias != nullptr) {
        Napi::Float64Array dbias = zeros(env, c.bias_size());
        g.dbias = dbias.Data();
        result.Set("dBias", dbias);
      }
      if (c.peephole) {
        Napi::Float64Array dpeephole = zeros(env, 3 * H);
        g.dpeephole = dpeephole.Data();
        result.Set("dPeephole", dpeephole);
      }
      rnn_backward_reference(c, call.weights, call.forward, g);
    }
    return result;
  });
}

}  // namespace

void register_reference(Napi::Env env, Napi::Object exports) {
  exports.Set("rnnReference", Napi::Function::New(env, rnn_reference, "rnnReference"));
}

}  // namespace napi
}  // namespace recurrent
