// The reference backend's tensor ops: the plain loops of tensor_plain.h over the whole
// range, on the calling thread.
#include "kernels/reference_backend.h"
#include "kernels/tensor/tensor_plain.h"

namespace recurrent {

void ReferenceBackend::fill(float* y, float value, int64_t n) { plain::fill(y, value, 0, n); }
void ReferenceBackend::fill_u8(uint8_t* y, uint8_t value, int64_t n) { plain::fill_u8(y, value, 0, n); }
void ReferenceBackend::add(const float* a, const float* b, float* y, int64_t n) { plain::add(a, b, y, 0, n); }
void ReferenceBackend::subtract(const float* a, const float* b, float* y, int64_t n) { plain::subtract(a, b, y, 0, n); }
void ReferenceBackend::multiply(const float* a, const float* b, float* y, int64_t n) { plain::multiply(a, b, y, 0, n); }
void ReferenceBackend::scale(const float* x, float alpha, float* y, int64_t n) { plain::scale(x, alpha, y, 0, n); }
void ReferenceBackend::mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  plain::mask_and(a, b, y, 0, n);
}

void ReferenceBackend::copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows,
                                    int64_t width, bool accumulate) {
  plain::copy_columns(src, src_stride, dst, dst_stride, width, accumulate, 0, rows);
}
void ReferenceBackend::reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F) {
  plain::reverse_time(x, y, T, F, 0, B);
}
void ReferenceBackend::transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C) {
  plain::transpose(x, y, R, C, 0, B);
}
void ReferenceBackend::repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F) {
  plain::repeat_rows(x, y, n, F, 0, B);
}
void ReferenceBackend::sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F) {
  plain::sum_repeats(dy, dx, n, F, 0, B);
}
void ReferenceBackend::scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F) {
  plain::scale_sequences(x, factor, y, T, F, 0, B);
}
void ReferenceBackend::apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F) {
  plain::apply_row_mask(x, mask, y, F, 0, R);
}
void ReferenceBackend::masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out,
                               int64_t R, int64_t F) {
  plain::masking(x, value, mask_in, y, mask_out, F, 0, R);
}
void ReferenceBackend::broadcast_rows(const float* bias, float* y, int64_t R, int64_t C) {
  plain::broadcast_rows(bias, y, C, 0, R);
}

// One column at a time: the plainest order (the CPU backend blocks the columns).
void ReferenceBackend::column_sums_add(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    double s = 0.0;
    for (int64_t r = 0; r < R; ++r) s += x[r * C + c];
    y[c] += static_cast<float>(s);
  }
}
void ReferenceBackend::row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F) {
  plain::row_dots(a, b, y, F, 0, R);
}
void ReferenceBackend::scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate) {
  plain::scale_rows(x, factor, y, F, accumulate, 0, R);
}
double ReferenceBackend::sum_squares(const float* x, int64_t n) { return plain::sum_squares(x, n); }
void ReferenceBackend::l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C) {
  plain::l2_normalize_rows(x, y, norm, C, 0, R);
}
void ReferenceBackend::l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx,
                                                  int64_t R, int64_t C) {
  plain::l2_normalize_rows_backward(y, norm, dy, dx, C, 0, R);
}

}  // namespace recurrent
