// The fast float32 layer op against its two references, under every instruction set the
// CPU has: the double-precision reference (every cell and option) and PyTorch's recorded
// values (test/fixtures/torch). Errors are measured relative to the reference's scale:
// max |ours - ref| / max(1, max |ref|) <= 1e-5.
import test, { ExecutionContext } from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { cpu, RnnLayerArgs, RnnLayerResult } from '../lib/native';
import * as ops from '../lib/ops';
import { forEachIsaAsync } from './support/isas';
import { maxAbs, maxAbsDiff, Rng } from './support/random';
import { readSafetensors, Safetensors } from './support/safetensors';
import { biasFromTorch, biasGradToTorch, Cell, gateCount, kernelFromTorch, kernelToTorch, maskFromLengths } from './support/torch_layout';

const TOLERANCE = 1e-5;

function scaledError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  return maxAbsDiff(ours, ref) / Math.max(1, maxAbs(ref));
}

function toF64(args: RnnLayerArgs<Float32Array>): RnnLayerArgs<Float64Array> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = v instanceof Float32Array ? Float64Array.from(v) : v;
  return out as unknown as RnnLayerArgs<Float64Array>;
}

interface Case {
  name: string;
  cell: Cell;
  B: number; T: number; I: number; H: number;
  options?: Partial<RnnLayerArgs<Float32Array>>;
  mask?: 'right' | 'left' | 'mixed';
  initialState?: boolean;
  noBias?: boolean;
  /** Recurrent dropout: a [B, H] mask of 0 and 1/(1-0.3). */
  recurrentDropout?: boolean;
}

function makeArgs(c: Case, seed: number): RnnLayerArgs<Float32Array> {
  const rng = new Rng(seed);
  const G = gateCount(c.cell), GH = G * c.H;
  const resetAfter = c.options?.resetAfter ?? true;
  const args: RnnLayerArgs<Float32Array> = {
    cell: c.cell, batch: c.B, steps: c.T, input: c.I, units: c.H, ...c.options,
    x: rng.f32(c.B * c.T * c.I),
    kernel: rng.f32(c.I * GH, -0.5, 0.5),
    recurrentKernel: rng.f32(c.H * GH, -0.5, 0.5),
  };
  if (!c.noBias) args.bias = rng.f32((c.cell === 'gru' && resetAfter ? 2 : 1) * GH, -0.3, 0.3);
  if (c.options?.peephole) args.peepholeWeights = rng.f32(3 * c.H, -0.5, 0.5);
  if (c.initialState) {
    args.h0 = rng.f32(c.B * c.H);
    if (c.cell === 'lstm') args.c0 = rng.f32(c.B * c.H);
  }
  if (c.mask) {
    const mask = new Uint8Array(c.B * c.T).fill(1);
    for (let b = 0; b < c.B; b++) {
      const len = b === c.B - 1 && c.mask === 'mixed' ? 0 : Math.max(1, c.T - 1 - b);
      for (let t = 0; t < c.T; t++) {
        const valid = c.mask === 'left' ? t >= c.T - len : t < len;
        mask[b * c.T + t] = valid ? 1 : 0;
      }
    }
    args.mask = mask;
  }
  if (c.recurrentDropout) {
    args.recurrentMask = new Float32Array(c.B * c.H);
    for (let i = 0; i < args.recurrentMask.length; i++) args.recurrentMask[i] = rng.next() < 0.3 ? 0 : 1 / 0.7;
  }
  const sequences = c.options?.returnSequences ?? true;
  args.dy = rng.f32(sequences ? c.B * c.T * c.H : c.B * c.H);
  args.dhFinal = rng.f32(c.B * c.H);
  if (c.cell === 'lstm') args.dcFinal = rng.f32(c.B * c.H);
  return args;
}

const OUTPUTS = ['y', 'hFinal', 'cFinal', 'dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias', 'dPeephole'] as const;

function compare(t: ExecutionContext, label: string, ours: RnnLayerResult<Float32Array>, ref: RnnLayerResult<Float64Array>): number {
  let worst = 0;
  for (const key of OUTPUTS) {
    const r = ref[key];
    const o = ours[key];
    if (r === undefined) {
      t.is(o, undefined, `${label}: ${key} not expected`);
      continue;
    }
    if (o === undefined) {
      t.fail(`${label}: ${key} missing`);
      continue;
    }
    const e = scaledError(o, r);
    worst = Math.max(worst, e);
    t.true(e <= TOLERANCE, `${label}: ${key} error ${e.toExponential(2)}`);
  }
  return worst;
}

const cells: Array<[Cell, Partial<RnnLayerArgs<Float32Array>>, string]> = [
  ['simpleRnn', {}, 'SimpleRNN tanh'],
  ['simpleRnn', { activation: 'relu' }, 'SimpleRNN relu'],
  ['simpleRnn', { activation: 'sigmoid' }, 'SimpleRNN sigmoid'],
  ['simpleRnn', { activation: 'linear' }, 'SimpleRNN linear'],
  ['simpleRnn', { activation: 'hardSigmoid' }, 'SimpleRNN hardSigmoid'],
  ['lstm', {}, 'LSTM'],
  ['lstm', { peephole: true }, 'LSTM peephole'],
  ['lstm', { recurrentActivation: 'hardSigmoid' }, 'LSTM hardSigmoid gates'],
  ['gru', {}, 'GRU resetAfter'],
  ['gru', { resetAfter: false }, 'GRU resetBefore'],
];

const cases: Case[] = [];
for (const [cell, options, name] of cells) {
  // Shapes straddle the vector widths: units 1, 7, 16, 33; inputs not multiples of 16.
  cases.push({ name: `${name} B3 T5 I7 H7`, cell, B: 3, T: 5, I: 7, H: 7, options });
  cases.push({ name: `${name} B1 T1 I1 H1`, cell, B: 1, T: 1, I: 1, H: 1, options });
  cases.push({ name: `${name} B5 T9 I19 H33 h0`, cell, B: 5, T: 9, I: 19, H: 33, options, initialState: true });
  cases.push({ name: `${name} B4 T6 I13 H16 right mask`, cell, B: 4, T: 6, I: 13, H: 16, options, mask: 'right' });
  cases.push({ name: `${name} B4 T6 I5 H17 left mask`, cell, B: 4, T: 6, I: 5, H: 17, options, mask: 'left', initialState: true });
  cases.push({ name: `${name} B4 T7 I6 H9 mixed mask goBackwards`, cell, B: 4, T: 7, I: 6, H: 9, options: { ...options, goBackwards: true }, mask: 'mixed', initialState: true });
  cases.push({ name: `${name} B3 T8 I5 H12 truncate 3`, cell, B: 3, T: 8, I: 5, H: 12, options: { ...options, truncateSteps: 3 } });
  cases.push({ name: `${name} B4 T6 I5 H19 recurrent dropout, mask, h0`, cell, B: 4, T: 6, I: 5, H: 19, options, mask: 'right', initialState: true, recurrentDropout: true });
  cases.push({ name: `${name} B3 T5 I4 H20 last output, no bias`, cell, B: 3, T: 5, I: 4, H: 20, options: { ...options, returnSequences: false }, noBias: true });
  // Units this wide split the units between threads (each owns a slice of U for the whole
  // sequence, one barrier per step); narrower layers split the batch (see rnn_cpu.cc).
  cases.push({ name: `${name} B5 T4 I9 H133 mixed mask goBackwards h0 recurrent dropout`, cell, B: 5, T: 4, I: 9, H: 133, options: { ...options, goBackwards: true }, mask: 'mixed', initialState: true, recurrentDropout: true });
  cases.push({ name: `${name} B3 T7 I6 H70 truncate 2, right mask`, cell, B: 3, T: 7, I: 6, H: 70, options: { ...options, truncateSteps: 2 }, mask: 'right' });
  cases.push({ name: `${name} B37 T6 I5 H24 left mask h0`, cell, B: 37, T: 6, I: 5, H: 24, options, mask: 'left', initialState: true });
}

test.serial('fast path equals the double-precision reference for every cell and option, under every ISA', async (t) => {
  const binding = cpu().binding;
  const reference = binding.rnnReference as (a: RnnLayerArgs<Float64Array>) => RnnLayerResult<Float64Array>;
  let worst = 0;
  await forEachIsaAsync(async (isa) => {
    for (let k = 0; k < cases.length; k++) {
      const args = makeArgs(cases[k], 1000 + k);
      const ref = reference(toF64(args));
      const ours = await ops.rnnLayer(args);
      worst = Math.max(worst, compare(t, `${isa} ${cases[k].name}`, ours, ref));
    }
  });
  t.log(`${cases.length} cases per ISA; max scaled error ${worst.toExponential(2)}`);
});

test.serial('a larger layer (LSTM 64x257, B 8, T 12) matches the reference under every ISA', async (t) => {
  const reference = cpu().binding.rnnReference as (a: RnnLayerArgs<Float64Array>) => RnnLayerResult<Float64Array>;
  const c: Case = { name: 'LSTM large', cell: 'lstm', B: 8, T: 12, I: 64, H: 257, initialState: true, mask: 'right' };
  const args = makeArgs(c, 7);
  const ref = reference(toF64(args));
  await forEachIsaAsync(async (isa) => {
    compare(t, `${isa} ${c.name}`, await ops.rnnLayer(args), ref);
  });
});

test.serial('the reference with a recurrent dropout mask agrees with central differences', (t) => {
  const reference = cpu().binding.rnnReference as (a: RnnLayerArgs<Float64Array>) => RnnLayerResult<Float64Array>;
  for (const [cell, options, name] of cells) {
    const args = toF64(makeArgs({ name, cell, B: 2, T: 4, I: 3, H: 4, options, initialState: true, recurrentDropout: true }, 77));
    const { dy, dhFinal, dcFinal } = args;
    const loss = (a: RnnLayerArgs<Float64Array>) => {
      const r = reference({ ...a, dy: undefined, dhFinal: undefined, dcFinal: undefined });
      let l = 0;
      for (let i = 0; i < r.y.length; i++) l += r.y[i] * dy![i];
      for (let i = 0; i < r.hFinal.length; i++) l += r.hFinal[i] * dhFinal![i];
      if (r.cFinal) for (let i = 0; i < r.cFinal.length; i++) l += r.cFinal[i] * dcFinal![i];
      return l;
    };
    const grads = reference(args);
    const pairs = [['x', 'dx'], ['h0', 'dh0'], ['kernel', 'dKernel'], ['recurrentKernel', 'dRecurrentKernel'], ['bias', 'dBias'], ['peepholeWeights', 'dPeephole']] as const;
    let worst = 0;
    for (const [param, grad] of pairs) {
      const values = args[param];
      if (!values) continue;
      for (let i = 0; i < values.length; i++) {
        const keep = values[i];
        values[i] = keep + 1e-6;
        const up = loss(args);
        values[i] = keep - 1e-6;
        const down = loss(args);
        values[i] = keep;
        const fd = (up - down) / 2e-6;
        worst = Math.max(worst, Math.abs(fd - grads[grad]![i]) / Math.max(1, Math.abs(fd)));
      }
    }
    t.true(worst < 1e-6, `${name}: finite-difference error ${worst.toExponential(2)}`);
  }
});

// --- PyTorch fixtures ---------------------------------------------------------------

const FIXTURE_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'torch');

function tensor(file: Safetensors, name: string): Float64Array | undefined {
  const t = file.tensors.get(name);
  if (!t || t.data instanceof BigInt64Array) return undefined;
  return Float64Array.from(t.data);
}

test.serial('fast path equals PyTorch (nn.RNN tanh/relu, nn.LSTM, nn.GRU) on every fixture, under every ISA', async (t) => {
  const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.safetensors')).sort();
  t.true(files.length >= 20);
  let worst = 0;
  await forEachIsaAsync(async (isa) => {
    for (const name of files) {
      const file = readSafetensors(join(FIXTURE_DIR, name));
      const m = file.metadata;
      const cell = m.cell as Cell;
      const [B, T, I, H] = [Number(m.B), Number(m.T), Number(m.I), Number(m.H)];
      const need = (k: string) => {
        const v = tensor(file, k);
        if (!v) throw new Error(`${name}: missing ${k}`);
        return v;
      };
      const lengths = file.tensors.get('lengths');
      const args: RnnLayerArgs<Float32Array> = {
        cell, batch: B, steps: T, input: I, units: H,
        activation: (m.activation ?? 'tanh') as 'tanh' | 'relu',
        x: Float32Array.from(need('x')),
        h0: Float32Array.from(need('h0')),
        kernel: Float32Array.from(kernelFromTorch(cell, need('weight_ih_l0'), I, H)),
        recurrentKernel: Float32Array.from(kernelFromTorch(cell, need('weight_hh_l0'), H, H)),
        bias: Float32Array.from(biasFromTorch(cell, need('bias_ih_l0'), need('bias_hh_l0'), H)),
        dy: Float32Array.from(need('gy')),
        dhFinal: Float32Array.from(need('gh')),
      };
      if (cell === 'lstm') {
        args.c0 = Float32Array.from(need('c0'));
        args.dcFinal = Float32Array.from(need('gc'));
      }
      if (lengths) args.mask = maskFromLengths(Array.from(lengths.data as Int32Array), T);
      const r = await ops.rnnLayer(args);
      const pairs: Array<[string, ArrayLike<number>, Float64Array]> = [
        ['y', r.y, need('y')],
        ['h_n', r.hFinal, need('h_n')],
        ['grad_x', r.dx!, need('grad_x')],
        ['grad_h0', r.dh0!, need('grad_h0')],
        ['grad_weight_ih', kernelToTorch(cell, r.dKernel!, I, H), need('grad_weight_ih_l0')],
        ['grad_weight_hh', kernelToTorch(cell, r.dRecurrentKernel!, H, H), need('grad_weight_hh_l0')],
      ];
      const db = biasGradToTorch(cell, r.dBias!, H);
      pairs.push(['grad_bias_ih', db.biasIh, need('grad_bias_ih_l0')], ['grad_bias_hh', db.biasHh, need('grad_bias_hh_l0')]);
      if (cell === 'lstm') pairs.push(['c_n', r.cFinal!, need('c_n')], ['grad_c0', r.dc0!, need('grad_c0')]);
      for (const [what, ours, ref] of pairs) {
        const e = scaledError(ours, ref);
        worst = Math.max(worst, e);
        t.true(e <= TOLERANCE, `${isa} ${name} ${what}: error ${e.toExponential(2)}`);
      }
    }
  });
  t.log(`max scaled error against PyTorch: ${worst.toExponential(2)}`);
});

// --- Reproducibility and errors -----------------------------------------------------

test.serial('results are bitwise identical with 1, 2 and 3 threads and across runs', async (t) => {
  const binding = cpu().binding;
  const before = binding.runtimeInfo().threads;
  // Batch split (few units) and unit split (many), every cell, masks and recurrent dropout.
  const variants: Case[] = [
    { name: 'GRU H96', cell: 'gru', B: 32, T: 20, I: 40, H: 96, mask: 'mixed' },
    { name: 'GRU H24', cell: 'gru', B: 37, T: 20, I: 40, H: 24, mask: 'mixed', recurrentDropout: true },
    { name: 'GRU resetBefore H100', cell: 'gru', B: 9, T: 12, I: 7, H: 100, options: { resetAfter: false }, recurrentDropout: true },
    { name: 'LSTM H150', cell: 'lstm', B: 7, T: 15, I: 20, H: 150, mask: 'left', initialState: true, recurrentDropout: true },
    { name: 'LSTM H40', cell: 'lstm', B: 33, T: 15, I: 20, H: 40, mask: 'right' },
    { name: 'SimpleRNN H200 B1', cell: 'simpleRnn', B: 1, T: 30, I: 20, H: 200 },
  ];
  const keys = ['y', 'hFinal', 'cFinal', 'dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias'] as const;
  try {
    for (const [v, variant] of variants.entries()) {
      const args = makeArgs(variant, 99 + v);
      binding.setNumThreads(1);
      const one = await ops.rnnLayer(args);
      for (const threads of [2, 3]) {
        binding.setNumThreads(threads);
        const many = await ops.rnnLayer(args);
        const again = await ops.rnnLayer(args);
        for (const key of keys) {
          if (one[key] === undefined) continue;
          // Buffer.equals: ava's deepEqual takes seconds on arrays this size.
          t.true(Buffer.from(one[key]!.buffer).equals(Buffer.from(many[key]!.buffer)), `${variant.name} ${key}: 1 vs ${threads} threads`);
          t.true(Buffer.from(many[key]!.buffer).equals(Buffer.from(again[key]!.buffer)), `${variant.name} ${key}: run to run`);
        }
      }
    }
  } finally {
    binding.setNumThreads(before);
  }
});

test.serial('forward only returns no gradients, and the promise does not block the event loop', async (t) => {
  const args = makeArgs({ name: 'LSTM', cell: 'lstm', B: 64, T: 50, I: 128, H: 256 }, 5);
  delete args.dy;
  delete args.dhFinal;
  delete args.dcFinal;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const r = await ops.rnnLayer(args);
  clearInterval(timer);
  t.is(r.dx, undefined);
  t.is(r.y.length, 64 * 50 * 256);
  t.true(ticks > 0, 'timers fired while the layer ran');
});

test.serial('bad arguments reject with errors that name the argument and the shape', async (t) => {
  const good = makeArgs({ name: 'LSTM', cell: 'lstm', B: 2, T: 3, I: 4, H: 5 }, 3);
  await t.throwsAsync(ops.rnnLayer({ ...good, x: new Float32Array(7) }), {
    instanceOf: RangeError, message: "rnnLayer: 'x' expected shape [2, 3, 4] (24 elements), received 7 elements",
  });
  await t.throwsAsync(ops.rnnLayer({ ...good, kernel: new Float64Array(80) as unknown as Float32Array }), {
    instanceOf: TypeError, message: /'kernel' must be a Float32Array/,
  });
  await t.throwsAsync(ops.rnnLayer({ ...good, mask: new Uint8Array(5) }), { instanceOf: RangeError, message: /'mask' expected shape \[2, 3\]/ });
  await t.throwsAsync(ops.rnnLayer({ ...good, cell: 'transformer' as Cell }), { instanceOf: RangeError, message: /cell 'transformer'/ });
  await t.throwsAsync(ops.rnnLayer({ ...good, units: 0 }), { instanceOf: RangeError, message: /'units' must be an integer/ });
  await t.throwsAsync(ops.rnnLayer({ ...good, activation: 'gelu' as 'tanh' }), { instanceOf: RangeError, message: /activation 'gelu'/ });
  await t.throwsAsync(ops.rnnLayer({ ...good, batch: 2 ** 40 }), { instanceOf: RangeError });
  await t.throwsAsync(ops.rnnLayer(undefined as unknown as RnnLayerArgs), { instanceOf: TypeError });
});
