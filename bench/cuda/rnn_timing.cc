// Times the CUDA backend's whole-sequence recurrent layer (kernels/rnn/rnn_cuda.cu) on the
// recurrent layers of the workloads W1-W7 (WORKLOADS.md): forward and backward as one
// training step of the layers alone (W6: forward only), with CUDA events after a warm-up.
// Prints one line per workload, "what | ms", in the order bench/cuda/rnn_timing_torch.py
// prints PyTorch's (cuDNN) times for the same layers. Built with nvcc (-x cu) by
// bench/cuda/device_check.sh; needs a GPU.
#include <cuda_runtime.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

#include "kernels/cuda/cuda_ops.h"

using namespace recurrent;

namespace {

struct Layer {
  CellType cell;
  int64_t batch, steps, input, units;
  Activation act;
  bool return_sequences, go_backwards;
};

struct Workload {
  const char* what;
  std::vector<Layer> layers;  // timed one after the other (W1's two GRUs, W7's two directions)
  bool train;
};

float* device_floats(int64_t n) {
  float* p = nullptr;
  if (cudaMalloc(&p, sizeof(float) * (n > 0 ? n : 1)) != cudaSuccess) throw std::runtime_error("cudaMalloc failed");
  cudaMemset(p, 0, sizeof(float) * (n > 0 ? n : 1));
  return p;
}

// Everything one layer's step needs on the device.
struct LayerRun {
  RnnConfig c;
  std::vector<float*> owned;
  RnnWeights<float> w;
  RnnForwardIO<float> io;
  RnnBackwardIO<float> g;
  float *cache, *workspace;

  explicit LayerRun(const Layer& l) {
    c.cell = l.cell;
    c.batch = l.batch;
    c.steps = l.steps;
    c.input = l.input;
    c.units = l.units;
    c.activation = l.act;
    c.go_backwards = l.go_backwards;
    const int64_t B = c.batch, T = c.steps, I = c.input, H = c.units, GH = c.gates() * H;
    auto take = [&](int64_t n) {
      owned.push_back(device_floats(n));
      return owned.back();
    };
    w.kernel = take(I * GH);
    w.recurrent_kernel = take(H * GH);
    w.bias = take(c.bias_size());
    io.x = take(B * T * I);
    io.y = l.return_sequences ? take(B * T * H) : nullptr;
    io.h_final = take(B * H);
    io.c_final = c.has_cell_state() ? take(B * H) : nullptr;
    g.dy = l.return_sequences ? take(B * T * H) : nullptr;
    g.dh_final = l.return_sequences ? nullptr : take(B * H);
    g.dx = take(B * T * I);
    g.dkernel = take(I * GH);
    g.drecurrent_kernel = take(H * GH);
    g.dbias = take(c.bias_size());
    cache = take(cuda_ops::rnn_cache_size(c));
    workspace = take(cuda_ops::rnn_backward_workspace_size(c));
  }
  ~LayerRun() {
    for (float* p : owned) cudaFree(p);
  }
  void step(bool train) {
    cuda_ops::rnn_forward(c, w, io, cache, nullptr);
    if (train) cuda_ops::rnn_backward(c, w, io, cache, g, workspace, nullptr);
  }
};

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device\n");
    return 1;
  }
  const Workload workloads[] = {
      {"W1 GRU(24) x2, B128 T256, train", {{CellType::Gru, 128, 256, 32, 24, Activation::Tanh, true, false},
                                          {CellType::Gru, 128, 256, 24, 24, Activation::Tanh, false, false}}, true},
      {"W2 LSTM(256), B64 T100, train", {{CellType::Lstm, 64, 100, 128, 256, Activation::Tanh, false, false}}, true},
      {"W3 LSTM(1024), B64 T50, train", {{CellType::Lstm, 64, 50, 512, 1024, Activation::Tanh, false, false}}, true},
      {"W4 LSTM(512) sequences, B32 T100, train", {{CellType::Lstm, 32, 100, 64, 512, Activation::Tanh, true, false}}, true},
      {"W5 SimpleRNN(5, relu), B32 T80, train", {{CellType::SimpleRnn, 32, 80, 50, 5, Activation::Relu, false, false}}, true},
      {"W6 LSTM(256), B1 T100, forward", {{CellType::Lstm, 1, 100, 128, 256, Activation::Tanh, false, false}}, false},
      {"W7 Bidirectional LSTM(128), B64 T200, train", {{CellType::Lstm, 64, 200, 64, 128, Activation::Tanh, false, false},
                                                      {CellType::Lstm, 64, 200, 64, 128, Activation::Tanh, false, true}}, true},
  };
  std::printf("workload | ms\n");
  for (const Workload& wl : workloads) {
    std::vector<LayerRun*> runs;
    try {
      for (const Layer& l : wl.layers) runs.push_back(new LayerRun(l));
    } catch (const std::exception& e) {
      std::printf("%s | failed: %s\n", wl.what, e.what());
      for (LayerRun* r : runs) delete r;
      continue;
    }
    auto once = [&]() {
      for (LayerRun* r : runs) r->step(wl.train);
    };
    for (int i = 0; i < 3; ++i) once();
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    const int reps = 10;
    cudaEventRecord(start);
    for (int i = 0; i < reps; ++i) once();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    const cudaError_t err = cudaGetLastError();
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start, stop);
    if (err != cudaSuccess) std::printf("%s | failed: %s\n", wl.what, cudaGetErrorString(err));
    else std::printf("%s | %.3f\n", wl.what, ms / reps);
    for (LayerRun* r : runs) delete r;
  }
  return 0;
}
