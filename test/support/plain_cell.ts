// One time step of SimpleRNN (tanh or relu), LSTM (gates i, f, c, o) or GRU (z, r, h,
// reset_after) for one sample, in plain float64 TypeScript: the obviously-correct cell math
// the fixture tests check PyTorch's recorded values against.
// xw = x W + input bias [G*H]; hu = h_prev U + recurrent bias [G*H] (GRU: the recurrent
// bias included, so r multiplies the candidate's whole recurrent term).
export type PlainCell = 'simpleRnn' | 'lstm' | 'gru';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function plainCellStep(
  cell: PlainCell, activation: 'tanh' | 'relu', xw: Float64Array, hu: Float64Array,
  h: Float64Array, c: Float64Array, H: number,
): { h: Float64Array<ArrayBuffer>; c: Float64Array<ArrayBuffer> } {
  const hNew = new Float64Array(H);
  const cNew = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    if (cell === 'simpleRnn') {
      const a = xw[j] + hu[j];
      hNew[j] = activation === 'tanh' ? Math.tanh(a) : Math.max(0, a);
    } else if (cell === 'lstm') {
      const ig = sigmoid(xw[j] + hu[j]);
      const fg = sigmoid(xw[H + j] + hu[H + j]);
      const cc = Math.tanh(xw[2 * H + j] + hu[2 * H + j]);
      const og = sigmoid(xw[3 * H + j] + hu[3 * H + j]);
      cNew[j] = fg * c[j] + ig * cc;
      hNew[j] = og * Math.tanh(cNew[j]);
    } else {
      const z = sigmoid(xw[j] + hu[j]);
      const r = sigmoid(xw[H + j] + hu[H + j]);
      const hh = Math.tanh(xw[2 * H + j] + r * hu[2 * H + j]);
      hNew[j] = z * h[j] + (1 - z) * hh;
    }
  }
  return { h: hNew, c: cNew };
}
