// The CPU backend's tensor ops: the plain loops of tensor_plain.h split over the thread
// pool in chunks of at least kGrain elements (or the rows holding that many), so small
// arrays run on the calling thread.
#include "kernels/cpu/cpu_backend.h"
#include "kernels/tensor/tensor_plain.h"
#include "runtime/thread_pool.h"

namespace recurrent {
namespace {

constexpr int64_t kGrain = int64_t(1) << 15;

// Rows per chunk for rows of `width` elements.
int64_t row_grain(int64_t width) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(width, 1)); }

}  // namespace

void CpuBackend::fill(float* y, float value, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::fill(y, value, b, e); });
}
void CpuBackend::fill_u8(uint8_t* y, uint8_t value, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::fill_u8(y, value, b, e); });
}
void CpuBackend::add(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t i, int64_t e) { plain::add(a, b, y, i, e); });
}
void CpuBackend::subtract(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t i, int64_t e) { plain::subtract(a, b, y, i, e); });
}
void CpuBackend::multiply(const float* a, const float* b, float* y, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t i, int64_t e) { plain::multiply(a, b, y, i, e); });
}
void CpuBackend::scale(const float* x, float alpha, float* y, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t b, int64_t e) { plain::scale(x, alpha, y, b, e); });
}
void CpuBackend::mask_and(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  parallel_for_each_range(n, kGrain, [&](int64_t i, int64_t e) { plain::mask_and(a, b, y, i, e); });
}

void CpuBackend::copy_columns(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows,
                              int64_t width, bool accumulate) {
  parallel_for_each_range(rows, row_grain(width), [&](int64_t b, int64_t e) {
    plain::copy_columns(src, src_stride, dst, dst_stride, width, accumulate, b, e);
  });
}
void CpuBackend::reverse_time(const float* x, float* y, int64_t B, int64_t T, int64_t F) {
  parallel_for_each_range(B, row_grain(T * F), [&](int64_t b, int64_t e) { plain::reverse_time(x, y, T, F, b, e); });
}
void CpuBackend::transpose(const float* x, float* y, int64_t B, int64_t R, int64_t C) {
  parallel_for_each_range(B, row_grain(R * C), [&](int64_t b, int64_t e) { plain::transpose(x, y, R, C, b, e); });
}
void CpuBackend::repeat_rows(const float* x, float* y, int64_t B, int64_t n, int64_t F) {
  parallel_for_each_range(B, row_grain(n * F), [&](int64_t b, int64_t e) { plain::repeat_rows(x, y, n, F, b, e); });
}
void CpuBackend::sum_repeats(const float* dy, float* dx, int64_t B, int64_t n, int64_t F) {
  parallel_for_each_range(B, row_grain(n * F), [&](int64_t b, int64_t e) { plain::sum_repeats(dy, dx, n, F, b, e); });
}
void CpuBackend::scale_sequences(const float* x, const float* factor, float* y, int64_t B, int64_t T, int64_t F) {
  parallel_for_each_range(B, row_grain(T * F),
                          [&](int64_t b, int64_t e) { plain::scale_sequences(x, factor, y, T, F, b, e); });
}
void CpuBackend::apply_row_mask(const float* x, const uint8_t* mask, float* y, int64_t R, int64_t F) {
  parallel_for_each_range(R, row_grain(F), [&](int64_t b, int64_t e) { plain::apply_row_mask(x, mask, y, F, b, e); });
}
void CpuBackend::masking(const float* x, float value, const uint8_t* mask_in, float* y, uint8_t* mask_out, int64_t R,
                         int64_t F) {
  parallel_for_each_range(R, row_grain(F),
                          [&](int64_t b, int64_t e) { plain::masking(x, value, mask_in, y, mask_out, F, b, e); });
}
void CpuBackend::broadcast_rows(const float* bias, float* y, int64_t R, int64_t C) {
  parallel_for_each_range(R, row_grain(C), [&](int64_t b, int64_t e) { plain::broadcast_rows(bias, y, C, b, e); });
}

// Split by columns: each column is still summed by one thread, rows ascending.
void CpuBackend::column_sums_add(const float* x, float* y, int64_t R, int64_t C) {
  parallel_for_each_range(C, std::max<int64_t>(64, row_grain(R)),
                          [&](int64_t b, int64_t e) { plain::column_sums_add(x, y, R, C, b, e); });
}
void CpuBackend::row_dots(const float* a, const float* b, float* y, int64_t R, int64_t F) {
  parallel_for_each_range(R, row_grain(F), [&](int64_t s, int64_t e) { plain::row_dots(a, b, y, F, s, e); });
}
void CpuBackend::scale_rows(const float* x, const float* factor, float* y, int64_t R, int64_t F, bool accumulate) {
  parallel_for_each_range(R, row_grain(F), [&](int64_t b, int64_t e) { plain::scale_rows(x, factor, y, F, accumulate, b, e); });
}
// One ordered sum: its bits are part of the clipping result, so it is not split.
double CpuBackend::sum_squares(const float* x, int64_t n) { return plain::sum_squares(x, n); }
void CpuBackend::l2_normalize_rows(const float* x, float* y, float* norm, int64_t R, int64_t C) {
  parallel_for_each_range(R, row_grain(C), [&](int64_t b, int64_t e) { plain::l2_normalize_rows(x, y, norm, C, b, e); });
}
void CpuBackend::l2_normalize_rows_backward(const float* y, const float* norm, const float* dy, float* dx, int64_t R,
                                            int64_t C) {
  parallel_for_each_range(R, row_grain(C),
                          [&](int64_t b, int64_t e) { plain::l2_normalize_rows_backward(y, norm, dy, dx, C, b, e); });
}

}  // namespace recurrent
