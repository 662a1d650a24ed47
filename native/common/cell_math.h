// The element-wise math of one time step of each cell, for one unit of one sample,
// generic over the value type T (float, double, a SIMD vector, float in CUDA). The CPU
// step kernels, the CUDA kernels and nothing else compute gates: see rnn_layer.h for
// the equations. "_pre" values are gate pre-activations; gradients named d*_pre are
// gradients with respect to them.
#pragma once
#include "common/activation.h"

namespace recurrent {

// LSTM, gates i, f, g (the "c" gate), o. Peephole weights p* are zero without peepholes.
template <class T>
RECURRENT_SHARED void lstm_step_forward(Activation act, Activation ract, T xi, T xf, T xg, T xo, T c_prev, T pi,
                                        T pf, T po, T* i, T* f, T* g, T* o, T* c, T* h) {
  *i = activate(ract, xi + pi * c_prev);
  *f = activate(ract, xf + pf * c_prev);
  *g = activate(act, xg);
  *c = *f * c_prev + *i * *g;
  *o = activate(ract, xo + po * *c);
  *h = *o * activate(act, *c);
}

// From dh, dc (gradients reaching h and c of this step) to the gate pre-activation
// gradients and the gradient reaching c_prev.
template <class T>
RECURRENT_SHARED void lstm_step_backward(Activation act, Activation ract, T dh, T dc, T i, T f, T g, T o, T c_prev,
                                         T c, T pi, T pf, T po, T* di_pre, T* df_pre, T* dg_pre, T* do_pre,
                                         T* dc_prev) {
  T ac = activate(act, c);
  *do_pre = dh * ac * activation_grad(ract, o);
  T dct = dc + dh * o * activation_grad(act, ac) + *do_pre * po;
  *di_pre = dct * g * activation_grad(ract, i);
  *df_pre = dct * c_prev * activation_grad(ract, f);
  *dg_pre = dct * i * activation_grad(act, g);
  *dc_prev = dct * f + *di_pre * pi + *df_pre * pf;
}

// GRU, reset_after: hn is the recurrent projection of the candidate, bias included.
template <class T>
RECURRENT_SHARED void gru_step_forward(Activation act, Activation ract, T xz, T xr, T xn, T hz, T hr, T hn, T h_prev,
                                       T* z, T* r, T* n, T* h) {
  *z = activate(ract, xz + hz);
  *r = activate(ract, xr + hr);
  *n = activate(act, xn + *r * hn);
  *h = *z * h_prev + (T(1.0f) - *z) * *n;
}

// GRU, reset_after backward. dn_pre is the gradient of the candidate's input-side
// pre-activation; its recurrent side gets dn_pre * r. dh_direct is what reaches h_prev
// without going through the recurrent kernel.
template <class T>
RECURRENT_SHARED void gru_step_backward(Activation act, Activation ract, T dh, T z, T r, T n, T hn, T h_prev,
                                        T* dz_pre, T* dr_pre, T* dn_pre, T* dh_direct) {
  *dz_pre = dh * (h_prev - n) * activation_grad(ract, z);
  *dn_pre = dh * (T(1.0f) - z) * activation_grad(act, n);
  *dr_pre = *dn_pre * hn * activation_grad(ract, r);
  *dh_direct = dh * z;
}

// GRU, reset_before (reset_after = false), first half: gates z and r, and r * h_prev,
// which the candidate's recurrent product needs.
template <class T>
RECURRENT_SHARED void gru_reset_before_gates(Activation ract, T xz, T xr, T hz, T hr, T h_prev, T* z, T* r, T* rh) {
  *z = activate(ract, xz + hz);
  *r = activate(ract, xr + hr);
  *rh = *r * h_prev;
}

// Second half: the candidate from (r * h_prev) Uh, and the new state.
template <class T>
RECURRENT_SHARED void gru_reset_before_candidate(Activation act, T xn, T rhn, T z, T h_prev, T* n, T* h) {
  *n = activate(act, xn + rhn);
  *h = z * h_prev + (T(1.0f) - z) * *n;
}

// reset_before backward, first half: everything but the reset gate, which needs the
// gradient of r * h_prev (from the candidate's recurrent product) first.
template <class T>
RECURRENT_SHARED void gru_reset_before_backward_candidate(Activation act, Activation ract, T dh, T z, T n, T h_prev,
                                                          T* dz_pre, T* dn_pre, T* dh_direct) {
  *dz_pre = dh * (h_prev - n) * activation_grad(ract, z);
  *dn_pre = dh * (T(1.0f) - z) * activation_grad(act, n);
  *dh_direct = dh * z;
}

// Second half, given drh = d loss / d (r * h_rec), where h_rec = h_prev * m is what the
// recurrent product reads (m: the recurrent dropout mask, 1 without dropout).
template <class T>
RECURRENT_SHARED void gru_reset_before_backward_gates(Activation ract, T drh, T r, T h_rec, T m, T* dr_pre,
                                                      T* dh_direct) {
  *dr_pre = drh * h_rec * activation_grad(ract, r);
  *dh_direct = *dh_direct + drh * r * m;
}

}  // namespace recurrent
