// Fills a CpuKernels table from the templates compiled in this translation unit.
// Included last by isa_<name>.cc, inside its anonymous namespace.

static CpuKernels make_kernel_table(Isa isa) {
  CpuKernels k{};
  k.isa = isa;
  k.gemm = GemmMicrokernel{kGemmMr, kGemmNv * V::kWidth, &gemm_microkernel<kGemmMr, kGemmNv>};
  k.small_gemm = &small_gemm;
  k.activation = &activation_array;
  k.activation_backward = &activation_backward_array;
  k.exp = &exp_array;
  k.log = &log_array;
  k.softmax_rows = &softmax_rows_array;
  k.cells = make_cell_kernels();
  k.bf16 = nullptr;
  return k;
}
