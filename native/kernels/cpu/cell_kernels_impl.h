// The fused step kernels over a vector type V, with a float tail for the last H % W
// units. The math is common/cell_math.h; this file only moves data.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h.

static inline V ld(V, const float* p) { return load(p); }
static inline float ld(float, const float* p) { return *p; }
static inline void st(float* p, V v) { store(p, v); }
static inline void st(float* p, float v) { *p = v; }

static inline bool row_valid(const CellStep& s, int64_t b) {
  return s.mask == nullptr || s.mask[b * s.mask_stride] != 0;
}

// Calls body(T{}, j) over the units of one row: vectors of V, then floats.
template <class Body>
static inline void for_each_unit(int64_t units, Body body) {
  constexpr int W = V::kWidth;
  int64_t j = 0;
  for (; j + W <= units; j += W) body(V(0.0f), j);
  for (; j < units; ++j) body(0.0f, j);
}

static inline void copy_row(float* dst, const float* src, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j];
}
static inline void zero_row(float* dst, int64_t n) {
  for (int64_t j = 0; j < n; ++j) dst[j] = 0.0f;
}

// Masked row in forward: carry the state, output zeros.
static inline void carry_row(const CellStep& s, int64_t b) {
  const int64_t H = s.units;
  copy_row(s.h + b * s.h_stride, s.h_prev + b * s.h_prev_stride, H);
  if (s.c) copy_row(s.c + b * s.c_stride, s.c_prev + b * s.c_prev_stride, H);
  if (s.y) zero_row(s.y + b * s.y_stride, H);
}

// Masked row in backward: no gate gradient; dh and dc pass through unchanged.
static inline void pass_row(const CellStep& s, int64_t b, int64_t gate_width) {
  zero_row(s.dgx + b * s.dgx_stride, gate_width);
  if (s.dgh) zero_row(s.dgh + b * s.dgh_stride, gate_width);
}

// dh of this step's new state: carried gradient plus the output's gradient.
template <class T>
static inline T incoming_dh(const CellStep& s, int64_t b, int64_t j) {
  T dh = ld(T(0.0f), s.dh + b * s.units + j);
  if (s.dy) dh = dh + ld(T(0.0f), s.dy + b * s.dy_stride + j);
  return dh;
}

static void rnn_forward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    float* g = s.gates + b * s.gates_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T v = activate(s.act, ld(tag, x + j) + ld(tag, hp + j));
      st(g + j, v);
      st(h + j, v);
      if (y) st(y + j, v);
    });
  }
}

static void rnn_backward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, H); continue; }
    const float* g = s.gates + b * s.gates_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T d = incoming_dh<T>(s, b, j) * activation_grad(s.act, ld(tag, g + j));
      st(dg + j, d);
      st(dh + j, T(0.0f));
    });
  }
}

static void lstm_forward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* cp = s.c_prev + b * s.c_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* c = s.c + b * s.c_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    const float* p = s.peephole;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T zero(0.0f);
      T pi = p ? ld(tag, p + j) : zero, pf = p ? ld(tag, p + H + j) : zero, po = p ? ld(tag, p + 2 * H + j) : zero;
      T i, f, gg, o, cn, hn;
      lstm_step_forward(s.act, s.ract, ld(tag, x + j) + ld(tag, hp + j), ld(tag, x + H + j) + ld(tag, hp + H + j),
                        ld(tag, x + 2 * H + j) + ld(tag, hp + 2 * H + j),
                        ld(tag, x + 3 * H + j) + ld(tag, hp + 3 * H + j), ld(tag, cp + j), pi, pf, po, &i, &f, &gg, &o,
                        &cn, &hn);
      st(g + j, i);
      st(g + H + j, f);
      st(g + 2 * H + j, gg);
      st(g + 3 * H + j, o);
      st(c + j, cn);
      st(h + j, hn);
      if (y) st(y + j, hn);
    });
  }
}

static void lstm_backward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 4 * H); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* cp = s.c_prev + b * s.c_prev_stride;
    const float* c = s.c + b * s.c_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    float* dc = s.dc + b * H;
    const float* p = s.peephole;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T zero(0.0f);
      T pi = p ? ld(tag, p + j) : zero, pf = p ? ld(tag, p + H + j) : zero, po = p ? ld(tag, p + 2 * H + j) : zero;
      T di, df, dgg, dout, dcp;
      lstm_step_backward(s.act, s.ract, incoming_dh<T>(s, b, j), ld(tag, dc + j), ld(tag, g + j), ld(tag, g + H + j),
                         ld(tag, g + 2 * H + j), ld(tag, g + 3 * H + j), ld(tag, cp + j), ld(tag, c + j), pi, pf, po,
                         &di, &df, &dgg, &dout, &dcp);
      st(dg + j, di);
      st(dg + H + j, df);
      st(dg + 2 * H + j, dgg);
      st(dg + 3 * H + j, dout);
      st(dc + j, dcp);
      st(dh + j, zero);
    });
  }
}

static void gru_forward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    const float* rb = s.rbias;
    float* g = s.gates + b * s.gates_stride;
    float* aux = s.aux + b * s.aux_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T hz = ld(tag, hp + j), hr = ld(tag, hp + H + j), hn = ld(tag, hp + 2 * H + j);
      if (rb) {
        hz = hz + ld(tag, rb + j);
        hr = hr + ld(tag, rb + H + j);
        hn = hn + ld(tag, rb + 2 * H + j);
      }
      T z, r, n, hnew;
      gru_step_forward(s.act, s.ract, ld(tag, x + j), ld(tag, x + H + j), ld(tag, x + 2 * H + j), hz, hr, hn,
                       ld(tag, h_prev + j), &z, &r, &n, &hnew);
      st(g + j, z);
      st(g + H + j, r);
      st(g + 2 * H + j, n);
      st(aux + j, hn);
      st(h + j, hnew);
      if (y) st(y + j, hnew);
    });
  }
}

static void gru_backward_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 3 * H); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* aux = s.aux + b * s.aux_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* dgx = s.dgx + b * s.dgx_stride;
    float* dgh = s.dgh + b * s.dgh_stride;
    float* dh = s.dh + b * H;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T z = ld(tag, g + j), r = ld(tag, g + H + j), n = ld(tag, g + 2 * H + j);
      T dz, dr, dn, direct;
      gru_step_backward(s.act, s.ract, incoming_dh<T>(s, b, j), z, r, n, ld(tag, aux + j), ld(tag, h_prev + j), &dz,
                        &dr, &dn, &direct);
      st(dgx + j, dz);
      st(dgx + H + j, dr);
      st(dgx + 2 * H + j, dn);
      st(dgh + j, dz);
      st(dgh + H + j, dr);
      st(dgh + 2 * H + j, dn * r);
      st(dh + j, direct);
    });
  }
}

static void gru_reset_before_gates_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) {  // the candidate step carries the state; its GEMM must see r h = 0
      zero_row(s.aux + b * s.aux_stride, H);
      continue;
    }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    // What the candidate's recurrent product reads: h_prev, masked under recurrent dropout.
    const float* h_rec = s.h_rec ? s.h_rec + b * s.h_rec_stride : s.h_prev + b * s.h_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* aux = s.aux + b * s.aux_stride;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T z, r, rh;
      gru_reset_before_gates(s.ract, ld(tag, x + j), ld(tag, x + H + j), ld(tag, hp + j), ld(tag, hp + H + j),
                             ld(tag, h_rec + j), &z, &r, &rh);
      st(g + j, z);
      st(g + H + j, r);
      st(aux + j, rh);
    });
  }
}

// Here hproj is the [B, H] product (r * h_prev) U_h.
static void gru_reset_before_candidate_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T n, hnew;
      gru_reset_before_candidate(s.act, ld(tag, x + 2 * H + j), ld(tag, hp + j), ld(tag, g + j), ld(tag, h_prev + j),
                                 &n, &hnew);
      st(g + 2 * H + j, n);
      st(h + j, hnew);
      if (y) st(y + j, hnew);
    });
  }
}

static void gru_reset_before_backward_candidate_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 3 * H); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T dz, dn, direct;
      gru_reset_before_backward_candidate(s.act, s.ract, incoming_dh<T>(s, b, j), ld(tag, g + j),
                                          ld(tag, g + 2 * H + j), ld(tag, h_prev + j), &dz, &dn, &direct);
      st(dg + j, dz);
      st(dg + 2 * H + j, dn);
      st(dh + j, direct);
    });
  }
}

static void gru_reset_before_backward_gates_step(const CellStep& s, int64_t r0, int64_t r1) {
  const int64_t H = s.units;
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) continue;  // dgx already zero, dh passes through
    const float* g = s.gates + b * s.gates_stride;
    const float* h_rec = s.h_rec ? s.h_rec + b * s.h_rec_stride : s.h_prev + b * s.h_prev_stride;
    const float* m = s.rmask ? s.rmask + b * H : nullptr;
    const float* drh = s.drh + b * H;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(H, [&](auto tag, int64_t j) {
      using T = decltype(tag);
      T dr, direct = ld(tag, dh + j);
      gru_reset_before_backward_gates(s.ract, ld(tag, drh + j), ld(tag, g + H + j), ld(tag, h_rec + j),
                                      m ? ld(tag, m + j) : T(1.0f), &dr, &direct);
      st(dg + H + j, dr);
      st(dh + j, direct);
    });
  }
}

static CellKernels make_cell_kernels() {
  CellKernels k{};
  k.rnn_forward = &rnn_forward_step;
  k.rnn_backward = &rnn_backward_step;
  k.lstm_forward = &lstm_forward_step;
  k.lstm_backward = &lstm_backward_step;
  k.gru_forward = &gru_forward_step;
  k.gru_backward = &gru_backward_step;
  k.gru_reset_before_gates = &gru_reset_before_gates_step;
  k.gru_reset_before_candidate = &gru_reset_before_candidate_step;
  k.gru_reset_before_backward_candidate = &gru_reset_before_backward_candidate_step;
  k.gru_reset_before_backward_gates = &gru_reset_before_backward_gates_step;
  return k;
}
