// The oneDNN peer: recurrent layers run by oneDNN's RNN primitives (Debian's libdnnl-dev),
// the engine PyTorch 2 and TensorFlow run their CPU LSTM and GRU on. Built by the bench
// (bench/peers/onednn_peer.ts) where the library is installed:
//   c++ -O2 -std=c++17 bench/peers/onednn_layers.cc -ldnnl -o onednn_layers
//   OMP_NUM_THREADS=2 ./onednn_layers --budget 3 --layer ID,CELL,I,H,B,T,SEQ,TRAIN,DIRS,DTYPE ...
// CELL lstm | gru (linear-before-reset: Keras reset_after, PyTorch's GRU) | rnn_relu |
// rnn_tanh; SEQ 1: every step's output reaches the loss, 0: the last one; TRAIN 1: forward
// for training and backward (the input gradient included), 0: inference; DIRS 1 or 2
// (bidirectional, outputs concatenated); DTYPE f32 or bf16 (activations and weights in
// bfloat16, biases and weight gradients in float32, where oneDNN supports it).
//
// A training step is what a framework on oneDNN does per batch: reorder the weights (they
// change every step) into the primitive's layout, forward, backward, and reorder the
// weight gradients back. Inference reorders the weights once, outside the timing (they do
// not change). Prints JSON: {onednn, threads, results: [{workload, mode, dtype, ms_median,
// ms_min, ms_max, iterations} or {workload, mode, dtype, error}]}.
//
// Like TensorFlow's compute threads, the peer runs with denormals flushed to zero (set
// before OpenMP starts its threads, which inherit it); --keep-denormals runs it without.
#include <oneapi/dnnl/dnnl.hpp>
#include <xmmintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct Spec {
  std::string id, cell;
  int64_t input = 0, units = 0, batch = 0, steps = 0, dirs = 1;
  bool sequences = true, train = true;
  dt data = dt::f32;
};

Spec parse_spec(const std::string& text) {
  std::vector<std::string> f;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) f.push_back(part);
  if (f.size() != 10) throw std::runtime_error("--layer needs 10 comma-separated fields: " + text);
  Spec s;
  s.id = f[0];
  s.cell = f[1];
  s.input = std::stoll(f[2]);
  s.units = std::stoll(f[3]);
  s.batch = std::stoll(f[4]);
  s.steps = std::stoll(f[5]);
  s.sequences = f[6] == "1";
  s.train = f[7] == "1";
  s.dirs = std::stoll(f[8]);
  if (f[9] != "f32" && f[9] != "bf16") throw std::runtime_error("dtype must be f32 or bf16: " + text);
  s.data = f[9] == "bf16" ? dt::bf16 : dt::f32;
  return s;
}

memory filled(const memory::desc& md, const engine& eng, float scale, unsigned seed) {
  memory m(md, eng);
  // User memories are float32 (plain layouts); the bfloat16 ones are filled through a reorder.
  if (md.data_type() == dt::f32) {
    float* p = static_cast<float*>(m.get_data_handle());
    const size_t n = md.get_size() / sizeof(float);
    for (size_t i = 0; i < n; ++i) {
      seed = seed * 1664525u + 1013904223u;
      p[i] = scale * (static_cast<float>(seed >> 8) / 16777216.0f - 0.5f);
    }
  }
  return m;
}

// A plain float32 memory of `dims` in `layout`, filled, converted to `type` if needed.
memory user_memory(const memory::dims& dims, tag layout, dt type, const engine& eng, stream& s, float scale,
                   unsigned seed) {
  memory f = filled(memory::desc(dims, dt::f32, layout), eng, scale, seed);
  if (type == dt::f32) return f;
  memory out(memory::desc(dims, type, layout), eng);
  reorder(f, out).execute(s, f, out);
  s.wait();
  return out;
}

struct Timing {
  double median, min, max;
  int iterations;
};

template <class Step>
Timing time_steps(Step step, double budget_s) {
  step();
  step();
  std::vector<double> ms;
  const auto start = std::chrono::steady_clock::now();
  while (ms.size() < 3 ||
         (ms.size() < 200 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < budget_s)) {
    const auto t0 = std::chrono::steady_clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return Timing{ms[ms.size() / 2], ms.front(), ms.back(), static_cast<int>(ms.size())};
}

// The forward and backward primitive descriptors of one cell kind (weights in `any`
// layout: the primitive picks its own, as frameworks let it).
struct Primitives {
  primitive_desc_base fwd_pd, bwd_pd;
  primitive fwd, bwd;
};

Primitives make_primitives(const Spec& s, const engine& eng, const memory::desc& src, const memory::desc& w_layer,
                           const memory::desc& w_iter, const memory::desc& bias, const memory::desc& dst,
                           const memory::desc& diff_w_layer, const memory::desc& diff_w_iter,
                           const memory::desc& diff_bias) {
  const rnn_direction dir = s.dirs == 2 ? rnn_direction::bidirectional_concat : rnn_direction::unidirectional_left2right;
  const prop_kind prop = s.train ? prop_kind::forward_training : prop_kind::forward_inference;
  const memory::desc none;
  Primitives p;
  if (s.cell == "lstm") {
    lstm_forward::primitive_desc fpd(
        lstm_forward::desc(prop, dir, src, none, none, w_layer, w_iter, bias, dst, none, none), eng);
    p.fwd_pd = fpd;
    p.fwd = lstm_forward(fpd);
    if (s.train) {
      lstm_backward::primitive_desc bpd(
          lstm_backward::desc(prop_kind::backward, dir, src, none, none, w_layer, w_iter, bias, dst, none, none, src,
                              none, none, diff_w_layer, diff_w_iter, diff_bias, dst, none, none),
          eng, fpd);
      p.bwd_pd = bpd;
      p.bwd = lstm_backward(bpd);
    }
  } else if (s.cell == "gru") {
    lbr_gru_forward::primitive_desc fpd(lbr_gru_forward::desc(prop, dir, src, none, w_layer, w_iter, bias, dst, none), eng);
    p.fwd_pd = fpd;
    p.fwd = lbr_gru_forward(fpd);
    if (s.train) {
      lbr_gru_backward::primitive_desc bpd(
          lbr_gru_backward::desc(prop_kind::backward, dir, src, none, w_layer, w_iter, bias, dst, none, src, none,
                                 diff_w_layer, diff_w_iter, diff_bias, dst, none),
          eng, fpd);
      p.bwd_pd = bpd;
      p.bwd = lbr_gru_backward(bpd);
    }
  } else {
    const algorithm act = s.cell == "rnn_relu" ? algorithm::eltwise_relu : algorithm::eltwise_tanh;
    vanilla_rnn_forward::primitive_desc fpd(
        vanilla_rnn_forward::desc(prop, act, dir, src, none, w_layer, w_iter, bias, dst, none), eng);
    p.fwd_pd = fpd;
    p.fwd = vanilla_rnn_forward(fpd);
    if (s.train) {
      vanilla_rnn_backward::primitive_desc bpd(
          vanilla_rnn_backward::desc(prop_kind::backward, act, dir, src, none, w_layer, w_iter, bias, dst, none, src,
                                     none, diff_w_layer, diff_w_iter, diff_bias, dst, none),
          eng, fpd);
      p.bwd_pd = bpd;
      p.bwd = vanilla_rnn_backward(bpd);
    }
  }
  return p;
}

Timing run_layer(const Spec& s, double budget_s) {
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  const int64_t G = s.cell == "lstm" ? 4 : s.cell == "gru" ? 3 : 1;
  const int64_t bias_gates = s.cell == "gru" ? 4 : G;  // linear-before-reset GRU: b_hn is a 4th bias gate
  const int64_t T = s.steps, B = s.batch, I = s.input, H = s.units, D = s.dirs;
  const memory::dims src_dims{T, B, I}, dst_dims{T, B, D * H}, wl_dims{1, D, I, G, H}, wi_dims{1, D, H, G, H},
      bias_dims{1, D, bias_gates, H};
  const memory::desc src(src_dims, s.data, tag::tnc), dst(dst_dims, s.data, tag::tnc);
  const memory::desc w_layer(wl_dims, s.data, tag::any), w_iter(wi_dims, s.data, tag::any);
  const memory::desc bias(bias_dims, dt::f32, tag::ldgo);
  const memory::desc diff_w_layer(wl_dims, dt::f32, tag::any), diff_w_iter(wi_dims, dt::f32, tag::any);
  Primitives p = make_primitives(s, eng, src, w_layer, w_iter, bias, dst, diff_w_layer, diff_w_iter, bias);

  memory x = user_memory(src_dims, tag::tnc, s.data, eng, strm, 2.0f, 1);
  memory y(p.fwd_pd.dst_desc(), eng);
  memory user_wl = filled(memory::desc(wl_dims, dt::f32, tag::ldigo), eng, 0.2f, 2);
  memory user_wi = filled(memory::desc(wi_dims, dt::f32, tag::ldigo), eng, 0.2f, 3);
  memory b = filled(bias, eng, 0.1f, 4);
  memory wl(p.fwd_pd.weights_desc(0), eng), wi(p.fwd_pd.weights_desc(1), eng);
  reorder to_wl(user_wl, wl), to_wi(user_wi, wi);
  memory workspace(p.fwd_pd.workspace_desc(), eng);

  if (!s.train) {
    to_wl.execute(strm, user_wl, wl);
    to_wi.execute(strm, user_wi, wi);
    strm.wait();
    return time_steps([&] {
      p.fwd.execute(strm, {{DNNL_ARG_SRC_LAYER, x}, {DNNL_ARG_WEIGHTS_LAYER, wl}, {DNNL_ARG_WEIGHTS_ITER, wi},
                           {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST_LAYER, y}});
      strm.wait();
    }, budget_s);
  }

  // The loss reaches every output (SEQ 1) or the last step's (SEQ 0): the backward pass
  // runs through every step either way.
  memory dy = user_memory(dst_dims, tag::tnc, s.data, eng, strm, 1.0f, 5);
  if (!s.sequences && s.data == dt::f32) {
    float* g = static_cast<float*>(dy.get_data_handle());
    std::fill(g, g + (T - 1) * B * D * H, 0.0f);
  }
  memory dx(p.bwd_pd.diff_src_desc(), eng);
  memory dwl(p.bwd_pd.diff_weights_desc(0), eng), dwi(p.bwd_pd.diff_weights_desc(1), eng);
  memory db(p.bwd_pd.diff_weights_desc(2), eng);
  memory user_dwl(memory::desc(wl_dims, dt::f32, tag::ldigo), eng), user_dwi(memory::desc(wi_dims, dt::f32, tag::ldigo), eng);
  reorder from_dwl(dwl, user_dwl), from_dwi(dwi, user_dwi);
  memory bwd_wl(p.bwd_pd.weights_desc(0), eng), bwd_wi(p.bwd_pd.weights_desc(1), eng);
  reorder to_bwd_wl(user_wl, bwd_wl), to_bwd_wi(user_wi, bwd_wi);
  return time_steps([&] {
    to_wl.execute(strm, user_wl, wl);
    to_wi.execute(strm, user_wi, wi);
    p.fwd.execute(strm, {{DNNL_ARG_SRC_LAYER, x}, {DNNL_ARG_WEIGHTS_LAYER, wl}, {DNNL_ARG_WEIGHTS_ITER, wi},
                         {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST_LAYER, y}, {DNNL_ARG_WORKSPACE, workspace}});
    to_bwd_wl.execute(strm, user_wl, bwd_wl);
    to_bwd_wi.execute(strm, user_wi, bwd_wi);
    p.bwd.execute(strm, {{DNNL_ARG_SRC_LAYER, x}, {DNNL_ARG_WEIGHTS_LAYER, bwd_wl}, {DNNL_ARG_WEIGHTS_ITER, bwd_wi},
                         {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST_LAYER, y}, {DNNL_ARG_WORKSPACE, workspace},
                         {DNNL_ARG_DIFF_DST_LAYER, dy}, {DNNL_ARG_DIFF_SRC_LAYER, dx},
                         {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl}, {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},
                         {DNNL_ARG_DIFF_BIAS, db}});
    from_dwl.execute(strm, dwl, user_dwl);
    from_dwi.execute(strm, dwi, user_dwi);
    strm.wait();
  }, budget_s);
}

std::string json_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') { out += "\\n"; continue; }
    out += ch;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 3.0;
  bool flush = true;
  std::vector<Spec> specs;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--budget" && i + 1 < argc) budget = std::atof(argv[++i]);
      else if (a == "--keep-denormals") flush = false;
      else if (a == "--layer" && i + 1 < argc) specs.push_back(parse_spec(argv[++i]));
      else throw std::runtime_error("unknown argument " + a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onednn_layers: %s\n", e.what());
    return 2;
  }
  if (flush) _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ and DAZ
  const dnnl_version_t* v = dnnl_version();
  const char* threads = std::getenv("OMP_NUM_THREADS");
  std::printf("{\"onednn\": \"%d.%d.%d\", \"threads\": \"%s\", \"flush_denormals\": %s, \"results\": [", v->major,
              v->minor, v->patch, threads ? threads : "default", flush ? "true" : "false");
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    std::printf("%s\n {\"workload\": \"%s\", \"mode\": \"%s\", \"dtype\": \"%s\"", i ? "," : "", s.id.c_str(),
                s.train ? "train" : "forward", s.data == dt::bf16 ? "bf16" : "f32");
    try {
      const Timing t = run_layer(s, budget);
      std::printf(", \"ms_median\": %.4f, \"ms_min\": %.4f, \"ms_max\": %.4f, \"iterations\": %d}", t.median, t.min,
                  t.max, t.iterations);
      std::fprintf(stderr, "onednn %s %s %s: %.2f ms\n", s.id.c_str(), s.train ? "train" : "forward",
                   s.data == dt::bf16 ? "bf16" : "f32", t.median);
    } catch (const std::exception& e) {
      std::printf(", \"error\": \"%s\"}", json_escape(e.what()).c_str());
    }
    std::fflush(stdout);
  }
  std::printf("\n]}\n");
  return 0;
}
