// Dot (Keras): the sum of products over axes[0] of the first input and axes[1] of the
// second (Keras axes, batch axis included), for per-sample ranks 1 and 2, one batched
// GEMM over the samples. Each operand is a matrix [rows, cols] per sample (a vector is
// one row) summed over its last axis (op = X) or its first (op = X^T):
//   C [M, N] = op(A) [M, K] * op(B) [K, N], the output shape is A's free axis then B's
//   ([1] when both are vectors).
// normalize: each input l2-normalized along its summed axis first (cosine proximity);
// along a matrix's first axis, the rows of its transpose are normalized. No mask.
#include <stdexcept>
#include <string>

#include "graph/layer.h"

namespace recurrent {
namespace graph {
namespace {

// One operand as the GEMM reads it.
struct Operand {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;  // per sample, as stored
  bool sum_last = true;        // summed over its last axis
  bool transposed = false;     // data is the normalized transpose of the input
  int64_t size() const { return rows * cols; }
};

class DotNode : public Node {
 public:
  DotNode(const LayerSpec& spec, Backend* b)
      : axes_{spec.axes[0] - 1, spec.axes[1] - 1}, normalize_(spec.normalize),
        transposed_{DeviceBuffer<float>(b), DeviceBuffer<float>(b)},
        normalized_{DeviceBuffer<float>(b), DeviceBuffer<float>(b)},
        norms_{DeviceBuffer<float>(b), DeviceBuffer<float>(b)},
        grad_{DeviceBuffer<float>(b), DeviceBuffer<float>(b)} {}

  std::vector<Shape> output_shapes(const std::vector<Shape>& in) const override {
    for (int i = 0; i < 2; ++i) {
      const int64_t rank = static_cast<int64_t>(in[i].size());
      if (rank < 1 || rank > 2)
        throw std::invalid_argument("takes inputs of rank 1 or 2 per sample, received " + shape_text(in[i]) +
                                    " (input " + std::to_string(i) + ")");
      if (axes_[i] >= rank)
        throw std::invalid_argument("axis " + std::to_string(axes_[i] + 1) + " is outside input " + std::to_string(i) +
                                    " of shape " + shape_text(in[i]));
    }
    int64_t k = 0;
    if (!join_axis(in[0][axes_[0]], in[1][axes_[1]], &k))
      throw std::invalid_argument("needs the summed axes to have one size, received " + shape_text(in[0]) + " axis " +
                                  std::to_string(axes_[0] + 1) + " and " + shape_text(in[1]) + " axis " +
                                  std::to_string(axes_[1] + 1));
    Shape out;
    for (int i = 0; i < 2; ++i)
      for (int64_t a = 0; a < static_cast<int64_t>(in[i].size()); ++a)
        if (a != axes_[i]) out.push_back(in[i][a]);
    if (out.empty()) out.push_back(1);
    return {out};
  }

  void forward(const StepContext& ctx, const std::vector<Value*>& in, const std::vector<Value*>& out) override {
    const int64_t B = ctx.batch;
    for (int i = 0; i < 2; ++i) ops_[i] = prepare(*ctx.backend, i, *in[i], B);
    const Operand& a = ops_[0];
    const Operand& b = ops_[1];
    const int64_t M = a.sum_last ? a.rows : a.cols, K = a.sum_last ? a.cols : a.rows;
    const int64_t N = b.sum_last ? b.rows : b.cols;
    ctx.backend->gemm_batched(!a.sum_last, b.sum_last, M, N, K, 1.0f, a.data, a.cols, a.size(), b.data, b.cols,
                              b.size(), 0.0f, out[0]->own_data(B * M * N), N, M * N, B);
  }

  void backward(const StepContext& ctx, const std::vector<Value*>&, const std::vector<Value*>& out,
                const std::vector<float*>& dx) override {
    Backend& be = *ctx.backend;
    const int64_t B = ctx.batch;
    const Operand& a = ops_[0];
    const Operand& b = ops_[1];
    const bool ta = !a.sum_last, tb = b.sum_last;
    const int64_t M = ta ? a.cols : a.rows, K = ta ? a.rows : a.cols, N = tb ? b.rows : b.cols;
    const float* dc = out[0]->grad;  // [B, M, N]
    if (dx[0]) {
      float* da = operand_grad(0, dx[0], B);
      if (!ta)  // dA [M, K] = dC op(B)^T
        be.gemm_batched(false, !tb, M, K, N, 1.0f, dc, N, M * N, b.data, b.cols, b.size(), 0.0f, da, a.cols,
                        a.size(), B);
      else  // A is [K, M]: dA = op(B) dC^T
        be.gemm_batched(tb, true, K, M, N, 1.0f, b.data, b.cols, b.size(), dc, N, M * N, 0.0f, da, a.cols, a.size(),
                        B);
      finish_grad(be, 0, da, dx[0], B);
    }
    if (dx[1]) {
      float* db = operand_grad(1, dx[1], B);
      if (!tb)  // B is [K, N]: dB = op(A)^T dC
        be.gemm_batched(!ta, false, K, N, M, 1.0f, a.data, a.cols, a.size(), dc, N, M * N, 0.0f, db, b.cols,
                        b.size(), B);
      else  // B is [N, K]: dB = dC^T op(A)
        be.gemm_batched(true, ta, N, K, M, 1.0f, dc, N, M * N, a.data, a.cols, a.size(), 0.0f, db, b.cols, b.size(),
                        B);
      finish_grad(be, 1, db, dx[1], B);
    }
  }

 private:
  Operand prepare(Backend& be, int i, const Value& v, int64_t B) {
    Operand o;
    o.data = v.data;
    if (v.shape.size() == 1) {
      o.rows = 1;
      o.cols = v.shape[0];
    } else {
      o.rows = v.shape[0];
      o.cols = v.shape[1];
      o.sum_last = axes_[i] == 1;
    }
    if (!normalize_) return o;
    if (!o.sum_last) {
      float* t = transposed_[i].ensure(B * o.size());
      be.transpose(o.data, t, B, o.rows, o.cols);
      o.data = t;
      std::swap(o.rows, o.cols);
      o.sum_last = true;
      o.transposed = true;
    }
    float* n = normalized_[i].ensure(B * o.size());
    be.l2_normalize_rows(o.data, n, norms_[i].ensure(B * o.rows), B * o.rows, o.cols);
    o.data = n;
    return o;
  }

  // Where the GEMM writes operand i's gradient: dx itself unless a transpose follows.
  float* operand_grad(int i, float* dx, int64_t B) {
    return ops_[i].transposed ? grad_[i].ensure(B * ops_[i].size()) : dx;
  }

  // Through the normalization (and back from the transpose) into dx.
  void finish_grad(Backend& be, int i, float* d, float* dx, int64_t B) {
    const Operand& o = ops_[i];
    if (!normalize_) return;
    be.l2_normalize_rows_backward(o.data, norms_[i].data(), d, d, B * o.rows, o.cols);
    if (o.transposed) be.transpose(d, dx, B, o.rows, o.cols);
  }

  int64_t axes_[2];
  bool normalize_;
  Operand ops_[2];
  DeviceBuffer<float> transposed_[2];  // [B, cols, rows] inputs summed over their first axis
  DeviceBuffer<float> normalized_[2];  // [B, rows, cols]
  DeviceBuffer<float> norms_[2];       // [B, rows]
  DeviceBuffer<float> grad_[2];        // [B, rows, cols] a transposed operand's gradient
};

class DotLayer : public Layer {
 public:
  explicit DotLayer(const LayerSpec& spec) : Layer(spec) {}
  std::unique_ptr<Node> make_node(Backend* backend) override { return std::make_unique<DotNode>(spec_, backend); }
};

}  // namespace

std::unique_ptr<Layer> make_dot_layer(const LayerSpec& spec) { return std::make_unique<DotLayer>(spec); }

}  // namespace graph
}  // namespace recurrent
