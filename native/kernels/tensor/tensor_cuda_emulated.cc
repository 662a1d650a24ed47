// The host build of tensor_cuda.cu for the "cuda-emulated" backend (kernels/cuda/emulated_cuda_backend.h):
// the same source, compiled by the host compiler in the dialect of kernels/cuda/simt.h.
#include "kernels/tensor/tensor_cuda.cu"
