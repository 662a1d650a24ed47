// The fused step kernels over a vector type V. The last H % W units use masked partial
// vectors, so every unit goes through the same vector math (with a scalar tail through the
// C library, a 24-unit GRU layer's step took about 20% longer). The math is
// common/cell_math.h; this file only moves data.
// Included by isa_<name>.cc inside its anonymous namespace after simd_<name>.h.

// How a kernel body reads and writes one vector of units: all W lanes, or the first n.
struct FullLanes {
  V ld(const float* p) const { return load(p); }
  void st(float* p, V v) const { store(p, v); }
};
struct PartLanes {
  int n;
  V ld(const float* p) const { return load_partial(p, n); }
  void st(float* p, V v) const { store_partial(p, v, n); }
};

static inline bool row_valid(const CellStep& s, int64_t b) {
  return s.mask == nullptr || s.mask[b * s.mask_stride] != 0;
}

// Units [u0, u1) of one row or gate block.
struct UnitRange {
  int64_t begin, end;
};

// Calls body(lanes, j) over units [u.begin, u.end) of one row: whole vectors, then one
// partial vector.
template <class Body>
static inline void for_each_unit(UnitRange u, Body body) {
  constexpr int W = V::kWidth;
  int64_t j = u.begin;
  for (; j + W <= u.end; j += W) body(FullLanes{}, j);
  if (j < u.end) body(PartLanes{static_cast<int>(u.end - j)}, j);
}

static inline void copy_units(float* dst, const float* src, UnitRange u) {
  for (int64_t j = u.begin; j < u.end; ++j) dst[j] = src[j];
}
static inline void zero_units(float* dst, UnitRange u) {
  for (int64_t j = u.begin; j < u.end; ++j) dst[j] = 0.0f;
}

// Masked row in forward: carry the state, output zeros.
static inline void carry_row(const CellStep& s, int64_t b, UnitRange u) {
  copy_units(s.h + b * s.h_stride, s.h_prev + b * s.h_prev_stride, u);
  if (s.c) copy_units(s.c + b * s.c_stride, s.c_prev + b * s.c_prev_stride, u);
  if (s.y) zero_units(s.y + b * s.y_stride, u);
}

// Masked row in backward: no gate gradient (for the `gates` gate blocks of these units);
// dh and dc pass through unchanged.
static inline void pass_row(const CellStep& s, int64_t b, int gates, UnitRange u) {
  for (int g = 0; g < gates; ++g) {
    zero_units(s.dgx + b * s.dgx_stride + g * s.units, u);
    if (s.dgh) zero_units(s.dgh + b * s.dgh_stride + g * s.units, u);
  }
}

// dh of this step's new state: carried gradient plus the output's gradient.
template <class Lanes>
static inline V incoming_dh(const Lanes& io, const CellStep& s, int64_t b, int64_t j) {
  V dh = io.ld(s.dh + b * s.units + j);
  if (s.dy) dh = dh + io.ld(s.dy + b * s.dy_stride + j);
  return dh;
}

static void rnn_forward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b, units); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    float* g = s.gates + b * s.gates_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T v = activate(s.act, io.ld(x + j) + io.ld(hp + j));
      io.st(g + j, v);
      io.st(h + j, v);
      if (y) io.st(y + j, v);
    });
  }
}

static void rnn_backward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 1, units); continue; }
    const float* g = s.gates + b * s.gates_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T d = incoming_dh(io, s, b, j) * activation_grad(s.act, io.ld(g + j));
      io.st(dg + j, d);
      io.st(dh + j, T(0.0f));
    });
  }
}

static void lstm_forward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b, units); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* cp = s.c_prev + b * s.c_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* c = s.c + b * s.c_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    const float* p = s.peephole;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T zero(0.0f);
      T pi = p ? io.ld(p + j) : zero, pf = p ? io.ld(p + H + j) : zero, po = p ? io.ld(p + 2 * H + j) : zero;
      T i, f, gg, o, cn, hn;
      lstm_step_forward(s.act, s.ract, io.ld(x + j) + io.ld(hp + j), io.ld(x + H + j) + io.ld(hp + H + j),
                        io.ld(x + 2 * H + j) + io.ld(hp + 2 * H + j),
                        io.ld(x + 3 * H + j) + io.ld(hp + 3 * H + j), io.ld(cp + j), pi, pf, po, &i, &f, &gg, &o,
                        &cn, &hn);
      io.st(g + j, i);
      io.st(g + H + j, f);
      io.st(g + 2 * H + j, gg);
      io.st(g + 3 * H + j, o);
      io.st(c + j, cn);
      io.st(h + j, hn);
      if (y) io.st(y + j, hn);
    });
  }
}

static void lstm_backward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 4, units); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* cp = s.c_prev + b * s.c_prev_stride;
    const float* c = s.c + b * s.c_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    float* dc = s.dc + b * H;
    const float* p = s.peephole;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T zero(0.0f);
      T pi = p ? io.ld(p + j) : zero, pf = p ? io.ld(p + H + j) : zero, po = p ? io.ld(p + 2 * H + j) : zero;
      T di, df, dgg, dout, dcp;
      lstm_step_backward(s.act, s.ract, incoming_dh(io, s, b, j), io.ld(dc + j), io.ld(g + j), io.ld(g + H + j),
                         io.ld(g + 2 * H + j), io.ld(g + 3 * H + j), io.ld(cp + j), io.ld(c + j), pi, pf, po,
                         &di, &df, &dgg, &dout, &dcp);
      io.st(dg + j, di);
      io.st(dg + H + j, df);
      io.st(dg + 2 * H + j, dgg);
      io.st(dg + 3 * H + j, dout);
      io.st(dc + j, dcp);
      io.st(dh + j, zero);
    });
  }
}

static void gru_forward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b, units); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    const float* rb = s.rbias;
    float* g = s.gates + b * s.gates_stride;
    float* aux = s.aux + b * s.aux_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T hz = io.ld(hp + j), hr = io.ld(hp + H + j), hn = io.ld(hp + 2 * H + j);
      if (rb) {
        hz = hz + io.ld(rb + j);
        hr = hr + io.ld(rb + H + j);
        hn = hn + io.ld(rb + 2 * H + j);
      }
      T z, r, n, hnew;
      gru_step_forward(s.act, s.ract, io.ld(x + j), io.ld(x + H + j), io.ld(x + 2 * H + j), hz, hr, hn,
                       io.ld(h_prev + j), &z, &r, &n, &hnew);
      io.st(g + j, z);
      io.st(g + H + j, r);
      io.st(g + 2 * H + j, n);
      io.st(aux + j, hn);
      io.st(h + j, hnew);
      if (y) io.st(y + j, hnew);
    });
  }
}

static void gru_backward_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 3, units); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* aux = s.aux + b * s.aux_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* dgx = s.dgx + b * s.dgx_stride;
    float* dgh = s.dgh + b * s.dgh_stride;
    float* dh = s.dh + b * H;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T z = io.ld(g + j), r = io.ld(g + H + j), n = io.ld(g + 2 * H + j);
      T dz, dr, dn, direct;
      gru_step_backward(s.act, s.ract, incoming_dh(io, s, b, j), z, r, n, io.ld(aux + j), io.ld(h_prev + j), &dz,
                        &dr, &dn, &direct);
      io.st(dgx + j, dz);
      io.st(dgx + H + j, dr);
      io.st(dgx + 2 * H + j, dn);
      io.st(dgh + j, dz);
      io.st(dgh + H + j, dr);
      io.st(dgh + 2 * H + j, dn * r);
      io.st(dh + j, direct);
    });
  }
}

static void gru_reset_before_gates_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) {  // the candidate step carries the state; its GEMM must see r h = 0
      zero_units(s.aux + b * s.aux_stride, units);
      continue;
    }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    // What the candidate's recurrent product reads: h_prev, masked under recurrent dropout.
    const float* h_rec = s.h_rec ? s.h_rec + b * s.h_rec_stride : s.h_prev + b * s.h_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* aux = s.aux + b * s.aux_stride;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T z, r, rh;
      gru_reset_before_gates(s.ract, io.ld(x + j), io.ld(x + H + j), io.ld(hp + j), io.ld(hp + H + j),
                             io.ld(h_rec + j), &z, &r, &rh);
      io.st(g + j, z);
      io.st(g + H + j, r);
      io.st(aux + j, rh);
    });
  }
}

// Here hproj is the [B, H] product (r * h_prev) U_h.
static void gru_reset_before_candidate_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { carry_row(s, b, units); continue; }
    const float* x = s.xproj + b * s.xproj_stride;
    const float* hp = s.hproj + b * s.hproj_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* g = s.gates + b * s.gates_stride;
    float* h = s.h + b * s.h_stride;
    float* y = s.y ? s.y + b * s.y_stride : nullptr;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T n, hnew;
      gru_reset_before_candidate(s.act, io.ld(x + 2 * H + j), io.ld(hp + j), io.ld(g + j), io.ld(h_prev + j),
                                 &n, &hnew);
      io.st(g + 2 * H + j, n);
      io.st(h + j, hnew);
      if (y) io.st(y + j, hnew);
    });
  }
}

static void gru_reset_before_backward_candidate_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) { pass_row(s, b, 3, units); continue; }
    const float* g = s.gates + b * s.gates_stride;
    const float* h_prev = s.h_prev + b * s.h_prev_stride;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T dz, dn, direct;
      gru_reset_before_backward_candidate(s.act, s.ract, incoming_dh(io, s, b, j), io.ld(g + j),
                                          io.ld(g + 2 * H + j), io.ld(h_prev + j), &dz, &dn, &direct);
      io.st(dg + j, dz);
      io.st(dg + 2 * H + j, dn);
      io.st(dh + j, direct);
    });
  }
}

static void gru_reset_before_backward_gates_step(const CellStep& s, int64_t r0, int64_t r1, int64_t u0, int64_t u1) {
  const int64_t H = s.units;
  const UnitRange units{u0, u1};
  for (int64_t b = r0; b < r1; ++b) {
    if (!row_valid(s, b)) continue;  // dgx already zero, dh passes through
    const float* g = s.gates + b * s.gates_stride;
    const float* h_rec = s.h_rec ? s.h_rec + b * s.h_rec_stride : s.h_prev + b * s.h_prev_stride;
    const float* m = s.rmask ? s.rmask + b * H : nullptr;
    const float* drh = s.drh + b * H;
    float* dg = s.dgx + b * s.dgx_stride;
    float* dh = s.dh + b * H;
    for_each_unit(units, [&](const auto& io, int64_t j) {
      using T = V;
      T dr, direct = io.ld(dh + j);
      gru_reset_before_backward_gates(s.ract, io.ld(drh + j), io.ld(g + H + j), io.ld(h_rec + j),
                                      m ? io.ld(m + j) : T(1.0f), &dr, &direct);
      io.st(dg + H + j, dr);
      io.st(dh + j, direct);
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
