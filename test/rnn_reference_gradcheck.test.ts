// The double-precision reference layer op (rnnReference) against central finite
// differences of its own forward pass, element by element, for every input and weight
// gradient; plus exact semantic checks (masks, goBackwards) and argument errors.
import test, { ExecutionContext } from 'ava';

import { cpu, RnnActivation, RnnCell, RnnLayerArgs, RnnLayerResult } from '../lib/native';
import { maxAbs, Rng } from './support/random';

type Args = RnnLayerArgs<Float64Array>;
type Result = RnnLayerResult<Float64Array>;

function rnnReference(args: Args): Result {
  return cpu().binding.rnnReference(args);
}

const EPS = 1e-6;
// Relative to the largest gradient of the case. Errors seen are ~1e-10, except ~1.5e-8
// with hardSigmoid: activation_grad's slope is T(0.2f), which in double is 0.2 + 3e-9.
const TOLERANCE = 1e-6;

function gatesOf(cell: RnnCell): number {
  return cell === 'simpleRnn' ? 1 : cell === 'gru' ? 3 : 4;
}

type MaskKind = 'none' | 'padded';

interface CaseSpec {
  cell: RnnCell;
  B: number;
  T: number;
  I: number;
  H: number;
  activation?: RnnActivation;
  recurrentActivation?: RnnActivation;
  resetAfter?: boolean;
  peephole?: boolean;
  bias?: boolean; // default true
  goBackwards?: boolean;
  initialState?: boolean; // give h0 (and c0 for LSTM)
  mask?: MaskKind;
  returnSequences?: boolean;
  truncateSteps?: number;
  seed: number;
}

// Rows of a 'padded' mask: right padding, left padding, masked everywhere, a hole.
function paddedMask(B: number, T: number): Uint8Array {
  const m = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      let valid: boolean;
      switch (b % 4) {
        case 0: valid = t < T - 2; break;
        case 1: valid = t >= 2; break;
        case 2: valid = false; break;
        default: valid = t !== 1 && t !== T - 2;
      }
      m[b * T + t] = valid ? 1 : 0;
    }
  }
  return m;
}

function makeArgs(spec: CaseSpec): Args {
  const rng = new Rng(spec.seed);
  const { cell, B, T, I, H } = spec;
  const G = gatesOf(cell);
  const args: Args = {
    cell,
    batch: B,
    steps: T,
    input: I,
    units: H,
    x: rng.f64(B * T * I),
    kernel: rng.f64(I * G * H, -0.7, 0.7),
    recurrentKernel: rng.f64(H * G * H, -0.7, 0.7),
  };
  if (spec.activation) args.activation = spec.activation;
  if (spec.recurrentActivation) args.recurrentActivation = spec.recurrentActivation;
  if (spec.resetAfter !== undefined) args.resetAfter = spec.resetAfter;
  if (spec.goBackwards) args.goBackwards = true;
  if (spec.returnSequences === false) args.returnSequences = false;
  if (spec.truncateSteps) args.truncateSteps = spec.truncateSteps;
  if (spec.bias !== false) {
    const biasSize = (cell === 'gru' && spec.resetAfter !== false ? 2 : 1) * G * H;
    args.bias = rng.f64(biasSize, -0.5, 0.5);
  }
  if (spec.peephole) {
    args.peephole = true;
    args.peepholeWeights = rng.f64(3 * H, -0.7, 0.7);
  }
  if (spec.initialState) {
    args.h0 = rng.f64(B * H);
    if (cell === 'lstm') args.c0 = rng.f64(B * H);
  }
  if (spec.mask === 'padded') args.mask = paddedMask(B, T);
  return args;
}

interface Seeds {
  gy: Float64Array;
  gh: Float64Array;
  gc?: Float64Array;
}

function makeSeeds(spec: CaseSpec): Seeds {
  const rng = new Rng(spec.seed + 1000);
  const { B, T, H } = spec;
  const yLength = spec.returnSequences === false ? B * H : B * T * H;
  return { gy: rng.f64(yLength), gh: rng.f64(B * H), gc: spec.cell === 'lstm' ? rng.f64(B * H) : undefined };
}

function dot(a: Float64Array, b: Float64Array, aOffset = 0, bOffset = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOffset + i] * b[bOffset + i];
  return s;
}

// L = sum(y * gy) + sum(hFinal * gh) + sum(cFinal * gc).
function objective(args: Args, seeds: Seeds): number {
  const r = rnnReference(args);
  let L = dot(r.y, seeds.gy) + dot(r.hFinal, seeds.gh);
  if (seeds.gc && r.cFinal) L += dot(r.cFinal, seeds.gc);
  return L;
}

// Slice of a [B, T, F] tensor along time: [B, t1 - t0, F].
function sliceTime(a: Float64Array, B: number, T: number, F: number, t0: number, t1: number): Float64Array {
  const out = new Float64Array(B * (t1 - t0) * F);
  for (let b = 0; b < B; b++) out.set(a.subarray((b * T + t0) * F, (b * T + t1) * F), b * (t1 - t0) * F);
  return out;
}

function sliceMask(m: Uint8Array, B: number, T: number, t0: number, t1: number): Uint8Array {
  const out = new Uint8Array(B * (t1 - t0));
  for (let b = 0; b < B; b++) out.set(m.subarray(b * T + t0, b * T + t1), b * (t1 - t0));
  return out;
}

// The objective that truncated BPTT differentiates: the layer runs chunk by chunk, and
// each chunk after the first starts from the state the *unperturbed* parameters reach
// there (computed once, in `boundaries`), so no perturbation crosses a chunk boundary.
interface Boundary {
  h: Float64Array;
  c?: Float64Array;
}

function chunkArgs(args: Args, s0: number, s1: number, start: Boundary | undefined): Args {
  const { batch: B, steps: T, input: I } = args;
  // Processing steps [s0, s1) read input times [s0, s1), or [T - s1, T - s0) backwards.
  const [t0, t1] = args.goBackwards ? [T - s1, T - s0] : [s0, s1];
  const chunk: Args = { ...args, steps: s1 - s0, x: sliceTime(args.x, B, T, I, t0, t1), truncateSteps: 0 };
  if (args.mask) chunk.mask = sliceMask(args.mask, B, T, t0, t1);
  if (start) {
    chunk.h0 = start.h;
    if (args.cell === 'lstm') chunk.c0 = start.c;
  }
  return chunk;
}

function chunkStarts(args: Args, k: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s < args.steps; s += k) starts.push(s);
  return starts;
}

function truncationBoundaries(args: Args, k: number): Boundary[] {
  const out: Boundary[] = [];
  let state: Boundary | undefined;
  for (const s0 of chunkStarts(args, k)) {
    out.push(state as Boundary);
    const r = rnnReference(chunkArgs(args, s0, Math.min(s0 + k, args.steps), state));
    state = { h: r.hFinal, c: r.cFinal };
  }
  return out;
}

function truncatedObjective(args: Args, seeds: Seeds, k: number, boundaries: Boundary[]): number {
  const { batch: B, steps: T, units: H } = args;
  let L = 0;
  chunkStarts(args, k).forEach((s0, j) => {
    const s1 = Math.min(s0 + k, T);
    const r = rnnReference(chunkArgs(args, s0, s1, j === 0 ? undefined : boundaries[j]));
    const n = s1 - s0;
    for (let b = 0; b < B; b++) L += dot(r.y, seeds.gy, b * n * H, (b * T + s0) * H, n * H);
    if (s1 === T) {
      L += dot(r.hFinal, seeds.gh);
      if (seeds.gc && r.cFinal) L += dot(r.cFinal, seeds.gc);
    }
  });
  return L;
}

type ParamName = 'x' | 'h0' | 'c0' | 'kernel' | 'recurrentKernel' | 'bias' | 'peepholeWeights';
const GRADIENT_OF: Record<ParamName, keyof Result> = {
  x: 'dx',
  h0: 'dh0',
  c0: 'dc0',
  kernel: 'dKernel',
  recurrentKernel: 'dRecurrentKernel',
  bias: 'dBias',
  peepholeWeights: 'dPeephole',
};

interface GradcheckStats {
  checks: number;
  maxRelError: number;
}
const totals: GradcheckStats = { checks: 0, maxRelError: 0 };

function gradcheck(t: ExecutionContext, spec: CaseSpec): void {
  const args = makeArgs(spec);
  const seeds = makeSeeds(spec);
  const { B, H } = spec;
  const lstm = spec.cell === 'lstm';
  const grads = rnnReference({ ...args, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });

  // Gradients exist exactly for what the layer has.
  t.truthy(grads.dx && grads.dh0 && grads.dKernel && grads.dRecurrentKernel);
  t.is(grads.dc0 !== undefined, lstm);
  t.is(grads.dBias !== undefined, args.bias !== undefined);
  t.is(grads.dPeephole !== undefined, args.peephole === true);

  // The state gradients are checked on an explicit initial state (zeros when the case
  // gives none: the same function).
  const fdArgs: Args = { ...args, h0: args.h0 ?? new Float64Array(B * H) };
  if (lstm) fdArgs.c0 = args.c0 ?? new Float64Array(B * H);
  const k = spec.truncateSteps ?? 0;
  const boundaries = k > 0 ? truncationBoundaries(fdArgs, k) : [];
  const L = (): number => (k > 0 ? truncatedObjective(fdArgs, seeds, k, boundaries) : objective(fdArgs, seeds));

  const params: ParamName[] = ['x', 'h0', 'kernel', 'recurrentKernel'];
  if (lstm) params.push('c0');
  if (args.bias) params.push('bias');
  if (args.peephole) params.push('peepholeWeights');
  let scale = 0;
  for (const p of params) scale = Math.max(scale, maxAbs(grads[GRADIENT_OF[p]] as Float64Array));
  scale = Math.max(scale, 1e-3);

  let worst = { error: 0, where: '' };
  let checks = 0;
  for (const p of params) {
    const values = fdArgs[p] as Float64Array;
    const analytic = grads[GRADIENT_OF[p]] as Float64Array;
    t.is(analytic.length, values.length, `${p}: gradient length`);
    for (let i = 0; i < values.length; i++) {
      const saved = values[i];
      values[i] = saved + EPS;
      const plus = L();
      values[i] = saved - EPS;
      const minus = L();
      values[i] = saved;
      const numeric = (plus - minus) / (2 * EPS);
      const error = Math.abs(numeric - analytic[i]) / scale;
      checks++;
      if (error > worst.error) worst = { error, where: `${p}[${i}]: numeric ${numeric}, analytic ${analytic[i]}` };
    }
  }
  totals.checks += checks;
  totals.maxRelError = Math.max(totals.maxRelError, worst.error);
  t.log(`${checks} elements, gradient scale ${scale.toExponential(2)}, max relative error ${worst.error.toExponential(2)} at ${worst.where}`);
  t.true(worst.error < TOLERANCE, `worst at ${worst.where} (relative error ${worst.error})`);
}

function caseName(spec: CaseSpec): string {
  const parts: string[] = [spec.cell];
  if (spec.activation) parts.push(`activation ${spec.activation}`);
  if (spec.recurrentActivation) parts.push(`recurrentActivation ${spec.recurrentActivation}`);
  if (spec.resetAfter !== undefined) parts.push(`resetAfter ${spec.resetAfter}`);
  if (spec.peephole) parts.push('peephole');
  if (spec.bias === false) parts.push('no bias');
  if (spec.mask === 'padded') parts.push('mask');
  if (spec.goBackwards) parts.push('goBackwards');
  if (spec.initialState) parts.push('initial state');
  if (spec.returnSequences === false) parts.push('returnSequences false');
  if (spec.truncateSteps) parts.push(`truncateSteps ${spec.truncateSteps}`);
  return `gradcheck: ${parts.join(', ')} (B=${spec.B} T=${spec.T} I=${spec.I} H=${spec.H})`;
}

type CellSpec = Pick<CaseSpec, 'cell' | 'activation' | 'recurrentActivation' | 'resetAfter' | 'peephole' | 'bias'>;

const cellVariants: CellSpec[] = [
  { cell: 'simpleRnn', activation: 'tanh' },
  { cell: 'simpleRnn', activation: 'relu' },
  { cell: 'simpleRnn', activation: 'sigmoid' },
  { cell: 'simpleRnn', activation: 'linear' },
  { cell: 'simpleRnn', activation: 'hardSigmoid' },
  { cell: 'lstm' },
  { cell: 'lstm', peephole: true },
  { cell: 'lstm', recurrentActivation: 'hardSigmoid' },
  { cell: 'lstm', bias: false },
  { cell: 'gru', resetAfter: true },
  { cell: 'gru', resetAfter: false },
];

// Every mode on each cell (and on the peephole LSTM, whose o gate reads the new c).
const modeCells: CellSpec[] = [
  { cell: 'simpleRnn' },
  { cell: 'lstm' },
  { cell: 'lstm', peephole: true },
  { cell: 'gru', resetAfter: true },
  { cell: 'gru', resetAfter: false },
];
type Mode = Pick<CaseSpec, 'mask' | 'goBackwards' | 'initialState' | 'returnSequences' | 'truncateSteps'> & {
  B?: number;
  T?: number;
};
const modes: Mode[] = [
  { mask: 'padded', B: 4, T: 5 },
  { goBackwards: true },
  { goBackwards: true, mask: 'padded', B: 4, T: 5, initialState: true },
  { initialState: true },
  { returnSequences: false },
  { returnSequences: false, mask: 'padded', B: 4, T: 5, initialState: true },
  { truncateSteps: 2, T: 5 },
  { truncateSteps: 2, T: 5, initialState: true, mask: 'padded', B: 4 },
  { truncateSteps: 2, T: 5, goBackwards: true, initialState: true },
];

const specs: CaseSpec[] = [];
let seed = 1;
cellVariants.forEach((c, i) => {
  specs.push({ ...c, B: 2 + (i % 2), T: 3 + (i % 3), I: 3 + (i % 2), H: 2 + (i % 4), seed: seed++ });
});
modeCells.forEach((c, i) => {
  for (const m of modes) {
    const { B, T, ...mode } = m;
    specs.push({ ...c, ...mode, B: B ?? 2 + (i % 2), T: T ?? 4, I: 3 + (i % 2), H: 3 + (i % 3), seed: seed++ });
  }
});

for (const spec of specs) test(caseName(spec), (t) => gradcheck(t, spec));

test.after.always('gradcheck totals', () => {
  if (totals.checks > 0) {
    console.log(`rnnReference gradcheck: ${totals.checks} elements, max relative error ${totals.maxRelError.toExponential(2)}`);
  }
});

// A truncation chunk as long as the sequence changes nothing.
test('truncateSteps >= steps gives the full-BPTT gradients', (t) => {
  for (const cell of ['simpleRnn', 'lstm', 'gru'] as RnnCell[]) {
    const spec: CaseSpec = { cell, B: 2, T: 5, I: 3, H: 4, initialState: true, seed: 77 };
    const args = makeArgs(spec);
    const seeds = makeSeeds(spec);
    const full = rnnReference({ ...args, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });
    for (const k of [5, 9]) {
      const same = rnnReference({ ...args, truncateSteps: k, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });
      t.deepEqual(same, full, `${cell} truncateSteps ${k}`);
    }
    // Truncation cuts gradients only: the forward pass is the same.
    const cut = rnnReference({ ...args, truncateSteps: 2, dy: seeds.gy });
    t.deepEqual(cut.y, full.y);
    t.notDeepEqual(cut.dh0, rnnReference({ ...args, dy: seeds.gy }).dh0);
  }
});

// ---- semantics, with exact expectations ----

const semanticCells: CellSpec[] = [
  { cell: 'simpleRnn' },
  { cell: 'lstm', peephole: true },
  { cell: 'gru', resetAfter: true },
  { cell: 'gru', resetAfter: false },
];

for (const c of semanticCells) {
  const label = `${c.cell}${c.peephole ? ' peephole' : ''}${c.resetAfter === false ? ' resetAfter false' : ''}`;

  test(`${label}: a right-padded sequence ends as the shorter sequence run alone`, (t) => {
    const B = 1, T = 6, I = 3, H = 4, valid = 4;
    const args = makeArgs({ ...c, B, T, I, H, initialState: true, seed: 11 });
    const mask = new Uint8Array(T).fill(1, 0, valid);
    const padded = rnnReference({ ...args, mask });
    const short = rnnReference({ ...args, steps: valid, x: args.x.slice(0, valid * I) });
    t.deepEqual(padded.hFinal, short.hFinal);
    if (c.cell === 'lstm') t.deepEqual(padded.cFinal, short.cFinal);
    t.deepEqual(padded.y.slice(0, valid * H), short.y);
    t.deepEqual(padded.y.slice(valid * H), new Float64Array((T - valid) * H));
  });

  test(`${label}: masked steps output zeros and carry the state`, (t) => {
    const B = 1, T = 5, I = 3, H = 4;
    const args = makeArgs({ ...c, B, T, I, H, initialState: true, seed: 12 });
    const mask = Uint8Array.from([1, 0, 0, 1, 1]);
    const r = rnnReference({ ...args, mask });
    // The same as dropping the masked steps from the sequence.
    const x = new Float64Array(3 * I);
    [0, 3, 4].forEach((time, k) => x.set(args.x.subarray(time * I, (time + 1) * I), k * I));
    const dropped = rnnReference({ ...args, steps: 3, x });
    t.deepEqual(r.hFinal, dropped.hFinal);
    t.deepEqual(r.y.slice(0, H), dropped.y.slice(0, H));
    t.deepEqual(r.y.slice(H, 3 * H), new Float64Array(2 * H));
    t.deepEqual(r.y.slice(3 * H), dropped.y.slice(H));
  });

  test(`${label}: goBackwards equals running the reversed input`, (t) => {
    const B = 2, T = 5, I = 3, H = 4;
    const args = makeArgs({ ...c, B, T, I, H, initialState: true, mask: 'padded', seed: 13 });
    const mask = args.mask as Uint8Array;
    const reversedX = new Float64Array(args.x.length);
    const reversedMask = new Uint8Array(mask.length);
    for (let b = 0; b < B; b++) {
      for (let time = 0; time < T; time++) {
        reversedX.set(args.x.subarray((b * T + time) * I, (b * T + time + 1) * I), (b * T + T - 1 - time) * I);
        reversedMask[b * T + T - 1 - time] = mask[b * T + time];
      }
    }
    const seeds = makeSeeds({ ...c, B, T, I, H, seed: 13 });
    const backwards = rnnReference({ ...args, goBackwards: true, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });
    const reversed = rnnReference({ ...args, x: reversedX, mask: reversedMask, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });
    t.deepEqual(backwards.y, reversed.y);
    t.deepEqual(backwards.hFinal, reversed.hFinal);
    t.deepEqual(backwards.dKernel, reversed.dKernel);
    t.deepEqual(backwards.dh0, reversed.dh0);
    // dx is indexed by input time in both.
    const dxBack = backwards.dx as Float64Array;
    const dxRev = reversed.dx as Float64Array;
    for (let b = 0; b < B; b++) {
      for (let time = 0; time < T; time++) {
        t.deepEqual(dxBack.slice((b * T + time) * I, (b * T + time + 1) * I), dxRev.slice((b * T + T - 1 - time) * I, (b * T + T - time) * I));
      }
    }
  });

  test(`${label}: a fully masked row returns its initial state`, (t) => {
    const B = 2, T = 4, I = 3, H = 3;
    const args = makeArgs({ ...c, B, T, I, H, initialState: true, seed: 14 });
    const mask = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
    const seeds = makeSeeds({ ...c, B, T, I, H, seed: 14 });
    const r = rnnReference({ ...args, mask, dy: seeds.gy, dhFinal: seeds.gh, dcFinal: seeds.gc });
    const h0 = args.h0 as Float64Array;
    t.deepEqual(r.hFinal.slice(H), h0.slice(H));
    if (c.cell === 'lstm') t.deepEqual((r.cFinal as Float64Array).slice(H), (args.c0 as Float64Array).slice(H));
    t.deepEqual(r.y.slice(T * H), new Float64Array(T * H));
    // Backward: the final-state gradients pass straight to the initial state.
    t.deepEqual((r.dh0 as Float64Array).slice(H), seeds.gh.slice(H));
    if (c.cell === 'lstm') t.deepEqual((r.dc0 as Float64Array).slice(H), (seeds.gc as Float64Array).slice(H));
    t.deepEqual((r.dx as Float64Array).slice(T * I), new Float64Array(T * I));
    // Without h0 a fully masked row ends at zeros.
    const noState = rnnReference({ ...args, h0: undefined, c0: undefined, mask });
    t.deepEqual(noState.hFinal.slice(H), new Float64Array(H));
  });
}

test('returnSequences false returns the final h as y and takes dy as its gradient', (t) => {
  const spec: CaseSpec = { cell: 'lstm', B: 3, T: 4, I: 3, H: 4, mask: 'padded', initialState: true, seed: 21 };
  const args = makeArgs(spec);
  const rng = new Rng(5);
  const dy = rng.f64(3 * 4);
  const dh = rng.f64(3 * 4);
  const last = rnnReference({ ...args, returnSequences: false, dy, dhFinal: dh });
  t.deepEqual(last.y, last.hFinal);
  const sum = dy.map((v, i) => v + dh[i]);
  const viaFinal = rnnReference({ ...args, dhFinal: sum });
  t.deepEqual(last.hFinal, viaFinal.hFinal);
  for (const key of ['dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias'] as const) {
    t.deepEqual(last[key], viaFinal[key], key);
  }
});

test('no gradient is computed without dy, dhFinal or dcFinal', (t) => {
  const r = rnnReference(makeArgs({ cell: 'gru', B: 2, T: 3, I: 3, H: 2, seed: 31 }));
  t.deepEqual(Object.keys(r).sort(), ['hFinal', 'y']);
});

// ---- argument errors: a clear TypeError/RangeError, never a crash ----

test('argument errors name the argument and the expected shape', (t) => {
  const good = makeArgs({ cell: 'gru', B: 2, T: 3, I: 4, H: 5, seed: 41 });
  const lstm = makeArgs({ cell: 'lstm', B: 2, T: 3, I: 4, H: 5, seed: 42 });
  const call = (args: unknown) => () => cpu().binding.rnnReference(args as Args);
  t.notThrows(call(good));

  t.throws(call(undefined), { instanceOf: TypeError, message: /rnnReference: argument 0 must be an object/ });
  t.throws(call({ ...good, x: new Float64Array(2 * 3 * 4 - 1) }), {
    instanceOf: RangeError,
    message: /rnnReference: 'x' expected shape \[2, 3, 4\] \(24 elements\), received 23/,
  });
  t.throws(call({ ...good, kernel: new Float64Array(4 * 5) }), {
    instanceOf: RangeError,
    message: /'kernel' expected shape \[4, 15\]/,
  });
  t.throws(call({ ...good, recurrentKernel: new Float64Array(5 * 5 * 3 + 1) }), {
    instanceOf: RangeError,
    message: /'recurrentKernel' expected shape \[5, 15\]/,
  });
  t.throws(call({ ...good, bias: new Float64Array(15) }), { instanceOf: RangeError, message: /'bias' expected shape \[2, 15\]/ });
  t.throws(call({ ...good, resetAfter: false, bias: new Float64Array(30) }), {
    instanceOf: RangeError,
    message: /'bias' expected shape \[15\]/,
  });
  t.throws(call({ ...good, h0: new Float64Array(9) }), { instanceOf: RangeError, message: /'h0' expected shape \[2, 5\]/ });
  t.throws(call({ ...good, mask: new Uint8Array(5) }), { instanceOf: RangeError, message: /'mask' expected shape \[2, 3\]/ });
  t.throws(call({ ...good, dy: new Float64Array(2 * 5) }), { instanceOf: RangeError, message: /'dy' expected shape \[2, 3, 5\]/ });
  t.throws(call({ ...good, returnSequences: false, dy: new Float64Array(2 * 3 * 5) }), {
    instanceOf: RangeError,
    message: /'dy' expected shape \[2, 5\]/,
  });
  t.throws(call({ ...lstm, peephole: true }), { instanceOf: TypeError, message: /'peepholeWeights' \[3, 5\] is required/ });
  t.throws(call({ ...lstm, peephole: true, peepholeWeights: new Float64Array(5) }), {
    instanceOf: RangeError,
    message: /'peepholeWeights' expected shape \[3, 5\]/,
  });
  t.throws(call({ ...lstm, dcFinal: new Float64Array(7) }), { instanceOf: RangeError, message: /'dcFinal' expected shape \[2, 5\]/ });

  // Wrong data types.
  t.throws(call({ ...good, x: new Float32Array(24) }), { instanceOf: TypeError, message: /'x' must be a Float64Array/ });
  t.throws(call({ ...good, kernel: Array.from(good.kernel) }), { instanceOf: TypeError, message: /'kernel' must be a Float64Array/ });
  t.throws(call({ ...good, mask: new Float64Array(6) }), { instanceOf: TypeError, message: /'mask' must be a Uint8Array \[batch, steps\]/ });
  t.throws(call({ ...good, batch: '2' }), { instanceOf: TypeError, message: /'batch' must be a number/ });
  t.throws(call({ ...good, units: 0 }), { instanceOf: RangeError, message: /'units' must be an integer in \[1,/ });
  t.throws(call({ ...good, steps: 2.5 }), { instanceOf: RangeError, message: /'steps' must be an integer/ });

  // Unknown names and options that do not apply.
  t.throws(call({ ...good, cell: 'transformer' }), {
    instanceOf: RangeError,
    message: /cell 'transformer' is not one of simpleRnn, lstm, gru/,
  });
  t.throws(call({ ...good, activation: 'softmax' }), {
    instanceOf: RangeError,
    message: /activation 'softmax' is not one of linear, tanh, sigmoid, relu, hardSigmoid/,
  });
  t.throws(call({ ...good, recurrentActivation: 'gelu' }), { instanceOf: RangeError, message: /recurrentActivation 'gelu'/ });
  t.throws(call({ ...good, peephole: true }), { instanceOf: RangeError, message: /peephole applies to LSTM only/ });
  t.throws(call({ ...good, c0: new Float64Array(10) }), { instanceOf: RangeError, message: /'c0' applies to LSTM only/ });
  t.throws(call({ ...good, truncateSteps: -1 }), { instanceOf: RangeError, message: /'truncateSteps'/ });
});
