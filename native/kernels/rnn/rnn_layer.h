// The whole-sequence recurrent layer op: one call runs SimpleRNN, LSTM or GRU over all
// time steps (forward) or back through them (backward). Implemented by the fast CPU path
// (rnn_cpu.cc), the double-precision reference (rnn_reference.cc) and
// later CUDA, all with these semantics:
//
// B batch, T time steps, I input features, H units, G gates (SimpleRNN 1, GRU 3, LSTM 4).
// Layouts and gate order follow Keras: kernel [I, G*H], recurrent_kernel [H, G*H];
// LSTM gates i, f, c, o; GRU gates z, r, h.
//   SimpleRNN: h = act(x W + h_prev U + b)
//   LSTM:      i = ract(x Wi + h_prev Ui + b_i [+ p_i * c_prev])
//              f = ract(x Wf + h_prev Uf + b_f [+ p_f * c_prev])
//              g = act (x Wc + h_prev Uc + b_c)
//              c = f * c_prev + i * g
//              o = ract(x Wo + h_prev Uo + b_o [+ p_o * c])
//              h = o * act(c)                      [..]: peephole, weights [3, H] (i, f, o)
//   GRU, reset_after (Keras default, = PyTorch/cuDNN); bias [2, 3H] = input, recurrent:
//              z = ract(x Wz + b_iz + h_prev Uz + b_rz)
//              r = ract(x Wr + b_ir + h_prev Ur + b_rr)
//              n = act (x Wh + b_ih + r * (h_prev Uh + b_rh))
//              h = z * h_prev + (1 - z) * n
//   GRU, reset_before (reset_after = false; bias [3H]):
//              n = act (x Wh + b_h + (r * h_prev) Uh), z, r and h as above without b_r*.
// Processing order: step s = 0..T-1 reads input time t = go_backwards ? T-1-s : s, and
// writes output y[:, s] (so go_backwards returns the reversed sequence, as in Keras).
// Mask [B, T] (indexed by input time, 1 = valid): a masked step leaves h and c unchanged
// and outputs zeros. A row masked everywhere returns its initial state.
// Recurrent dropout (recurrent_mask, [B, H], e.g. 0 or 1/(1-rate) per unit, fixed for the
// whole sequence as in Keras): every product with the recurrent kernel reads
// h_prev * mask instead of h_prev (GRU reset_before: r * (h_prev * mask)); the
// z * h_prev term of the GRU and all states stay unmasked.
// Truncated BPTT (truncate_steps = k > 0): the processing order is cut into chunks of k
// steps, and no gradient flows through the state from one chunk into the previous one
// (what detaching the state every k steps does in PyTorch). Gradients reaching h0/c0
// come only from the first chunk.
// Mixed precision (mixed_precision = Bfloat16, Keras's mixed_bfloat16 policy): both
// operands of every matrix product (x W, h_rec U, and in backward dG U^T, dG W^T, x^T dG,
// h_rec^T dG) are rounded to bfloat16 (nearest, ties to even) and the products summed in
// float32. Weights, states (h, c), gates, biases and every element-wise step stay float32;
// so do the outputs and gradients. It needs a CPU with AMX or AVX512-BF16: elsewhere the
// op fails with an error that says so.
#pragma once
#include <cstdint>

#include "common/activation.h"

namespace recurrent {

enum class CellType : int { SimpleRnn = 0, Lstm = 1, Gru = 2 };
enum class MixedPrecision : int { None = 0, Bfloat16 = 1 };

struct RnnConfig {
  CellType cell = CellType::Lstm;
  int64_t batch = 0, steps = 0, input = 0, units = 0;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;  // LSTM and GRU gates
  bool reset_after = true;     // GRU
  bool peephole = false;       // LSTM
  bool go_backwards = false;
  int64_t truncate_steps = 0;  // 0: full backpropagation through time
  bool recurrent_masked = false;  // a recurrent_mask (recurrent dropout) is given
  MixedPrecision mixed_precision = MixedPrecision::None;

  RECURRENT_HD int gates() const { return cell == CellType::SimpleRnn ? 1 : cell == CellType::Gru ? 3 : 4; }
  RECURRENT_HD bool has_cell_state() const { return cell == CellType::Lstm; }
  // Elements of the bias: G*H, or 2*3H for GRU with reset_after.
  RECURRENT_HD int64_t bias_size() const { return (cell == CellType::Gru && reset_after ? 2 : 1) * gates() * units; }
};

template <class Real>
struct RnnWeights {
  const Real* kernel = nullptr;            // [I, G*H]
  const Real* recurrent_kernel = nullptr;  // [H, G*H]
  const Real* bias = nullptr;              // [bias_size()] or null (no bias)
  const Real* peephole = nullptr;          // [3, H] (LSTM with peephole)
};

template <class Real>
struct RnnForwardIO {
  const Real* x = nullptr;        // [B, T, I]
  const Real* h0 = nullptr;       // [B, H] or null: zeros
  const Real* c0 = nullptr;       // [B, H] or null: zeros (LSTM)
  const uint8_t* mask = nullptr;  // [B, T] or null: all valid
  const Real* recurrent_mask = nullptr;  // [B, H] recurrent dropout, or null
  Real* y = nullptr;              // [B, T, H] outputs in processing order, or null: not written
  Real* h_final = nullptr;        // [B, H]
  Real* c_final = nullptr;        // [B, H] (LSTM)
};

// Gradients with respect to inputs and states are written (=); gradients with respect
// to weights are accumulated (+=), so a caller can sum over several calls.
template <class Real>
struct RnnBackwardIO {
  const Real* dy = nullptr;        // [B, T, H] d loss / d y, or null
  const Real* dh_final = nullptr;  // [B, H] or null
  const Real* dc_final = nullptr;  // [B, H] or null (LSTM)
  Real* dx = nullptr;              // [B, T, I] or null: not needed
  Real* dh0 = nullptr;             // [B, H] or null
  Real* dc0 = nullptr;             // [B, H] or null (LSTM)
  Real* dkernel = nullptr;            // [I, G*H]   +=
  Real* drecurrent_kernel = nullptr;  // [H, G*H]   +=
  Real* dbias = nullptr;              // [bias_size()] += (null when the layer has no bias)
  Real* dpeephole = nullptr;          // [3, H]     += (LSTM with peephole)
};

}  // namespace recurrent
