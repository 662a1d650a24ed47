// rnnLayer(args): the fast CPU whole-sequence layer op, forward and (when any output
// gradient is given) backward, on a worker thread. Returns a Promise of
//   { y, hFinal, cFinal?, dx? (unless inputGradient is false), dh0?, dc0?, dKernel?, dRecurrentKernel?, dBias?, dPeephole? }
// Arguments: see rnn_arguments.h. Output arrays are allocated here on the main thread
// and filled by the worker; the input arrays are held by references until it is done.
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/rnn/rnn_cpu.h"
#include "napi/bindings.h"
#include "napi/rnn_arguments.h"
#include "runtime/thread_scratch.h"

namespace recurrent {
namespace napi {
namespace {

class RnnLayerWorker : public Napi::AsyncWorker {
 public:
  RnnLayerWorker(Napi::Env env, std::unique_ptr<RnnCall<float>> call)
      : Napi::AsyncWorker(env, "recurrent.rnnLayer"), deferred_(Napi::Promise::Deferred::New(env)),
        call_(std::move(call)) {
    const RnnConfig& c = call_->config;
    const int64_t B = c.batch, T = c.steps, H = c.units;
    Napi::Object result = Napi::Object::New(env);
    auto output = [&](const char* key, int64_t n) {
      Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(n));
      result.Set(key, a);
      return a.Data();
    };
    y_ = output("y", call_->return_sequences ? B * T * H : B * H);
    h_final_ = output("hFinal", B * H);
    if (c.has_cell_state()) c_final_ = output("cFinal", B * H);
    if (call_->backward()) {
      if (call_->input_gradient) dx_ = output("dx", B * T * c.input);
      dh0_ = output("dh0", B * H);
      if (c.has_cell_state()) dc0_ = output("dc0", B * H);
      dkernel_ = output("dKernel", c.input * c.gates() * H);
      drecurrent_ = output("dRecurrentKernel", H * c.gates() * H);
      if (call_->weights.bias) dbias_ = output("dBias", c.bias_size());
      if (c.peephole) dpeephole_ = output("dPeephole", 3 * H);
    }
    result_ = Napi::Persistent(result);
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    ScopedFlushDenormals flush;  // this libuv thread, for this step only
    try {
      const RnnConfig& c = call_->config;
      const int64_t B = c.batch, H = c.units;
      // Forward writes every cache element it later reads: no need to zero it. Kept on
      // this thread for the next call (the last slot: the op's own scratch uses the first ones).
      ThreadScratch cache(ThreadScratch::kSlots - 1, cpu::rnn_cache_size(c));
      RnnForwardIO<float> io = call_->forward;
      io.y = call_->return_sequences ? y_ : nullptr;
      io.h_final = h_final_;
      io.c_final = c_final_;
      cpu::rnn_forward(c, call_->weights, io, cache.get());
      if (!call_->return_sequences) std::memcpy(y_, h_final_, sizeof(float) * B * H);
      if (!call_->backward()) return;

      // The last output is the final state: its gradient joins dhFinal's.
      std::vector<float> dh_final(static_cast<size_t>(B * H), 0.0f);
      if (call_->dh_final) std::memcpy(dh_final.data(), call_->dh_final, sizeof(float) * B * H);
      if (call_->dy && !call_->return_sequences)
        for (int64_t i = 0; i < B * H; ++i) dh_final[i] += call_->dy[i];
      RnnBackwardIO<float> g;
      g.dy = call_->return_sequences ? call_->dy : nullptr;
      g.dh_final = dh_final.data();
      g.dc_final = call_->dc_final;
      g.dx = dx_;
      g.dh0 = dh0_;
      g.dc0 = dc0_;
      g.dkernel = dkernel_;  // zero-filled on allocation, so += gives the gradient
      g.drecurrent_kernel = drecurrent_;
      g.dbias = dbias_;
      g.dpeephole = dpeephole_;
      cpu::rnn_backward(c, call_->weights, io, cache.get(), g);
    } catch (const std::bad_alloc&) {
      SetError("rnnLayer: out of memory");
    } catch (const std::exception& e) {
      SetError(std::string("rnnLayer: ") + e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(result_.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<RnnCall<float>> call_;
  Napi::ObjectReference result_;
  float *y_ = nullptr, *h_final_ = nullptr, *c_final_ = nullptr;
  float *dx_ = nullptr, *dh0_ = nullptr, *dc0_ = nullptr;
  float *dkernel_ = nullptr, *drecurrent_ = nullptr, *dbias_ = nullptr, *dpeephole_ = nullptr;
};

Napi::Value rnn_layer(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Object args = require_object(info, 0, "rnnLayer");
    auto call = std::make_unique<RnnCall<float>>();
    parse_rnn_call<float>(args, "rnnLayer", call.get());
    auto* worker = new RnnLayerWorker(info.Env(), std::move(call));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace

void register_rnn(Napi::Env env, Napi::Object exports) {
  exports.Set("rnnLayer", Napi::Function::New(env, rnn_layer, "rnnLayer"));
}

}  // namespace napi
}  // namespace recurrent
