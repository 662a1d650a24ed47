// PyTorch recurrent-layer parameters <-> the Keras layout of our layers.
//   PyTorch: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
//   Keras:   kernel [I, G*H], recurrent_kernel [H, G*H], bias [G*H] (the two PyTorch biases
//            summed) or, for GRU (PyTorch's GRU is Keras's reset_after), [2, 3H] = (b_ih, b_hh)
// Gate blocks: LSTM i,f,c,o is PyTorch's i,f,g,o; GRU z,r,h is PyTorch's r,z,n reordered.
export type Cell = 'simpleRnn' | 'lstm' | 'gru';

export function gateCount(cell: Cell): number {
  return cell === 'simpleRnn' ? 1 : cell === 'lstm' ? 4 : 3;
}

/** torchGate(cell)[k] = the PyTorch gate block holding Keras gate k. */
function torchGate(cell: Cell): number[] {
  return cell === 'gru' ? [1, 0, 2] : cell === 'lstm' ? [0, 1, 2, 3] : [0];
}

/** PyTorch weight [G*H, n] -> Keras kernel [n, G*H]. */
export function kernelFromTorch(cell: Cell, w: Float32Array, n: number, H: number): Float32Array {
  const G = gateCount(cell);
  const src = torchGate(cell);
  const out = new Float32Array(n * G * H);
  for (let k = 0; k < G; k++) {
    for (let j = 0; j < H; j++) {
      const row = (src[k] * H + j) * n;
      for (let i = 0; i < n; i++) out[i * G * H + k * H + j] = w[row + i];
    }
  }
  return out;
}

function gatesFromTorch(cell: Cell, v: Float32Array, H: number, out: Float32Array, at: number): void {
  const src = torchGate(cell);
  for (let k = 0; k < src.length; k++) for (let j = 0; j < H; j++) out[at + k * H + j] = v[src[k] * H + j];
}

/** PyTorch biases -> Keras bias ([G*H] summed, or GRU [2, 3H]); absent biases count as zeros. */
export function biasFromTorch(cell: Cell, biasIh: Float32Array, biasHh: Float32Array, H: number): Float32Array {
  const GH = gateCount(cell) * H;
  if (cell === 'gru') {
    const out = new Float32Array(2 * GH);
    gatesFromTorch(cell, biasIh, H, out, 0);
    gatesFromTorch(cell, biasHh, H, out, GH);
    return out;
  }
  const summed = new Float32Array(GH);
  for (let j = 0; j < GH; j++) summed[j] = biasIh[j] + biasHh[j];
  const out = new Float32Array(GH);
  gatesFromTorch(cell, summed, H, out, 0);
  return out;
}

/** PyTorch Linear weight [out, in] -> Keras Dense kernel [in, out]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}
