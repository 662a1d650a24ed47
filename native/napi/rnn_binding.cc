// rnnLayer(args): the fast CPU whole-sequence layer op, forward and (when any output
// gradient is given) backward, on a worker thread. Returns a Promise of
//   { y, hFinal, cFinal?, dx? (unless inputGradient is false), dh0?, dc0?, dKernel?, dRecurrentKernel?, dBias?, dPeephole? }
// Arguments: see rnn_arguments.h; the second argument, { memoryLimitBytes }, bounds what
// the call may allocate (lib/memory_limit.ts). The inputs are copied while they are parsed
// and the output arrays are allocated here on the main thread, so the worker touches no
// JavaScript memory but the outputs, which nothing else can reach until the call resolves.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
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

// Bytes a call allocates at its peak, in three parts: the copies of the inputs, the outputs,
// and the kernels' workspace (the cache forward saves for backward, and the temporaries of
// kernels/rnn/rnn_cpu.cc: the input projection [B*T, G*H] and the packed recurrent kernel in
// forward; the gate gradients [B*T, G*H] (twice for GRU reset_after) and a few [B, H] rows in
// backward). Backward is counted as present when any output gradient is given.
struct RnnCallBytes {
  double inputs = 0, outputs = 0, workspace = 0;
  double total() const { return inputs + outputs + workspace; }
};

RnnCallBytes rnn_call_bytes(const RnnConfig& c, bool backward, bool return_sequences, bool input_gradient) {
  const double B = c.batch, T = c.steps, I = c.input, H = c.units, G = c.gates(), f = sizeof(float);
  const double states = c.has_cell_state() ? 2 : 1;
  RnnCallBytes b;
  b.inputs = f * (B * T * I + I * G * H + H * G * H + c.bias_size() + states * B * H + B * H) + B * T;
  b.outputs = f * ((return_sequences ? B * T * H : B * H) + states * B * H);
  b.workspace = f * (static_cast<double>(cpu::rnn_cache_size(c)) + B * T * G * H + H * G * H + B * G * H + 2 * B * H);
  if (backward) {
    b.inputs += f * ((return_sequences ? B * T * H : B * H) + states * B * H);
    b.outputs += f * ((input_gradient ? B * T * I : 0) + states * B * H + I * G * H + H * G * H + c.bias_size() + 3 * H);
    const bool gru_after = c.cell == CellType::Gru && c.reset_after;
    b.workspace += f * ((gru_after ? 2 : 1) * B * T * G * H + 5 * B * H);
  }
  return b;
}

std::string gigabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  return text;
}

// Refuses a call whose estimate exceeds the limit, before anything is allocated.
void check_memory(const Napi::CallbackInfo& info, const RnnCall<float>& call, bool backward) {
  if (info.Length() < 2 || !info[1].IsObject()) return;
  Napi::Object limits = info[1].As<Napi::Object>();
  if (!has(limits, "memoryLimitBytes")) return;
  const double limit = get_number(limits, "memoryLimitBytes", "rnnLayer");
  const RnnConfig& c = call.config;
  const RnnCallBytes need = rnn_call_bytes(c, backward, call.return_sequences, call.input_gradient);
  if (need.total() <= limit) return;
  throw ArgumentError{"rnnLayer: batch " + std::to_string(c.batch) + ", steps " + std::to_string(c.steps) + ", input " +
                          std::to_string(c.input) + ", units " + std::to_string(c.units) + " needs about " +
                          gigabytes(need.total()) + " (workspace " + gigabytes(need.workspace) + ", outputs " +
                          gigabytes(need.outputs) + ", input copies " + gigabytes(need.inputs) +
                          "), more than the memory limit of " + gigabytes(limit) +
                          " (raise it with setMemoryLimit(bytes) or RECURRENT_MEMORY_LIMIT)",
                      true};
}

Napi::Value rnn_layer(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Object args = require_object(info, 0, "rnnLayer");
    auto call = std::make_unique<RnnCall<float>>();
    parse_rnn_config<float>(args, "rnnLayer", call.get());
    const bool backward = has(args, "dy") || has(args, "dhFinal") || has(args, "dcFinal");
    check_memory(info, *call, backward);
    parse_rnn_arrays<float>(args, "rnnLayer", call.get());
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
