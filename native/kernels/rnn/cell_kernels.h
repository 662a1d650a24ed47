// Fused element-wise kernels of one time step of a recurrent cell, over rows
// [row_begin, row_end) of the batch and units [unit_begin, unit_end) of each row (every
// gate of those units). The layer driver (rnn_cpu.cc) runs the GEMMs around them. Each
// ISA compiles them from cell_kernels_impl.h. A unit's result does not depend on the
// ranges it is computed in (every unit goes through the same vector math), so threads
// may split the rows, the units or both.
#pragma once
#include <cstdint>

#include "common/activation.h"

namespace recurrent {
namespace cpu {

// Pointers address row 0 of this step; *_stride is the distance between rows (floats).
// A row is valid at this step when mask is null or mask[row * mask_stride] != 0; an
// invalid row carries h and c, outputs zeros, and passes its gradients through.
struct CellStep {
  int64_t units = 0;  // H
  Activation act = Activation::Tanh;
  Activation ract = Activation::Sigmoid;
  const uint8_t* mask = nullptr;
  int64_t mask_stride = 0;

  const float* xproj = nullptr;  // [B, G*H] x W + input bias, this step
  int64_t xproj_stride = 0;
  const float* hproj = nullptr;  // [B, G*H] h_prev U (GRU reset_before: [B, 2H] then [B, H])
  int64_t hproj_stride = 0;
  const float* rbias = nullptr;  // [3H] GRU reset_after recurrent bias, or null
  const float* peephole = nullptr;  // [3, H] LSTM peephole weights i, f, o, or null
  const float* h_prev = nullptr;  // [B, H]
  int64_t h_prev_stride = 0;
  const float* h_rec = nullptr;  // [B, H] h_prev * recurrent dropout mask (GRU reset_before), or null
  int64_t h_rec_stride = 0;
  const float* rmask = nullptr;  // [B, H] recurrent dropout mask (GRU reset_before backward), or null
  const float* c_prev = nullptr;  // [B, H] LSTM
  int64_t c_prev_stride = 0;

  float* gates = nullptr;  // [B, G*H] saved activations: h (RNN), i f g o (LSTM), z r n (GRU)
  int64_t gates_stride = 0;
  float* aux = nullptr;  // [B, H] GRU: hn (reset_after) or r * h_prev (reset_before)
  int64_t aux_stride = 0;
  float* h = nullptr;  // [B, H] new state
  int64_t h_stride = 0;
  float* c = nullptr;  // [B, H] new cell state (LSTM)
  int64_t c_stride = 0;
  float* y = nullptr;  // [B, H] output of this step, or null
  int64_t y_stride = 0;

  // Backward. The saved values above (gates, aux, h_prev, c_prev, c) are read back.
  const float* dy = nullptr;  // [B, H] gradient of this step's output, or null
  int64_t dy_stride = 0;
  float* dh = nullptr;  // [B, H] in: gradient reaching the new h from later steps;
                        //        out: the part of d h_prev that bypasses the recurrent GEMM
  float* dc = nullptr;  // [B, H] in: gradient reaching the new c; out: d c_prev (LSTM)
  float* dgx = nullptr;  // [B, G*H] gradients of the input-side pre-activations (written)
  int64_t dgx_stride = 0;
  float* dgh = nullptr;  // [B, G*H] recurrent-side ones (GRU reset_after; else null)
  int64_t dgh_stride = 0;
  const float* drh = nullptr;  // [B, H] GRU reset_before: gradient of r * h_prev
};

using CellStepFn = void (*)(const CellStep& step, int64_t row_begin, int64_t row_end, int64_t unit_begin,
                            int64_t unit_end);

struct CellKernels {
  CellStepFn rnn_forward;
  CellStepFn rnn_backward;
  CellStepFn lstm_forward;
  CellStepFn lstm_backward;
  CellStepFn gru_forward;   // reset_after
  CellStepFn gru_backward;  // reset_after
  CellStepFn gru_reset_before_gates;                // forward, before the candidate's GEMM
  CellStepFn gru_reset_before_candidate;            // forward, after it
  CellStepFn gru_reset_before_backward_candidate;   // backward, before d(r h) = dn U_h^T
  CellStepFn gru_reset_before_backward_gates;       // backward, after it
};

}  // namespace cpu
}  // namespace recurrent
