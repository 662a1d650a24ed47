// The native model (native/graph, lib/graph_spec.ts) on chain graphs, as a Sequential model
// builds them: gradients against finite differences of the evaluated loss, optimizers and
// clipping against Keras' update rules computed here in double precision, masking, input
// errors, predict against a hand-written forward, concurrency and weight round trips.
import test from 'ava';

import type { GraphSpec, NativeModel, OptimizerSpec, StepArgs } from '../lib/graph_spec';
import {
  bidirectional, build, chain, compileSpec, dense, embedding, floatInput, gradientCheck, input, lossSpec, newModel,
  optimizer, rnn, step, target, tokenInput,
} from './support/graph_specs';
import { Rng } from './support/random';

test('gradient check: Embedding(maskZero) -> GRU -> Dense(sigmoid), binaryCrossentropy, sample weights, l2', async (t) => {
  const spec = chain(tokenInput('x', 5), [
    embedding('emb', 7, 4, true),
    rnn('gru', 'gru', 5),
    dense('out', 1, 'sigmoid', { kernelRegularizer: { l1: 0, l2: 0.01 } }),
  ], 1);
  const model = build(spec, 11);
  model.compile(compileSpec([lossSpec('binaryCrossentropy')]));
  const x = Int32Array.from([3, 1, 4, 0, 0, /**/ 0, 0, 6, 2, 5, /**/ 2, 2, 1, 3, 6]);
  const y = Float32Array.from([1, 0, 1]);
  await gradientCheck(t, model, step(3, input(x, [5]), target(y, Float32Array.from([1, 0.5, 2]))));
});

test('gradient check: Masking -> LSTM(returnSequences) -> Dense(softmax) time-distributed, sparse CE', async (t) => {
  const T = 4, F = 3, B = 3;
  const spec = chain(floatInput('x', [T, F]), [
    { kind: 'masking', name: 'mask', maskValue: 0 },
    rnn('lstm', 'lstm', 4, { returnSequences: true }),
    dense('probs', 5, 'softmax'),
  ], 2);
  const model = build(spec, 12);
  model.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy')]));
  const x = new Rng(5).f32(B * T * F);
  for (const [b, s] of [[0, 3], [1, 0], [2, 2]]) x.fill(0, (b * T + s) * F, (b * T + s + 1) * F);
  const y = Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
  await gradientCheck(t, model, step(B, input(x, [T, F]), target(y)));
});

for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
  test(`gradient check: Bidirectional(LSTM) merge ${mergeMode}, masked sequences -> Dense, meanSquaredError`, async (t) => {
    const T = 4, F = 2, B = 2;
    const spec = chain(floatInput('x', [T, F]), [
      { kind: 'masking', name: 'mask', maskValue: 0 },
      bidirectional('bi', rnn('lstm', 'lstm', 3, { returnSequences: true }), mergeMode),
      dense('out', 2, 'tanh'),
    ], 3);
    const model = build(spec, 13);
    model.compile(compileSpec([lossSpec('meanSquaredError')]));
    const x = new Rng(6).f32(B * T * F);
    x.fill(0, (1 * T + 3) * F, (1 * T + 4) * F);
    const y = new Rng(7).f32(B * T * 2);
    await gradientCheck(t, model, step(B, input(x, [T, F]), target(y)));
  });
}

test('gradient check: Bidirectional(GRU) last state, concat -> Dense, meanAbsoluteError', async (t) => {
  const spec = chain(floatInput('x', [3, 2]), [bidirectional('bi', rnn('gru', 'gru', 3), 'concat'), dense('out', 2, 'linear')], 3);
  const model = build(spec, 14);
  model.compile(compileSpec([lossSpec('meanAbsoluteError')]));
  await gradientCheck(t, model, step(3, input(new Rng(8).f32(3 * 3 * 2), [3, 2]), target(new Rng(9).f32(3 * 2, 2, 3))));
});

test('gradient check: SimpleRNN -> Dense, meanSquaredError with regularizers', async (t) => {
  const spec = chain(floatInput('x', [5, 3]), [
    rnn('rnn', 'simpleRnn', 4, { kernelRegularizer: { l1: 0.01, l2: 0.02 }, biasRegularizer: { l1: 0, l2: 0.05 } }),
    dense('out', 2, 'linear'),
  ], 4);
  const model = build(spec, 15);
  model.compile(compileSpec([lossSpec('meanSquaredError')]));
  await gradientCheck(t, model, step(4, input(new Rng(10).f32(4 * 5 * 3), [5, 3]), target(new Rng(11).f32(4 * 2))));
});

test('gradient check: GRU(resetAfter false) -> Dense(softmax), categoricalCrossentropy (fused softmax)', async (t) => {
  const spec = chain(floatInput('x', [4, 2]), [rnn('gru', 'gru', 4, { resetAfter: false }), dense('probs', 3, 'softmax')], 5);
  const model = build(spec, 16);
  model.compile(compileSpec([lossSpec('categoricalCrossentropy')]));
  const y = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0]);
  await gradientCheck(t, model, step(3, input(new Rng(12).f32(3 * 4 * 2), [4, 2]), target(y)));
});

test('gradient check: logits losses (binary and sparse categorical)', async (t) => {
  const spec = chain(floatInput('x', [3, 2]), [rnn('lstm', 'lstm', 3), dense('logits', 4, 'linear')], 6);
  const model = build(spec, 17);
  const x = input(new Rng(13).f32(2 * 3 * 2), [3, 2]);
  model.compile(compileSpec([lossSpec('binaryCrossentropy', { fromLogits: true })]));
  await gradientCheck(t, model, step(2, x, target(Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0]))));
  model.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy', { fromLogits: true })]));
  await gradientCheck(t, model, step(2, x, target(Int32Array.from([3, 1]))));
});

test('trainStep is computeGradients then applyGradients: SGD with learning rate 1 moves each weight by -gradient', async (t) => {
  const spec = chain(floatInput('x', [3, 2]), [rnn('lstm', 'lstm', 3), dense('out', 2)], 6);
  const args = step(2, input(new Rng(13).f32(12), [3, 2]), target(new Rng(14).f32(4)));
  const a = build(spec, 17);
  const b = build(spec, 17);
  for (const m of [a, b]) m.compile(compileSpec([lossSpec('meanSquaredError')]));
  const before = a.getWeights();
  const ra = await a.trainStep(args);
  const rb = await b.computeGradients(args);
  t.deepEqual(b.getWeights(), before, 'computeGradients changes no weight');
  const grads = b.getGradients();
  await b.applyGradients({});
  t.deepEqual(ra, rb);
  t.deepEqual(a.getWeights(), b.getWeights());
  a.getWeights().forEach((w, i) => w.forEach((v, j) => t.true(Math.abs(v - (before[i][j] - grads[i][j])) < 1e-6)));
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

const tinySpec: GraphSpec = chain(floatInput('x', [3]), [dense('d', 1, 'linear')]);
const tinyX = [[0.5, -1, 2], [1.5, 0.25, -0.5], [-1, 1, 1], [0.2, 0.3, -2]];
const tinyY = [1, -2, 0.5, 3];
const tinyArgs = (extra: Partial<StepArgs> = {}): StepArgs =>
  step(4, input(Float32Array.from(tinyX.flat()), [3]), target(Float32Array.from(tinyY)), extra);

function tinyModel(opt: OptimizerSpec): { model: NativeModel; p: Tiny } {
  const model = newModel(tinySpec);
  const p: Tiny = { w: [0.3, -0.2, 0.1], b: 0.05 };
  model.setWeights([Float32Array.from(p.w), Float32Array.from([p.b])]);
  model.compile(compileSpec([lossSpec('meanSquaredError')], opt));
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
  for (const backend of ['cpu', 'reference'] as const) {
    test(`optimizer ${name} follows Keras' update over several steps (${backend} backend)`, async (t) => {
      const model = newModel(tinySpec, { backend });
      const p: Tiny = { w: [0.3, -0.2, 0.1], b: 0.05 };
      model.setWeights([Float32Array.from(p.w), Float32Array.from([p.b])]);
      model.compile(compileSpec([lossSpec('meanSquaredError')], opt));
      const sw: Record<string, number[]> = {};
      const sb: Record<string, number[]> = {};
      for (let s = 1; s <= 4; s++) {
        await model.trainStep(tinyArgs());
        const { gw, gb } = tinyGrad(p, tinyX, tinyY);
        const dw = rule(gw, sw, s);
        const db = rule([gb], sb, s);
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
}

test('the per-step learningRate overrides the compiled one; applyGradients takes one too', async (t) => {
  const { model, p } = tinyModel(optimizer('sgd', 0.1));
  await model.trainStep(tinyArgs({ learningRate: 0.5 }));
  const { gw } = tinyGrad(p, tinyX, tinyY);
  const [w] = model.getWeights();
  for (let i = 0; i < 3; i++) t.true(Math.abs(w[i] - (p.w[i] - 0.5 * gw[i])) < 1e-6);
  const other = tinyModel(optimizer('sgd', 0.1));
  await other.model.computeGradients(tinyArgs());
  await other.model.applyGradients({ learningRate: 0.5 });
  t.deepEqual(other.model.getWeights(), model.getWeights());
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
    await model.computeGradients(tinyArgs());
    const raw = model.getGradients().flatMap((a) => Array.from(a));
    for (let i = 0; i < 4; i++) t.true(Math.abs(raw[i] - g[i]) < 1e-5, 'computeGradients leaves the gradients unclipped');
    await model.applyGradients({});
    const [w, b] = model.getWeights();
    const update = [...w.map((v, i) => v - [0.3, -0.2, 0.1][i]), b[0] - 0.05];
    for (let i = 0; i < 4; i++) t.true(Math.abs(update[i] + clipped[i]) < 1e-5, `${JSON.stringify(clip)} ${i}: ${update[i]} vs ${-clipped[i]}`);
  }
  t.throws(() => tinyModel(optimizer('sgd', 1, { clipvalue: 1, clipnorm: 1 })), { message: /only one of/ });
});

test('setGradients replaces the gradients the update uses', async (t) => {
  const { model } = tinyModel(optimizer('sgd', 1));
  await model.computeGradients(tinyArgs());
  model.setGradients([Float32Array.from([1, 2, 3]), Float32Array.from([-1])]);
  await model.applyGradients({});
  t.deepEqual(Array.from(model.getWeights()[0]), Array.from(Float32Array.from([0.3 - 1, -0.2 - 2, 0.1 - 3])));
  t.deepEqual(Array.from(model.getWeights()[1]), [Math.fround(0.05 + 1)]);
  t.throws(() => model.setGradients([new Float32Array(3)]), { instanceOf: RangeError, message: /setGradients: the model has 2 weights, received 1/ });
  t.throws(() => model.setGradients([new Float32Array(2), new Float32Array(1)]), { message: /setGradients: weight 0 \('d\/kernel' of layer 'd'\): expected shape \[3, 1\]/ });
});

test('masked steps count in neither loss nor metrics', async (t) => {
  const spec = chain(tokenInput('x', 4), [
    embedding('emb', 6, 3, true),
    rnn('lstm', 'lstm', 3, { returnSequences: true }),
    dense('probs', 4, 'softmax'),
  ], 7);
  const model = build(spec, 18);
  model.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy', { metrics: ['sparseCategoricalAccuracy'] })]));
  const x = input(Int32Array.from([1, 2, 0, 0, 3, 4, 5, 0]), [4]);
  const a = await model.evaluateStep(step(2, x, target(Int32Array.from([0, 1, 2, 3, 1, 2, 3, 0]))));
  const b = await model.evaluateStep(step(2, x, target(Int32Array.from([0, 1, 0, 0, 1, 2, 3, 3]))));
  t.is(a.count, 5);
  t.is(a.outputs[0]?.count, 5);
  t.is(a.loss, b.loss);
  t.deepEqual(a.outputs[0]?.metrics, b.outputs[0]?.metrics);
  // The loss is the mean over the 5 unmasked steps of -log p(label).
  const [p] = await model.predict(step(2, x));
  t.deepEqual(p.shape, [4, 4]);
  const labels = [0, 1, 2, 3, 1, 2, 3, 0];
  let sum = 0;
  for (const s of [0, 1, 4, 5, 6]) sum -= Math.log(p.data[s * 4 + labels[s]]);
  t.true(Math.abs(a.loss - sum / 5) < 1e-5, `${a.loss} vs ${sum / 5}`);
});

test('out-of-range token ids and sparse labels reject with clear errors', async (t) => {
  const spec = chain(tokenInput('x', 3), [embedding('tokens', 5, 2), rnn('gru', 'gru', 2), dense('probs', 3, 'softmax')], 8);
  const model = build(spec, 19);
  model.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy')]));
  const y = target(Int32Array.from([0, 2]));
  await t.throwsAsync(model.trainStep(step(2, input(Int32Array.from([1, 2, 3, 4, 5, 1]), [3]), y)),
    { instanceOf: RangeError, message: /layer 'tokens': token id 5 at inputs\[0\] \('x'\)\[1, 1\] is outside \[0, 5\)/ });
  await t.throwsAsync(model.predict(step(2, input(Int32Array.from([1, -1, 3, 4, 0, 1]), [3]))), { message: /token id -1 at inputs\[0\] \('x'\)\[0, 1\]/ });
  await t.throwsAsync(model.evaluateStep(step(2, input(Int32Array.from([1, 2, 3, 4, 0, 1]), [3]), target(Int32Array.from([0, 3])))),
    { instanceOf: RangeError, message: /targets\[0\]: sparseCategoricalCrossentropy: class id 3 at \[1\] is outside \[0, 3\)/ });
  await t.throwsAsync(model.trainStep(step(2, input(Int32Array.from([1, 2, 3]), [3]), y)),
    { instanceOf: RangeError, message: /inputs\[0\] \('x'\): 'data' must be an Int32Array of shape \[2, 3\] \(6 elements\), received 3 elements/ });
  await t.throwsAsync(model.trainStep(step(2, input(new Float32Array(6), [3]), y)), { instanceOf: TypeError, message: /'data' must be an Int32Array of shape \[2, 3\], received a Float32Array\(6\)/ });
  await t.throwsAsync(model.trainStep(step(2, input(Int32Array.from([1, 2, 3, 4, 0, 1]), [3]), target(new Float32Array(2)))),
    { message: /targets\[0\]: 'data' must be an Int32Array of class ids of shape \[2\]/ });
  // The model still works after the errors.
  const r = await model.trainStep(step(2, input(Int32Array.from([1, 2, 3, 4, 0, 1]), [3]), y));
  t.true(Number.isFinite(r.loss));
});

test('invalid specs are errors: dropout rates, shapes, kinds', (t) => {
  t.throws(() => newModel(chain(floatInput('x', [3, 2]), [rnn('r', 'lstm', 2, { recurrentDropout: 1 })])),
    { instanceOf: RangeError, message: /layer 'r': 'recurrentDropout' must be a number in \[0, 1\), received 1/ });
  t.throws(() => newModel(chain(floatInput('x', [2]), [rnn('r', 'lstm', 2)])),
    { instanceOf: RangeError, message: /layer 'r' needs input of shape \[steps, features\] with a known feature size, received \[2\]/ });
  t.throws(() => newModel(chain(tokenInput('x', 3), [dense('d', 2, 'linear')])),
    { message: /nodes\[0\] \(layer 'd', dense\): input 0 is the int32 input 'x'; token ids are read by embedding layers only/ });
  t.throws(() => newModel(chain(floatInput('x', [3]), [{ kind: 'conv', name: 'c' } as never])), { instanceOf: RangeError, message: /'kind' must be one of .*received 'conv'/ });
  t.throws(() => new (newModel as unknown as new (x: unknown) => NativeModel)(42), { message: /GraphSpec/ });
});

test('predict equals the layers run by hand: SimpleRNN -> Dense(sigmoid)', async (t) => {
  const model = newModel(chain(floatInput('x', [3, 2]), [rnn('rnn', 'simpleRnn', 2), dense('out', 1, 'sigmoid')]));
  const W = [0.5, -0.3, 0.2, 0.8]; // [2, 2]
  const U = [0.1, 0.4, -0.6, 0.3]; // [2, 2]
  const bh = [0.05, -0.1];
  const V = [0.7, -1.2];
  const c = 0.3;
  model.setWeights([W, U, bh, V, [c]].map((a) => Float32Array.from(a)));
  const x = [0.1, 0.2, -0.5, 0.4, 1.0, -1.0, /**/ 0.3, 0.3, 0.0, 0.9, -0.2, 0.6];
  const [out] = await model.predict(step(2, input(Float32Array.from(x), [3, 2])));
  t.deepEqual(model.outputShapes(), [[1]]);
  t.deepEqual(out.shape, [1]);
  for (let b = 0; b < 2; b++) {
    let h = [0, 0];
    for (let s = 0; s < 3; s++) {
      const xt = x.slice((b * 3 + s) * 2, (b * 3 + s) * 2 + 2);
      h = [0, 1].map((j) => Math.tanh(xt[0] * W[j] + xt[1] * W[2 + j] + h[0] * U[j] + h[1] * U[2 + j] + bh[j]));
    }
    const expected = 1 / (1 + Math.exp(-(h[0] * V[0] + h[1] * V[1] + c)));
    t.true(Math.abs(out.data[b] - expected) < 1e-6, `${out.data[b]} vs ${expected}`);
  }
});

function dropoutSpec(): GraphSpec {
  return chain(floatInput('x', [6, 3]), [
    rnn('lstm', 'lstm', 8, { returnSequences: true, dropout: 0.2 }),
    { kind: 'dropout', name: 'drop', rate: 0.3 },
    rnn('gru', 'gru', 4),
    dense('out', 2, 'linear'),
  ], 42);
}

function dropoutArgs(i: number): StepArgs {
  const rng = new Rng(100 + i);
  return step(8, input(rng.f32(8 * 6 * 3), [6, 3]), target(rng.f32(8 * 2)));
}

async function trainSome(model: NativeModel, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await model.trainStep(dropoutArgs(i))).loss);
  return losses;
}

test('two models training at once finish with the same results as alone; results are reproducible', async (t) => {
  const make = () => {
    const m = build(dropoutSpec(), 20);
    m.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.01)));
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
  sequential.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('sgd', 0.05)));
  const expected = await trainSome(sequential, 3);
  const model = build(dropoutSpec(), 21);
  model.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('sgd', 0.05)));
  const pending = [0, 1, 2].map((i) => model.trainStep(dropoutArgs(i)));
  t.throws(() => model.getWeights(), { message: /still running/ });
  t.throws(() => model.dispose(), { message: /dispose: a step of this model is still running/ });
  const results = await Promise.all(pending);
  t.deepEqual(results.map((r) => r.loss), expected);
  t.deepEqual(model.getWeights(), sequential.getWeights());
});

test('dropout is on in training only', async (t) => {
  const model = build(dropoutSpec(), 22);
  model.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('sgd', 0)));
  const args = dropoutArgs(1);
  const e1 = await model.evaluateStep(args);
  const e2 = await model.evaluateStep(args);
  t.is(e1.loss, e2.loss);
  const t1 = await model.trainStep(args);
  const t2 = await model.trainStep(args);
  t.not(t1.loss, e1.loss);
  t.not(t1.loss, t2.loss, 'a new mask every step');
  const c1 = await model.computeGradients(args);
  const c2 = await model.computeGradients(args);
  t.is(c1.loss, c2.loss, 'computeGradients does not advance the step: the same masks');
});

test('stateful layers carry their states until resetStates', async (t) => {
  const spec = chain(floatInput('x', [3, 2]), [rnn('lstm', 'lstm', 3, { stateful: true }), dense('out', 1, 'linear')]);
  const model = build(spec, 23);
  const x = input(new Rng(2).f32(2 * 3 * 2), [3, 2]);
  const [p1] = await model.predict(step(2, x));
  const [p2] = await model.predict(step(2, x));
  t.notDeepEqual(p1.data, p2.data);
  model.resetStates();
  t.deepEqual((await model.predict(step(2, x)))[0].data, p1.data);
  await t.throwsAsync(model.predict(step(3, input(new Rng(2).f32(3 * 3 * 2), [3, 2]))),
    { instanceOf: RangeError, message: /layer 'lstm' is stateful and was run with batch 2; every batch must have that size \(received 3\)/ });
});

test('getWeights/setWeights round-trip, Keras shapes, validation', (t) => {
  const spec = chain(tokenInput('x', 4), [
    embedding('emb', 10, 3, true),
    bidirectional('bi', rnn('gru', 'gru', 2), 'concat'),
    dense('out', 5, 'softmax', { useBias: false }),
  ]);
  const model = newModel(spec);
  t.deepEqual(model.outputShapes(), [[5]]);
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
  t.throws(() => model.setWeights(bad), { message: /'bi\/forward_gru\/bias' of layer 'bi'.*expected shape \[2, 6\].*received 5/ });
  bad[3] = new Float64Array(12) as unknown as Float32Array;
  t.throws(() => model.setWeights(bad), { instanceOf: TypeError, message: /must be a Float32Array, received a Float64Array\(12\)/ });
  t.deepEqual(model.getWeights(), ws, 'a failed setWeights changes nothing');
});

test('trainable=false layers get no update and no gradient', async (t) => {
  const spec = chain(floatInput('x', [3, 2]), [rnn('frozen', 'lstm', 3, { trainable: false }), dense('out', 1, 'linear')]);
  const model = build(spec, 24);
  model.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.1)));
  const before = model.getWeights();
  await model.trainStep(step(2, input(new Rng(4).f32(2 * 3 * 2), [3, 2]), target(Float32Array.from([1, -1]))));
  const after = model.getWeights();
  for (let i = 0; i < 3; i++) t.deepEqual(after[i], before[i]);
  t.notDeepEqual(after[3], before[3]);
  const grads = model.getGradients();
  for (let i = 0; i < 3; i++) t.true(grads[i].every((v) => v === 0), 'a frozen weight has a zero gradient');
  const state = model.getOptimizerState();
  t.deepEqual(state.slots.map((s) => s.length), [0, 0, 0, 0, 0, 0, 3, 3, 1, 1], 'frozen weights have no optimizer slots');
});

test('metrics: accuracies and errors as batch means', async (t) => {
  const model = newModel(chain(floatInput('x', [2]), [dense('d', 2, 'linear', { useBias: false })]));
  model.setWeights([Float32Array.from([1, 0, 0, 1])]); // identity: output = x
  model.compile(compileSpec([lossSpec('meanSquaredError', { metrics: ['binaryAccuracy', 'categoricalAccuracy', 'meanSquaredError', 'meanAbsoluteError'] })]));
  const x = Float32Array.from([0.9, 0.2, 0.4, 0.7, 0.6, 0.8]);
  const y = Float32Array.from([1, 0, 1, 0, 0, 1]);
  const r = await model.evaluateStep(step(3, input(x, [2]), target(y)));
  const m = r.outputs[0]?.metrics ?? [];
  // binary: [1,1], [0,1]->(0==1? no, 1==0? no) 0, [1,1]->(1==0 no, 1==1 yes) .5 -> mean (1 + 0 + .5) / 3
  t.true(Math.abs(m[0] - 0.5) < 1e-7);
  t.true(Math.abs(m[1] - 2 / 3) < 1e-7);
  const se = [0.01 + 0.04, 0.36 + 0.49, 0.36 + 0.04].map((v) => v / 2);
  const ae = [0.1 + 0.2, 0.6 + 0.7, 0.6 + 0.2].map((v) => v / 2);
  t.true(Math.abs(m[2] - (se[0] + se[1] + se[2]) / 3) < 1e-6);
  t.true(Math.abs(m[3] - (ae[0] + ae[1] + ae[2]) / 3) < 1e-6);
  t.true(Math.abs(r.loss - m[2]) < 1e-6);
  t.is(r.count, 3);
});

test('dispose frees the native memory; every later call fails', async (t) => {
  const model = build(dropoutSpec(), 25);
  model.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.01)));
  await model.trainStep(dropoutArgs(0));
  t.true(model.memory().bytes > 0);
  model.dispose();
  t.throws(() => model.memory(), { message: /memory: the model was disposed/ });
  t.throws(() => model.getWeights(), { message: /getWeights: the model was disposed/ });
  t.throws(() => model.dispose(), { message: /dispose: the model was disposed/ });
  await t.throwsAsync(model.trainStep(dropoutArgs(0)), { message: /trainStep: the model was disposed/ });
  await t.throwsAsync(model.predict(step(8, dropoutArgs(0).inputs[0])), { message: /predict: the model was disposed/ });
});
