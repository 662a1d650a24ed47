// The native Sequential model (native/graph, lib/graph_spec.ts): whole training steps
// against finite differences of the evaluated loss, optimizers and clipping against
// Keras' update rules computed here in double precision, masking, input errors,
// predict against a hand-written forward, concurrency and weight round trips.
import test, { ExecutionContext } from 'ava';

import type { CompileSpec, GraphSpec, LayerSpec, NativeModel, OptimizerSpec, RecurrentSpec, StepArgs } from '../lib/graph_spec';
import { cpu } from '../lib/native';
import { Rng } from './support/random';

const binding = cpu().binding;

function optimizer(kind: OptimizerSpec['kind'], learningRate: number, extra: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return {
    kind, learningRate, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
    rho: 0.9, initialAccumulatorValue: 0.1, clipvalue: 0, clipnorm: 0, globalClipnorm: 0, ...extra,
  };
}

function compileSpec(loss: CompileSpec['loss'], extra: Partial<CompileSpec> = {}): CompileSpec {
  return { loss, fromLogits: false, optimizer: optimizer('sgd', 1), metrics: [], ...extra };
}

function rnn(name: string, cell: RecurrentSpec['cell'], units: number, extra: Partial<RecurrentSpec> = {}): RecurrentSpec {
  return {
    kind: 'rnn', name, cell, units, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true,
    returnSequences: false, returnState: false, goBackwards: false, resetAfter: true, dropout: 0, recurrentDropout: 0,
    stateful: false, trainable: true, ...extra,
  };
}

function dense(name: string, units: number, activation: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax',
               extra: Partial<LayerSpec> = {}): LayerSpec {
  return { kind: 'dense', name, units, activation, useBias: true, trainable: true, ...extra } as LayerSpec;
}

function build(spec: GraphSpec, seed: number, scale = 0.5): NativeModel {
  const model = new binding.Model(spec);
  const rng = new Rng(seed);
  model.setWeights(model.getWeights().map((w) => rng.f32(w.length, -scale, scale)));
  return model;
}

function copyWeights(ws: Float32Array[]): Float32Array[] {
  return ws.map((w) => Float32Array.from(w));
}

// With SGD, lr = 1 and no momentum, one step changes each weight by -gradient. Compared
// with central differences of evaluateStep's loss (float32: eps 1e-3).
async function gradientCheck(t: ExecutionContext, model: NativeModel, compile: Partial<CompileSpec> & { loss: CompileSpec['loss'] },
                             args: StepArgs, maxPerWeight = 40): Promise<void> {
  model.compile(compileSpec(compile.loss, { ...compile, optimizer: optimizer('sgd', 1) }));
  const w0 = copyWeights(model.getWeights());
  await model.trainStep(args);
  const w1 = model.getWeights();
  const grads = w0.map((w, i) => w.map((v, j) => v - w1[i][j]));
  const eps = 1e-3;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < w0.length; i++) {
    const step = Math.max(1, Math.floor(w0[i].length / maxPerWeight));
    for (let j = 0; j < w0[i].length; j += step) {
      const probe = copyWeights(w0);
      probe[i][j] = w0[i][j] + eps;
      model.setWeights(probe);
      const plus = (await model.evaluateStep(args)).loss;
      probe[i][j] = w0[i][j] - eps;
      model.setWeights(probe);
      const minus = (await model.evaluateStep(args)).loss;
      const fd = (plus - minus) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grads[i][j]));
      scale = Math.max(scale, Math.abs(fd));
    }
  }
  t.true(scale > 1e-3, `gradients are not all tiny (max ${scale})`);
  const rel = worst / Math.max(scale, 1e-2);
  t.true(rel < 2e-3, `max |backprop - finite difference| = ${worst}, relative ${rel}`);
}

test('gradient check: Embedding(maskZero) -> GRU -> Dense(sigmoid), binaryCrossentropy, sample weights, l2', async (t) => {
  const spec: GraphSpec = {
    inputShape: [5], inputDtype: 'int32', seed: 1,
    layers: [
      { kind: 'embedding', name: 'emb', inputDim: 7, outputDim: 4, maskZero: true, trainable: true },
      rnn('gru', 'gru', 5),
      dense('out', 1, 'sigmoid', { kernelRegularizer: { l1: 0, l2: 0.01 } }),
    ],
  };
  const model = build(spec, 11);
  const x = Int32Array.from([3, 1, 4, 0, 0, /**/ 0, 0, 6, 2, 5, /**/ 2, 2, 1, 3, 6]);
  const y = Float32Array.from([1, 0, 1]);
  await gradientCheck(t, model, { loss: 'binaryCrossentropy' }, { x, y, batch: 3, sampleWeight: Float32Array.from([1, 0.5, 2]) });
});

test('gradient check: Masking -> LSTM(returnSequences) -> Dense(softmax) time-distributed, sparse CE', async (t) => {
  const T = 4, F = 3, B = 3;
  const spec: GraphSpec = {
    inputShape: [T, F], inputDtype: 'float32', seed: 2,
    layers: [
      { kind: 'masking', name: 'mask', maskValue: 0 },
      rnn('lstm', 'lstm', 4, { returnSequences: true }),
      dense('probs', 5, 'softmax'),
    ],
  };
  const model = build(spec, 12);
  const x = new Rng(5).f32(B * T * F);
  for (const [b, s] of [[0, 3], [1, 0], [2, 2]]) x.fill(0, (b * T + s) * F, (b * T + s + 1) * F);
  const y = Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
  await gradientCheck(t, model, { loss: 'sparseCategoricalCrossentropy' }, { x, y, batch: B });
});

for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
  test(`gradient check: Bidirectional(LSTM) merge ${mergeMode}, masked sequences -> Dense, meanSquaredError`, async (t) => {
    const T = 4, F = 2, B = 2;
    const spec: GraphSpec = {
      inputShape: [T, F], inputDtype: 'float32', seed: 3,
      layers: [
        { kind: 'masking', name: 'mask', maskValue: 0 },
        { kind: 'bidirectional', name: 'bi', mergeMode, forward: rnn('fwd', 'lstm', 3, { returnSequences: true }),
          backward: rnn('bwd', 'lstm', 3, { returnSequences: true, goBackwards: true }) },
        dense('out', 2, 'tanh'),
      ],
    };
    const model = build(spec, 13);
    const x = new Rng(6).f32(B * T * F);
    x.fill(0, (1 * T + 3) * F, (1 * T + 4) * F);
    const y = new Rng(7).f32(B * T * 2);
    await gradientCheck(t, model, { loss: 'meanSquaredError' }, { x, y, batch: B });
  });
}

test('gradient check: Bidirectional(GRU) last state, concat -> Dense, meanAbsoluteError', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3, 2], inputDtype: 'float32', seed: 3,
    layers: [
      { kind: 'bidirectional', name: 'bi', mergeMode: 'concat', forward: rnn('fwd', 'gru', 3),
        backward: rnn('bwd', 'gru', 3, { goBackwards: true }) },
      dense('out', 2, 'linear'),
    ],
  };
  const model = build(spec, 14);
  await gradientCheck(t, model, { loss: 'meanAbsoluteError' },
    { x: new Rng(8).f32(3 * 3 * 2), y: new Rng(9).f32(3 * 2, 2, 3), batch: 3 });
});

test('gradient check: SimpleRNN -> Dense, meanSquaredError with regularizers', async (t) => {
  const spec: GraphSpec = {
    inputShape: [5, 3], inputDtype: 'float32', seed: 4,
    layers: [
      rnn('rnn', 'simpleRnn', 4, { kernelRegularizer: { l1: 0.01, l2: 0.02 }, biasRegularizer: { l1: 0, l2: 0.05 } }),
      dense('out', 2, 'linear'),
    ],
  };
  const model = build(spec, 15);
  await gradientCheck(t, model, { loss: 'meanSquaredError' }, { x: new Rng(10).f32(4 * 5 * 3), y: new Rng(11).f32(4 * 2), batch: 4 });
});

test('gradient check: GRU(resetAfter false) -> Dense(softmax), categoricalCrossentropy (fused softmax)', async (t) => {
  const spec: GraphSpec = {
    inputShape: [4, 2], inputDtype: 'float32', seed: 5,
    layers: [rnn('gru', 'gru', 4, { resetAfter: false }), dense('probs', 3, 'softmax')],
  };
  const model = build(spec, 16);
  const y = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0]);
  await gradientCheck(t, model, { loss: 'categoricalCrossentropy' }, { x: new Rng(12).f32(3 * 4 * 2), y, batch: 3 });
});

test('gradient check: logits losses (binary and sparse categorical)', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3, 2], inputDtype: 'float32', seed: 6,
    layers: [rnn('lstm', 'lstm', 3), dense('logits', 4, 'linear')],
  };
  const model = build(spec, 17);
  const x = new Rng(13).f32(2 * 3 * 2);
  await gradientCheck(t, model, { loss: 'binaryCrossentropy', fromLogits: true },
    { x, y: Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0]), batch: 2 });
  await gradientCheck(t, model, { loss: 'sparseCategoricalCrossentropy', fromLogits: true },
    { x, y: Int32Array.from([3, 1]), batch: 2 });
});

// A Dense(1) on [F] input with MSE: the gradient is known in closed form, so Keras'
// update rules can be followed here in double precision.
interface Tiny { w: number[]; b: number }
function tinyGrad(p: Tiny, x: number[][], y: number[]): { gw: number[]; gb: number } {
  const B = x.length;
  const gw = p.w.map(() => 0);
  let gb = 0;
  for (let i = 0; i < B; i++) {
    const pred = x[i].reduce((s, v, k) => s + v * p.w[k], p.b);
    const d = (2 / B) * (pred - y[i]);
    x[i].forEach((v, k) => { gw[k] += d * v; });
    gb += d;
  }
  return { gw, gb };
}

const tinySpec: GraphSpec = { inputShape: [3], inputDtype: 'float32', seed: 0, layers: [dense('d', 1, 'linear')] };
const tinyX = [[0.5, -1, 2], [1.5, 0.25, -0.5], [-1, 1, 1], [0.2, 0.3, -2]];
const tinyY = [1, -2, 0.5, 3];
const tinyArgs = (): StepArgs => ({ x: Float32Array.from(tinyX.flat()), y: Float32Array.from(tinyY), batch: 4 });

function tinyModel(opt: OptimizerSpec): { model: NativeModel; p: Tiny } {
  const model = new binding.Model(tinySpec);
  const p: Tiny = { w: [0.3, -0.2, 0.1], b: 0.05 };
  model.setWeights([Float32Array.from(p.w), Float32Array.from([p.b])]);
  model.compile(compileSpec('meanSquaredError', { optimizer: opt }));
  return { model, p };
}

type Rule = (g: number[], state: Record<string, number[]>, step: number) => number[];

const kerasRules: Record<string, { opt: OptimizerSpec; rule: Rule }> = {
  sgd: { opt: optimizer('sgd', 0.1), rule: (g) => g.map((v) => -0.1 * v) },
  momentum: {
    opt: optimizer('sgd', 0.1, { momentum: 0.9 }),
    rule: (g, s) => {
      s.m ??= g.map(() => 0);
      s.m = s.m.map((m, i) => 0.9 * m - 0.1 * g[i]);
      return s.m;
    },
  },
  nesterov: {
    opt: optimizer('sgd', 0.1, { momentum: 0.9, nesterov: true }),
    rule: (g, s) => {
      s.m ??= g.map(() => 0);
      s.m = s.m.map((m, i) => 0.9 * m - 0.1 * g[i]);
      return s.m.map((m, i) => 0.9 * m - 0.1 * g[i]);
    },
  },
  adam: {
    opt: optimizer('adam', 0.01, { beta1: 0.8, beta2: 0.95, epsilon: 1e-6 }),
    rule: (g, s, t) => {
      s.m ??= g.map(() => 0);
      s.v ??= g.map(() => 0);
      s.m = s.m.map((m, i) => m + (g[i] - m) * 0.2);
      s.v = s.v.map((v, i) => v + (g[i] * g[i] - v) * 0.05);
      const alpha = (0.01 * Math.sqrt(1 - 0.95 ** t)) / (1 - 0.8 ** t);
      return s.m.map((m, i) => (-alpha * m) / (Math.sqrt(s.v[i]) + 1e-6));
    },
  },
  rmsprop: {
    opt: optimizer('rmsprop', 0.01, { rho: 0.8, epsilon: 1e-6 }),
    rule: (g, s) => {
      s.v ??= g.map(() => 0);
      s.v = s.v.map((v, i) => 0.8 * v + 0.2 * g[i] * g[i]);
      return g.map((v, i) => (-0.01 * v) / Math.sqrt(s.v[i] + 1e-6));
    },
  },
  adadelta: {
    opt: optimizer('adadelta', 1, { rho: 0.9, epsilon: 1e-4 }),
    rule: (g, s) => {
      s.a ??= g.map(() => 0);
      s.d ??= g.map(() => 0);
      s.a = s.a.map((a, i) => 0.9 * a + 0.1 * g[i] * g[i]);
      const delta = g.map((v, i) => (-Math.sqrt(s.d[i] + 1e-4) * v) / Math.sqrt(s.a[i] + 1e-4));
      s.d = s.d.map((d, i) => 0.9 * d + 0.1 * delta[i] * delta[i]);
      return delta;
    },
  },
  adagrad: {
    opt: optimizer('adagrad', 0.1, { initialAccumulatorValue: 0.2, epsilon: 1e-7 }),
    rule: (g, s) => {
      s.a ??= g.map(() => 0.2);
      s.a = s.a.map((a, i) => a + g[i] * g[i]);
      return g.map((v, i) => (-0.1 * v) / Math.sqrt(s.a[i] + 1e-7));
    },
  },
};

for (const [name, { opt, rule }] of Object.entries(kerasRules)) {
  test(`optimizer ${name} follows Keras' update over several steps`, async (t) => {
    const { model, p } = tinyModel(opt);
    const sw: Record<string, number[]> = {};
    const sb: Record<string, number[]> = {};
    for (let step = 1; step <= 4; step++) {
      await model.trainStep(tinyArgs());
      const { gw, gb } = tinyGrad(p, tinyX, tinyY);
      const dw = rule(gw, sw, step);
      const db = rule([gb], sb, step);
      p.w = p.w.map((w, i) => w + dw[i]);
      p.b += db[0];
    }
    const [w, b] = model.getWeights();
    const expected = [...p.w, p.b];
    const got = [...w, b[0]];
    for (let i = 0; i < expected.length; i++) {
      t.true(Math.abs(got[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `weight ${i}: ${got[i]} vs ${expected[i]}`);
    }
  });
}

test('the per-step learningRate overrides the compiled one', async (t) => {
  const { model, p } = tinyModel(optimizer('sgd', 0.1));
  await model.trainStep({ ...tinyArgs(), learningRate: 0.5 });
  const { gw } = tinyGrad(p, tinyX, tinyY);
  const [w] = model.getWeights();
  for (let i = 0; i < 3; i++) t.true(Math.abs(w[i] - (p.w[i] - 0.5 * gw[i])) < 1e-6);
});

test('clipvalue, clipnorm and globalClipnorm change the update as Keras does', async (t) => {
  const base = tinyGrad({ w: [0.3, -0.2, 0.1], b: 0.05 }, tinyX, tinyY);
  const g = [...base.gw, base.gb];
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const wNorm = norm(base.gw);
  const cases: [Partial<OptimizerSpec>, number[]][] = [
    [{ clipvalue: 0.5 }, g.map((v) => Math.max(-0.5, Math.min(0.5, v)))],
    [{ clipnorm: 0.4 }, [...base.gw.map((v) => (v * 0.4) / Math.max(wNorm, 0.4)), base.gb * 0.4 / Math.max(Math.abs(base.gb), 0.4)]],
    [{ globalClipnorm: 0.6 }, g.map((v) => (v * 0.6) / Math.max(norm(g), 0.6))],
  ];
  t.true(wNorm > 0.4 && norm(g) > 0.6 && g.some((v) => Math.abs(v) > 0.5), 'the clips are active');
  for (const [clip, clipped] of cases) {
    const { model } = tinyModel(optimizer('sgd', 1, clip));
    await model.trainStep(tinyArgs());
    const [w, b] = model.getWeights();
    const update = [...w.map((v, i) => v - [0.3, -0.2, 0.1][i]), b[0] - 0.05];
    for (let i = 0; i < 4; i++) t.true(Math.abs(update[i] + clipped[i]) < 1e-5, `${JSON.stringify(clip)} ${i}: ${update[i]} vs ${-clipped[i]}`);
  }
  t.throws(() => tinyModel(optimizer('sgd', 1, { clipvalue: 1, clipnorm: 1 })), { message: /only one of/ });
});

test('masked steps count in neither loss nor metrics', async (t) => {
  const spec: GraphSpec = {
    inputShape: [4], inputDtype: 'int32', seed: 7,
    layers: [
      { kind: 'embedding', name: 'emb', inputDim: 6, outputDim: 3, maskZero: true, trainable: true },
      rnn('lstm', 'lstm', 3, { returnSequences: true }),
      dense('probs', 4, 'softmax'),
    ],
  };
  const model = build(spec, 18);
  model.compile(compileSpec('sparseCategoricalCrossentropy', { metrics: ['sparseCategoricalAccuracy'] }));
  const x = Int32Array.from([1, 2, 0, 0, 3, 4, 5, 0]);
  const a = await model.evaluateStep({ x, y: Int32Array.from([0, 1, 2, 3, 1, 2, 3, 0]), batch: 2 });
  const b = await model.evaluateStep({ x, y: Int32Array.from([0, 1, 0, 0, 1, 2, 3, 3]), batch: 2 });
  t.is(a.count, 5);
  t.is(a.loss, b.loss);
  t.deepEqual(a.metrics, b.metrics);
  // The loss is the mean over the 5 unmasked steps of -log p(label).
  const p = await model.predict({ x, batch: 2 });
  const labels = [0, 1, 2, 3, 1, 2, 3, 0];
  let sum = 0;
  for (const s of [0, 1, 4, 5, 6]) sum -= Math.log(p[s * 4 + labels[s]]);
  t.true(Math.abs(a.loss - sum / 5) < 1e-5, `${a.loss} vs ${sum / 5}`);
});

test('out-of-range token ids and sparse labels reject with clear errors', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3], inputDtype: 'int32', seed: 8,
    layers: [
      { kind: 'embedding', name: 'tokens', inputDim: 5, outputDim: 2, maskZero: false, trainable: true },
      rnn('gru', 'gru', 2),
      dense('probs', 3, 'softmax'),
    ],
  };
  const model = build(spec, 19);
  model.compile(compileSpec('sparseCategoricalCrossentropy'));
  const y = Int32Array.from([0, 2]);
  await t.throwsAsync(model.trainStep({ x: Int32Array.from([1, 2, 3, 4, 5, 1]), y, batch: 2 }),
    { instanceOf: RangeError, message: /tokens.*token id 5 at \[1, 1\].*\[0, 5\)/ });
  await t.throwsAsync(model.predict({ x: Int32Array.from([1, -1, 3, 4, 0, 1]), batch: 2 }), { message: /token id -1 at \[0, 1\]/ });
  await t.throwsAsync(model.evaluateStep({ x: Int32Array.from([1, 2, 3, 4, 0, 1]), y: Int32Array.from([0, 3]), batch: 2 }),
    { instanceOf: RangeError, message: /class id 3 at \[1\] is outside \[0, 3\)/ });
  await t.throwsAsync(model.trainStep({ x: Int32Array.from([1, 2, 3]), y, batch: 2 }), { message: /'x' expected shape/ });
  await t.throwsAsync(model.trainStep({ x: new Float32Array(6), y, batch: 2 }), { message: /must be an Int32Array/ });
  await t.throwsAsync(model.trainStep({ x: Int32Array.from([1, 2, 3, 4, 0, 1]), y: new Float32Array(2), batch: 2 }),
    { message: /'y' must be an Int32Array/ });
  // The model still works after the errors.
  const r = await model.trainStep({ x: Int32Array.from([1, 2, 3, 4, 0, 1]), y, batch: 2 });
  t.true(Number.isFinite(r.loss));
});

test('invalid specs are errors: dropout rates, shapes, kinds', (t) => {
  t.throws(() => new binding.Model({ inputShape: [3, 2], inputDtype: 'float32', seed: 0, layers: [rnn('r', 'lstm', 2, { recurrentDropout: 1 })] }),
    { message: /'recurrentDropout' must be in \[0, 1\)/ });
  t.throws(() => new binding.Model({ inputShape: [2], inputDtype: 'float32', seed: 0, layers: [rnn('r', 'lstm', 2)] }),
    { message: /layer 'r' needs a sequence input/ });
  t.throws(() => new binding.Model({ inputShape: [3], inputDtype: 'int32', seed: 0, layers: [dense('d', 2, 'linear')] }),
    { message: /Embedding first layer/ });
  t.throws(() => new binding.Model({ inputShape: [3], inputDtype: 'float32', seed: 0, layers: [{ kind: 'conv' } as unknown as LayerSpec] }),
    { message: /kind 'conv'/ });
  t.throws(() => new (binding.Model as unknown as new (x: unknown) => NativeModel)(42), { message: /GraphSpec/ });
});

test('predict equals the layers run by hand: SimpleRNN -> Dense(sigmoid)', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3, 2], inputDtype: 'float32', seed: 0,
    layers: [rnn('rnn', 'simpleRnn', 2), dense('out', 1, 'sigmoid')],
  };
  const model = new binding.Model(spec);
  const W = [0.5, -0.3, 0.2, 0.8]; // [2, 2]
  const U = [0.1, 0.4, -0.6, 0.3]; // [2, 2]
  const bh = [0.05, -0.1];
  const V = [0.7, -1.2];
  const c = 0.3;
  model.setWeights([W, U, bh, V, [c]].map((a) => Float32Array.from(a)));
  const x = [0.1, 0.2, -0.5, 0.4, 1.0, -1.0, /**/ 0.3, 0.3, 0.0, 0.9, -0.2, 0.6];
  const out = await model.predict({ x: Float32Array.from(x), batch: 2 });
  t.deepEqual(model.outputShape(), [1]);
  for (let b = 0; b < 2; b++) {
    let h = [0, 0];
    for (let s = 0; s < 3; s++) {
      const xt = x.slice((b * 3 + s) * 2, (b * 3 + s) * 2 + 2);
      h = [0, 1].map((j) => Math.tanh(xt[0] * W[j] + xt[1] * W[2 + j] + h[0] * U[j] + h[1] * U[2 + j] + bh[j]));
    }
    const expected = 1 / (1 + Math.exp(-(h[0] * V[0] + h[1] * V[1] + c)));
    t.true(Math.abs(out[b] - expected) < 1e-6, `${out[b]} vs ${expected}`);
  }
});

function dropoutSpec(): GraphSpec {
  return {
    inputShape: [6, 3], inputDtype: 'float32', seed: 42,
    layers: [
      rnn('lstm', 'lstm', 8, { returnSequences: true, dropout: 0.2 }),
      { kind: 'dropout', name: 'drop', rate: 0.3 },
      rnn('gru', 'gru', 4),
      dense('out', 2, 'linear'),
    ],
  };
}

async function trainSome(model: NativeModel, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const rng = new Rng(100 + i);
    losses.push((await model.trainStep({ x: rng.f32(8 * 6 * 3), y: rng.f32(8 * 2), batch: 8 })).loss);
  }
  return losses;
}

test('two models training at once finish with the same results as alone; results are reproducible', async (t) => {
  const make = () => {
    const m = build(dropoutSpec(), 20);
    m.compile(compileSpec('meanSquaredError', { optimizer: optimizer('adam', 0.01) }));
    return m;
  };
  const alone = make();
  const aloneLosses = await trainSome(alone, 6);
  const [a, b] = [make(), make()];
  const [la, lb] = await Promise.all([trainSome(a, 6), trainSome(b, 6)]);
  t.deepEqual(la, aloneLosses);
  t.deepEqual(lb, aloneLosses);
  t.deepEqual(a.getWeights(), alone.getWeights());
  t.deepEqual(b.getWeights(), alone.getWeights());
});

test('steps called without awaiting run one at a time in call order', async (t) => {
  const sequential = build(dropoutSpec(), 21);
  sequential.compile(compileSpec('meanSquaredError', { optimizer: optimizer('sgd', 0.05) }));
  const expected = await trainSome(sequential, 3);
  const model = build(dropoutSpec(), 21);
  model.compile(compileSpec('meanSquaredError', { optimizer: optimizer('sgd', 0.05) }));
  const pending = [0, 1, 2].map((i) => {
    const rng = new Rng(100 + i);
    return model.trainStep({ x: rng.f32(8 * 6 * 3), y: rng.f32(8 * 2), batch: 8 });
  });
  t.throws(() => model.getWeights(), { message: /still running/ });
  const results = await Promise.all(pending);
  t.deepEqual(results.map((r) => r.loss), expected);
  t.deepEqual(model.getWeights(), sequential.getWeights());
});

test('dropout is on in training only', async (t) => {
  const model = build(dropoutSpec(), 22);
  model.compile(compileSpec('meanSquaredError', { optimizer: optimizer('sgd', 0) }));
  const rng = new Rng(1);
  const args = { x: rng.f32(8 * 6 * 3), y: rng.f32(8 * 2), batch: 8 };
  const e1 = await model.evaluateStep(args);
  const e2 = await model.evaluateStep(args);
  t.is(e1.loss, e2.loss);
  const t1 = await model.trainStep(args);
  const t2 = await model.trainStep(args);
  t.not(t1.loss, e1.loss);
  t.not(t1.loss, t2.loss, 'a new mask every step');
});

test('stateful layers carry their states until resetStates', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3, 2], inputDtype: 'float32', seed: 0,
    layers: [rnn('lstm', 'lstm', 3, { stateful: true }), dense('out', 1, 'linear')],
  };
  const model = build(spec, 23);
  const x = new Rng(2).f32(2 * 3 * 2);
  const p1 = await model.predict({ x, batch: 2 });
  const p2 = await model.predict({ x, batch: 2 });
  t.notDeepEqual(p1, p2);
  model.resetStates();
  t.deepEqual(await model.predict({ x, batch: 2 }), p1);
  await t.throwsAsync(model.predict({ x: new Rng(2).f32(3 * 3 * 2), batch: 3 }), { message: /stateful/ });
});

test('getWeights/setWeights round-trip, Keras shapes, validation', (t) => {
  const spec: GraphSpec = {
    inputShape: [4], inputDtype: 'int32', seed: 0,
    layers: [
      { kind: 'embedding', name: 'emb', inputDim: 10, outputDim: 3, maskZero: true, trainable: true },
      { kind: 'bidirectional', name: 'bi', mergeMode: 'concat', forward: rnn('f', 'gru', 2), backward: rnn('b', 'gru', 2, { goBackwards: true }) },
      dense('out', 5, 'softmax', { useBias: false }),
    ],
  };
  const model = new binding.Model(spec);
  t.deepEqual(model.outputShape(), [5]);
  // embeddings, (kernel, recurrent_kernel, bias [2, 3H]) x 2, dense kernel.
  t.deepEqual(model.getWeights().map((w) => w.length), [30, 3 * 6, 2 * 6, 12, 3 * 6, 2 * 6, 12, 4 * 5]);
  const rng = new Rng(3);
  const ws = model.getWeights().map((w) => rng.f32(w.length));
  model.setWeights(ws);
  t.deepEqual(model.getWeights(), ws);
  const got = model.getWeights();
  got[0][0] = 99;
  t.not(model.getWeights()[0][0], 99, 'getWeights returns copies');
  t.throws(() => model.setWeights(ws.slice(1)), { instanceOf: RangeError, message: /has 8 weights, received 7/ });
  const bad = ws.slice();
  bad[3] = new Float32Array(5);
  t.throws(() => model.setWeights(bad), { message: /layer 'bi'.*expected shape \[2, 6\].*received 5/ });
  bad[3] = new Float64Array(12) as unknown as Float32Array;
  t.throws(() => model.setWeights(bad), { message: /must be a Float32Array/ });
  t.deepEqual(model.getWeights(), ws, 'a failed setWeights changes nothing');
});

test('trainable=false layers get no update', async (t) => {
  const spec: GraphSpec = {
    inputShape: [3, 2], inputDtype: 'float32', seed: 0,
    layers: [rnn('frozen', 'lstm', 3, { trainable: false }), dense('out', 1, 'linear')],
  };
  const model = build(spec, 24);
  model.compile(compileSpec('meanSquaredError', { optimizer: optimizer('adam', 0.1) }));
  const before = model.getWeights();
  await model.trainStep({ x: new Rng(4).f32(2 * 3 * 2), y: Float32Array.from([1, -1]), batch: 2 });
  const after = model.getWeights();
  for (let i = 0; i < 3; i++) t.deepEqual(after[i], before[i]);
  t.notDeepEqual(after[3], before[3]);
});

test('metrics: accuracies and errors as batch means', async (t) => {
  const model = new binding.Model({ inputShape: [2], inputDtype: 'float32', seed: 0, layers: [dense('d', 2, 'linear', { useBias: false })] });
  model.setWeights([Float32Array.from([1, 0, 0, 1])]); // identity: output = x
  model.compile(compileSpec('meanSquaredError', { metrics: ['binaryAccuracy', 'categoricalAccuracy', 'meanSquaredError', 'meanAbsoluteError'] }));
  const x = Float32Array.from([0.9, 0.2, 0.4, 0.7, 0.6, 0.8]);
  const y = Float32Array.from([1, 0, 1, 0, 0, 1]);
  const r = await model.evaluateStep({ x, y, batch: 3 });
  // binary: [1,1], [0,1]->(0==1? no, 1==0? no) 0, [1,1]->(1==0 no, 1==1 yes) .5 -> mean (1 + 0 + .5) / 3
  t.true(Math.abs(r.metrics[0] - 0.5) < 1e-7);
  t.true(Math.abs(r.metrics[1] - 2 / 3) < 1e-7);
  const se = [0.01 + 0.04, 0.36 + 0.49, 0.36 + 0.04].map((v) => v / 2);
  const ae = [0.1 + 0.2, 0.6 + 0.7, 0.6 + 0.2].map((v) => v / 2);
  t.true(Math.abs(r.metrics[2] - (se[0] + se[1] + se[2]) / 3) < 1e-6);
  t.true(Math.abs(r.metrics[3] - (ae[0] + ae[1] + ae[2]) / 3) < 1e-6);
  t.true(Math.abs(r.loss - r.metrics[2]) < 1e-6);
  t.is(r.count, 3);
});
