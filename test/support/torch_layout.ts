// Converts PyTorch's recurrent-layer parameters to the Keras layout of our op, and our
// parameter gradients back to PyTorch's layout, so that fixtures made with nn.RNN /
// nn.LSTM / nn.GRU can be compared tensor by tensor.
//
// PyTorch: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H].
// Keras:   kernel [I, G*H], recurrent_kernel [H, G*H], bias [G*H] (SimpleRNN, LSTM) or
//          [2, 3H] = (input bias, recurrent bias) for GRU with reset_after.
// Gate blocks: LSTM i,f,c,o matches PyTorch's i,f,g,o; GRU z,r,h is PyTorch's r,z,n
// reordered.
export type Cell = 'simpleRnn' | 'lstm' | 'gru';

export function gateCount(cell: Cell): number {
  return cell === 'simpleRnn' ? 1 : cell === 'lstm' ? 4 : 3;
}

/** kerasGateSource(cell)[k] = index of PyTorch's gate block that holds Keras gate k. */
export function kerasGateSource(cell: Cell): number[] {
  return cell === 'gru' ? [1, 0, 2] : cell === 'lstm' ? [0, 1, 2, 3] : [0];
}

function checkLength(what: string, a: ArrayLike<number>, expected: number): void {
  if (a.length !== expected) throw new Error(`${what}: expected ${expected} values, got ${a.length}`);
}

/** PyTorch weight [G*H, n] -> Keras kernel [n, G*H] (transposed, gate blocks reordered). */
export function kernelFromTorch(cell: Cell, weight: ArrayLike<number>, n: number, H: number): Float64Array {
  const G = gateCount(cell);
  checkLength('kernelFromTorch', weight, G * H * n);
  const src = kerasGateSource(cell);
  const out = new Float64Array(n * G * H); // [n, G*H]
  for (let k = 0; k < G; k++) {
    for (let j = 0; j < H; j++) {
      const row = (src[k] * H + j) * n;
      for (let i = 0; i < n; i++) out[i * G * H + k * H + j] = weight[row + i];
    }
  }
  return out;
}

/** Keras kernel [n, G*H] -> PyTorch weight [G*H, n]; the inverse of kernelFromTorch. */
export function kernelToTorch(cell: Cell, kernel: ArrayLike<number>, n: number, H: number): Float64Array {
  const G = gateCount(cell);
  checkLength('kernelToTorch', kernel, n * G * H);
  const src = kerasGateSource(cell);
  const out = new Float64Array(G * H * n); // [G*H, n]
  for (let k = 0; k < G; k++) {
    for (let j = 0; j < H; j++) {
      const row = (src[k] * H + j) * n;
      for (let i = 0; i < n; i++) out[row + i] = kernel[i * G * H + k * H + j];
    }
  }
  return out;
}

function reorderGates(cell: Cell, v: ArrayLike<number>, H: number, out: Float64Array, at: number, toKeras: boolean): void {
  const src = kerasGateSource(cell);
  for (let k = 0; k < src.length; k++) {
    for (let j = 0; j < H; j++) {
      if (toKeras) out[at + k * H + j] = v[src[k] * H + j];
      else out[at + src[k] * H + j] = v[k * H + j];
    }
  }
}

/** PyTorch biases -> our bias: [G*H] = b_ih + b_hh, or for GRU [2, 3H] = (b_ih, b_hh) reordered. */
export function biasFromTorch(cell: Cell, biasIh: ArrayLike<number>, biasHh: ArrayLike<number>, H: number): Float64Array {
  const GH = gateCount(cell) * H;
  checkLength('biasFromTorch bias_ih', biasIh, GH);
  checkLength('biasFromTorch bias_hh', biasHh, GH);
  if (cell === 'gru') {
    const out = new Float64Array(2 * GH); // [2, 3H]
    reorderGates(cell, biasIh, H, out, 0, true);
    reorderGates(cell, biasHh, H, out, GH, true);
    return out;
  }
  const out = new Float64Array(GH); // [G*H]
  for (let j = 0; j < GH; j++) out[j] = biasIh[j] + biasHh[j];
  return out;
}

/**
 * Our bias gradient -> PyTorch's (grad bias_ih, grad bias_hh). For SimpleRNN and LSTM
 * both PyTorch biases enter as their sum, so both gradients equal dBias; for GRU they are
 * the two halves of dBias [2, 3H], gate blocks reordered back.
 */
export function biasGradToTorch(cell: Cell, dBias: ArrayLike<number>, H: number): { biasIh: Float64Array; biasHh: Float64Array } {
  const GH = gateCount(cell) * H;
  if (cell !== 'gru') {
    checkLength('biasGradToTorch', dBias, GH);
    return { biasIh: Float64Array.from(dBias), biasHh: Float64Array.from(dBias) };
  }
  checkLength('biasGradToTorch', dBias, 2 * GH);
  const biasIh = new Float64Array(GH);
  const biasHh = new Float64Array(GH);
  const d = Array.from(dBias);
  reorderGates(cell, d.slice(0, GH), H, biasIh, 0, false);
  reorderGates(cell, d.slice(GH), H, biasHh, 0, false);
  return { biasIh, biasHh };
}

/** Sequence lengths [B] -> mask [B,T]: 1 where t < length (right padding). */
export function maskFromLengths(lengths: ArrayLike<number>, T: number): Uint8Array {
  const mask = new Uint8Array(lengths.length * T); // [B,T]
  for (let b = 0; b < lengths.length; b++) {
    for (let t = 0; t < T && t < lengths[b]; t++) mask[b * T + t] = 1;
  }
  return mask;
}
