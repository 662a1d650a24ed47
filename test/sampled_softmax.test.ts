// Sampled softmax (losses.sampledSoftmax; native/kernels/loss/sampled_softmax.h) against
// values recorded with PyTorch following TensorFlow's sampled_softmax_loss and its
// log-uniform sampler (test/fixtures/make_sampled_softmax_fixtures.py): the loss and the
// gradient of every weight of x -> Dense(tanh) -> Dense(V), on the CPU and the reference
// backends, within 1e-5, with and without masks, biases, accidental hits and rejected
// draws. Then: a new sample every step, evaluation on the full softmax, training that
// lowers the full loss, save and load, and the errors.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NativeModel, StepArgs } from '../lib/graph_spec';
import { layers, loadModel, losses, model, input as symbolicInput, optimizers, sequential, tensor } from '../lib/index';
import { compileSpec, dense, floatInput, GraphBuilder, input, lossSpec, newModel, optimizer, target } from './support/graph_specs';
import { asFloat32, CaseFixture, caseFixtures, recorded } from './support/case_fixtures';

interface Case {
  V: number;
  S: number;
  removeAccidentalHits: boolean;
  fromLogits: boolean;
  bias: boolean;
  seed: number;
}

type Fixture = CaseFixture<Case>;

const fixtures = () => caseFixtures<Case>('sampled_softmax');

const get = (f: Fixture, name: string) => recorded(f, name);

const f32 = asFloat32;
const weightNames = (f: Fixture) => ['W1', 'b1', 'W2', ...(f.c.bias ? ['b2'] : [])];

function fixtureModel(f: Fixture, backend: 'cpu' | 'reference'): NativeModel {
  const x = get(f, 'x');
  const g = new GraphBuilder([floatInput('x', x.shape.slice(1))], f.c.seed);
  const [h] = g.apply(dense('hidden', get(f, 'W1').shape[1], 'tanh'), [0]);
  const [out] = g.apply(dense('out', f.c.V, f.c.fromLogits ? 'linear' : 'softmax', { useBias: f.c.bias }), [h]);
  const m = newModel(g.output(out).build(), { backend });
  m.setWeights(weightNames(f).map((n) => f32(get(f, n))));
  const sampled = { numSampled: f.c.S, removeAccidentalHits: f.c.removeAccidentalHits };
  m.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy', { fromLogits: f.c.fromLogits, sampledSoftmax: sampled })]));
  return m;
}

function fixtureArgs(f: Fixture): StepArgs {
  const x = get(f, 'x');
  const mask = f.t.has('mask') ? Uint8Array.from(get(f, 'mask').data as ArrayLike<number>) : undefined;
  return { batch: x.shape[0], inputs: [input(f32(x), x.shape.slice(1), mask)], targets: [target(Int32Array.from(get(f, 'labels').data as ArrayLike<number>))] };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const f of fixtures()) {
  for (const backend of ['cpu', 'reference'] as const) {
    test(`${f.name} (${backend}): the sampled loss and every gradient match the recorded values`, async (t) => {
      const m = fixtureModel(f, backend);
      const r = await m.computeGradients(fixtureArgs(f));
      const dLoss = Math.abs(r.loss - (get(f, 'loss').data as Float64Array)[0]);
      const grads = m.getGradients();
      const dGrad = Math.max(...weightNames(f).map((n, i) => maxDiff(grads[i], get(f, `grad.${n}`).data as Float64Array)));
      t.log(`loss ${r.loss.toFixed(6)} (S ${f.c.S} of V ${f.c.V}, ${(get(f, 'draws').data as Int32Array)[0]} draws); max |difference|: loss ${dLoss.toExponential(1)}, gradients ${dGrad.toExponential(1)}`);
      t.true(dLoss < 1e-5, `loss ${dLoss}`);
      t.true(dGrad < 1e-5, `gradients ${dGrad}`);
      // Only the sampled and the target classes' columns of the output kernel get a gradient.
      const touched = new Set([...(get(f, 'sampled').data as Int32Array), ...(get(f, 'labels').data as Int32Array)]);
      const W2 = grads[2];
      const H = get(f, 'W2').shape[0];
      let outside = 0;
      for (let c = 0; c < f.c.V; c++) if (!touched.has(c)) for (let k = 0; k < H; k++) outside = Math.max(outside, Math.abs(W2[k * f.c.V + c]));
      t.is(outside, 0);
      m.dispose();
    });
  }
}

test('every step draws a new sample; evaluation scores the full softmax', async (t) => {
  const f = fixtures()[0];
  const m = fixtureModel(f, 'cpu');
  const args = fixtureArgs(f);
  const first = (await m.computeGradients(args)).loss;
  t.is((await m.computeGradients(args)).loss, first, 'the same step draws the same sample');
  await m.applyGradients({ learningRate: 0 }); // the weights stay, the step counter moves on
  const second = (await m.computeGradients(args)).loss;
  t.not(second, first);
  // The same weights compiled with the full loss evaluate to the same figure.
  const x = get(f, 'x');
  const g = new GraphBuilder([floatInput('x', x.shape.slice(1))], f.c.seed);
  const [h] = g.apply(dense('hidden', get(f, 'W1').shape[1], 'tanh'), [0]);
  const [out] = g.apply(dense('out', f.c.V, 'softmax'), [h]);
  const full = newModel(g.output(out).build());
  full.setWeights(m.getWeights());
  full.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy')], optimizer('sgd', 0)));
  const [a, b] = [await m.evaluateStep(args), await full.evaluateStep(args)];
  t.is(a.loss, b.loss);
  t.true(Math.abs(a.loss - first) > 1e-3, 'the sampled and the full loss differ');
});

function zipfTokens(n: number, V: number, seed: number): Int32Array {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Int32Array.from({ length: n }, () => Math.min(V - 1, Math.floor(Math.exp(next() * Math.log1p(V))) - 1));
}

test('training with sampled softmax lowers the full softmax loss; save and load keep it', async (t) => {
  const V = 400;
  const T = 8;
  const N = 192;
  const m = sequential([layers.embedding({ inputDim: V, outputDim: 16 }), layers.lstm({ units: 32, returnSequences: true }), layers.dense({ units: V, activation: 'softmax' })], { inputShape: [null], seed: 2 });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: losses.sampledSoftmax({ numSampled: 24 }) });
  // Next token = a fixed function of the current one, tokens Zipf-distributed.
  const x = zipfTokens(N * T, V, 9);
  const y = x.map((v) => (v * 7 + 3) % V);
  const X = tensor(x, [N, T]);
  const Y = tensor(y, [N, T]);
  const before = (await m.evaluate(X, Y)) as number;
  const h = await m.fit(X, Y, { epochs: 12, batchSize: 32, verbose: 0 });
  const after = (await m.evaluate(X, Y)) as number;
  t.log(`full softmax loss ${before.toFixed(3)} -> ${after.toFixed(3)} (log V = ${Math.log(V).toFixed(3)}); sampled training loss ${h.history.loss[0].toFixed(3)} -> ${h.history.loss[11].toFixed(3)}`);
  t.true(Math.abs(before - Math.log(V)) < 0.1, 'starts near uniform');
  t.true(after < before - 1, `the full loss falls (${before} -> ${after})`);
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-sampled-'));
  try {
    await m.save(dir);
    const loaded = await loadModel(dir);
    t.is(await loaded.evaluate(X, Y), after);
    // The loaded model trains with sampled softmax again, drawing what the original draws
    // next (the full loss would give another figure).
    const [a, b] = [await m.trainOnBatch(X, Y), await loaded.trainOnBatch(X, Y)];
    t.is(a.loss, b.loss);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad sampled softmax settings are named', async (t) => {
  t.throws(() => losses.sampledSoftmax({ numSampled: 0 }), { message: /sampledSoftmax: numSampled must be a positive integer, received 0/ });
  t.throws(() => losses.sampledSoftmax({ numSampled: 2.5 }), { message: /numSampled must be a positive integer, received 2.5/ });
  t.throws(() => losses.sampledSoftmax({ numSampled: 5, removeAccidentalHits: 1 as never }), { message: /removeAccidentalHits must be a boolean, received 1/ });
  t.throws(() => losses.sampledSoftmax({ numSampled: 5, num_sampled: 3 } as never), { message: /unknown option 'num_sampled'/ });
  t.throws(() => losses.sampledSoftmax({} as never), { message: /numSampled must be a positive integer, received undefined/ });

  const x = tensor(Int32Array.from([1, 2, 3, 4]), [2, 2]);
  const y = tensor(Int32Array.from([1, 2, 3, 4]), [2, 2]);
  const lm = (activation: 'softmax' | 'linear' | 'relu', units = 10) =>
    sequential([layers.embedding({ inputDim: 10, outputDim: 3 }), layers.lstm({ units: 4, returnSequences: true }), layers.dense({ units, activation })], { inputShape: [null], seed: 1 });
  t.throws(() => lm('softmax').compile({ optimizer: 'sgd', loss: losses.sampledSoftmax({ numSampled: 3 }), metrics: ['accuracy'] }), { message: /trained with sampledSoftmax, which computes no full output in training, so it takes no metrics/ });
  t.throws(() => lm('softmax').compile({ optimizer: 'sgd', loss: { name: 'categoricalCrossentropy', fromLogits: false, sampledSoftmax: { numSampled: 3, removeAccidentalHits: true } } }), { message: /sampledSoftmax trains on class ids: its loss is sparseCategoricalCrossentropy, received categoricalCrossentropy/ });
  const cases: [ReturnType<typeof lm>, Parameters<typeof losses.sampledSoftmax>[0], RegExp][] = [
    [lm('softmax'), { numSampled: 10 }, /numSampled must be less than the output's 10 classes, received 10/],
    [lm('softmax'), { numSampled: 3, fromLogits: true }, /the output is a softmax Dense: fromLogits must be false/],
    [lm('linear'), { numSampled: 3 }, /the output is a linear Dense: fromLogits must be true/],
    [lm('relu'), { numSampled: 3 }, /sampled softmax needs the output to come straight from a Dense layer \(softmax or linear activation\) that nothing else reads/],
  ];
  for (const [m, options, message] of cases) {
    m.compile({ optimizer: 'sgd', loss: losses.sampledSoftmax(options) });
    await t.throwsAsync(m.fit(x, y, { epochs: 1, verbose: 0 }), { message });
  }
  // Not a Dense at all: an LSTM's sequence as the output.
  const i = symbolicInput({ shape: [null], dtype: 'int32' });
  const seq = layers.lstm({ units: 10, returnSequences: true }).apply(layers.embedding({ inputDim: 10, outputDim: 3 }).apply(i));
  const bare = model({ inputs: i, outputs: seq });
  bare.compile({ optimizer: 'sgd', loss: losses.sampledSoftmax({ numSampled: 3, fromLogits: true }) });
  await t.throwsAsync(bare.fit(x, y, { epochs: 1, verbose: 0 }), { message: /needs the output to come straight from a Dense layer/ });
});
