// Per-batch shapes in the native graph: a model built with a free time axis trains on
// batches of 20 and then 50 steps with one optimizer state and predicts on 35; each
// batch gives the bits of a model built for exactly that length; workspaces grow to the
// largest batch and are then reused (no allocation per step in the steady state); a
// batch whose shapes disagree inside the graph is refused before it is queued.
import test from 'ava';

import type { GraphSpec, NativeModel, StepArgs } from '../lib/graph_spec';
import {
  build, chain, compileSpec, copyWeights, dense, embedding, floatInput, GraphBuilder, input, lossSpec, newModel,
  optimizer, rnn, step, target, tokenInput,
} from './support/graph_specs';
import { Rng } from './support/random';

const F = 2;

function sequenceModel(T: number | null): GraphSpec {
  return chain(floatInput('x', [T, F]), [
    { kind: 'masking', name: 'mask', maskValue: 0 },
    rnn('gru', 'gru', 8, { returnSequences: true, dropout: 0.1 }),
    rnn('lstm', 'lstm', 4),
    dense('out', 1),
  ], 7);
}

function batchOf(T: number, B: number, seed: number): StepArgs {
  const rng = new Rng(seed);
  const x = rng.f32(B * T * F);
  x.fill(0, (T - 2) * F, T * F); // the first sample's last two steps are padding
  return step(B, input(x, [T, F]), target(rng.f32(B)));
}

function compiled(spec: GraphSpec, weights?: Float32Array[]): NativeModel {
  const m = weights ? newModel(spec) : build(spec, 3);
  if (weights) m.setWeights(weights);
  m.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.01)));
  return m;
}

test('one model trains on 20 and then 50 steps with one optimizer state and predicts on 35, as models built for each length do', async (t) => {
  const free = compiled(sequenceModel(null));
  t.deepEqual(free.outputShapes(), [[1]]);
  const w0 = copyWeights(free.getWeights());
  // The same steps on models fixed to one length, handing weights and optimizer state on.
  let weights = w0;
  let state: ReturnType<NativeModel['getOptimizerState']> | undefined;
  const lengths = [20, 20, 50, 50, 20];
  for (const [k, T] of lengths.entries()) {
    const args = batchOf(T, 6, 10 + k);
    const fixed = compiled(sequenceModel(T), weights);
    if (state) fixed.setOptimizerState(state);
    const want = await fixed.trainStep(args);
    const got = await free.trainStep(args);
    t.deepEqual(got, want, `step ${k} (T = ${T}): loss and counts`);
    weights = fixed.getWeights();
    state = fixed.getOptimizerState();
    t.deepEqual(free.getWeights(), weights, `step ${k} (T = ${T}): weights`);
    t.deepEqual(free.getOptimizerState(), state, `step ${k} (T = ${T}): optimizer state and step counter`);
    fixed.dispose();
  }
  const probe = batchOf(35, 4, 99);
  const [out] = await free.predict({ batch: 4, inputs: probe.inputs });
  t.deepEqual(out.shape, [1]);
  const fixed35 = compiled(sequenceModel(35), free.getWeights());
  const [want] = await fixed35.predict({ batch: 4, inputs: probe.inputs });
  t.deepEqual(out.data, want.data, 'predict on 35 steps gives the bits of a model built for 35');
});

test('no allocation in the steady state: buffers grow to the largest batch and are reused', async (t) => {
  const m = compiled(sequenceModel(null));
  const big = batchOf(50, 8, 1);
  await m.trainStep(big);
  await m.evaluateStep(big);
  await m.predict({ batch: 8, inputs: big.inputs });
  const grown = m.memory();
  t.true(grown.bytes > 0 && grown.allocations > 0);
  for (const [T, B] of [[20, 8], [50, 8], [35, 3], [1, 1], [50, 8]]) {
    const args = batchOf(T, B, T + B);
    await m.trainStep(args);
    await m.computeGradients(args);
    await m.applyGradients({});
    await m.evaluateStep(args);
    await m.predict({ batch: B, inputs: args.inputs });
  }
  t.deepEqual(m.memory(), grown, 'smaller and equal batches allocate nothing');
  await m.trainStep(batchOf(60, 8, 5));
  t.true(m.memory().allocations > grown.allocations, 'a longer batch grows the buffers');
  m.dispose();
});

test('values passed through unchanged alias their input: Reshape, Flatten and inference Dropout add no buffer', async (t) => {
  const plain = chain(floatInput('x', [4, 3]), [dense('d', 6)]);
  const passing = chain(floatInput('x', [4, 3]), [
    dense('d', 6), { kind: 'dropout', name: 'drop', rate: 0.5 }, { kind: 'reshape', name: 'r', targetShape: [-1, 3] }, { kind: 'flatten', name: 'f' },
  ]);
  const x = input(new Rng(1).f32(5 * 12), [4, 3]);
  const [a, b] = [newModel(plain), newModel(passing)];
  b.setWeights(a.getWeights());
  const [pa] = await a.predict(step(5, x));
  const [pb] = await b.predict(step(5, x));
  t.deepEqual(pb.shape, [24]);
  t.deepEqual(pb.data, pa.data);
  t.is(b.memory().allocations, a.memory().allocations, 'the same buffers');
  t.is(b.memory().bytes, a.memory().bytes);
});

test('a token model with a free length: Embedding masks, explicit masks and per-batch lengths', async (t) => {
  const spec = chain(tokenInput('x', null), [embedding('emb', 9, 4, true), rnn('gru', 'gru', 3, { returnSequences: true }), dense('p', 9, 'softmax')], 2);
  const m = build(spec, 4);
  m.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy', { metrics: ['sparseCategoricalAccuracy'] })]));
  for (const T of [3, 7, 5]) {
    const rng = new Rng(T);
    const ids = Int32Array.from({ length: 2 * T }, () => 1 + Math.floor(rng.next() * 8));
    ids[T - 1] = 0; // padding
    const mask = new Uint8Array(2 * T).fill(1);
    mask[2 * T - 1] = 0; // an explicit mask on a real token
    const r = await m.trainStep(step(2, input(ids, [T], mask), target(Int32Array.from({ length: 2 * T }, (_, i) => i % 9))));
    t.is(r.count, 2 * T - 2, `T = ${T}: the padded and the explicitly masked steps do not count`);
    const [p] = await m.predict(step(2, input(ids, [T], mask)));
    t.deepEqual(p.shape, [T, 9]);
  }
});

test('shapes that disagree inside the graph are refused before the step is queued, naming the layer', async (t) => {
  const g = new GraphBuilder([floatInput('a', [null, 8]), floatInput('b', [null, 8])], 1);
  const [sum] = g.apply({ kind: 'add', name: 'sum' }, [0, 1]);
  const [out] = g.apply(dense('out', 1), [sum]);
  const m = newModel(g.output(out).build());
  m.compile(compileSpec([lossSpec('meanSquaredError')]));
  const args = (ta: number, tb: number): StepArgs => ({
    batch: 2,
    inputs: [input(new Float32Array(2 * ta * 8), [ta, 8]), input(new Float32Array(2 * tb * 8), [tb, 8])],
    targets: [target(new Float32Array(2 * ta))],
  });
  await t.throwsAsync(m.trainStep(args(20, 30)), {
    instanceOf: RangeError,
    message: "trainStep: layer 'sum' needs inputs of one shape, received [20, 8] and [30, 8] (inputs 0 and 1)",
  });
  const r = await m.trainStep(args(20, 20));
  t.true(Number.isFinite(r.loss), 'the model still trains');
});
