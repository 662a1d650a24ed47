// The native ops beneath the layers, for users who drive them directly and for
// benchmarks: the whole-sequence recurrent layer and single-precision GEMM.
import { getMemoryLimit } from './memory_limit';
import { cpu, RnnLayerArgs, RnnLayerResult, SgemmArgs } from './native';

/**
 * Runs SimpleRNN, LSTM or GRU over a whole sequence in native code on a worker thread,
 * and, when `dy`, `dhFinal` or `dcFinal` is given, backpropagates through time. Shapes
 * and gate order follow Keras (see the README). Bad shapes reject with a TypeError or
 * RangeError naming the argument before any kernel runs, and so does a call that would need
 * more memory than getMemoryLimit() (the error states the estimate). The inputs are copied
 * when the call is made: changing or transferring them afterwards does not affect it.
 * `mixedPrecision: 'bfloat16'` runs every matrix product on bfloat16 operands with float32
 * sums (AMX or AVX512-BF16 only; elsewhere the promise rejects saying so).
 */
export function rnnLayer(args: RnnLayerArgs<Float32Array>): Promise<RnnLayerResult<Float32Array>> {
  try {
    return cpu().binding.rnnLayer(args, { memoryLimitBytes: getMemoryLimit() });
  } catch (err) {
    return Promise.reject(err);
  }
}

/** C = alpha * op(A) * op(B) + beta * C, row-major; returns C (filled in place). */
export function sgemm(args: SgemmArgs): Float32Array {
  return cpu().binding.sgemm(args);
}
