// Making, filling and reading a native model without holding the event loop: Model.create
// allocates on a worker (and compiles there), writeValues / readValues move a weight or an
// optimizer slot piece by piece, optimizerCounters / setOptimizerCounters the counters. The
// pieces give exactly what setWeights / getWeights and set/getOptimizerState give, every
// refused piece names what it refused, and a model saved and loaded through the pieces
// (weights of more than one piece) predicts and resumes training exactly.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NativeModel } from '../lib/graph_spec';
import { layers, loadModel, sequential, tensor } from '../lib/index';
import { cpu } from '../lib/native';
import { VALUES_PER_TURN } from '../lib/models/event_loop_pieces';
import { chain, compileSpec, dense, floatInput, lossSpec, newModel, optimizer, step, input, target } from './support/graph_specs';
import { Rng } from './support/random';

type Expect = { instanceOf: typeof TypeError | typeof RangeError; message: RegExp };
const type = (message: RegExp): Expect => ({ instanceOf: TypeError, message });
const range = (message: RegExp): Expect => ({ instanceOf: RangeError, message });

const spec = chain(floatInput('x', [3]), [dense('d', 2)]);
const adam = compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.1));
const Model = cpu().binding.Model;

function filled(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.next() - 0.5);
}

async function trained(m: NativeModel): Promise<void> {
  m.setWeights([filled(6, 1), filled(2, 2)]);
  await m.trainStep(step(2, input(filled(6, 3), [3]), target(filled(4, 4))));
}

test('Model.create makes the model off the main thread, compiled when asked', async (t) => {
  const made = await Model.create(spec, { backend: 'cpu' }, adam);
  const plain = newModel(spec);
  plain.compile(adam);
  await trained(made);
  await trained(plain);
  t.deepEqual(made.getWeights(), plain.getWeights());
  t.deepEqual(made.getOptimizerState(), plain.getOptimizerState());
  const uncompiled = await Model.create(spec, {}, null);
  t.throws(() => uncompiled.getOptimizerState(), type(/not compiled/));
  // What can be checked on the main thread is refused there, at once, as new Model does.
  t.throws(() => Model.create(spec, { backend: 'cuda' }, null), range(/'backend' must be one of 'cpu', 'reference', 'cuda-emulated', received 'cuda'/));
  t.throws(() => Model.create(42 as never, {}, null), type(/Model.create: expected a GraphSpec object, received 42/));
  t.throws(() => Model.create(spec, {}, { losses: [] } as never), type(/optimizer/));
});

test('writeValues and readValues in pieces give what setWeights/getWeights and the optimizer state give', async (t) => {
  const m = newModel(spec);
  m.compile(adam);
  await trained(m);
  const weights = m.getWeights();
  const state = m.getOptimizerState();
  t.deepEqual(m.slotSizes(), [6, 6, 2, 2]);
  t.deepEqual(m.optimizerCounters(), { step: state.step, iterations: state.iterations });
  // Read back in pieces of 4 and 2.
  const kernel = new Float32Array(6);
  m.readValues('weight', 0, 0, kernel.subarray(0, 4));
  m.readValues('weight', 0, 4, kernel.subarray(4));
  t.deepEqual(kernel, weights[0]);
  const slot = new Float32Array(2);
  m.readValues('slot', 3, 0, slot);
  t.deepEqual(slot, state.slots[3]);
  // Write into a fresh model in pieces: the same model.
  const copy = newModel(spec);
  copy.compile(adam);
  copy.writeValues('weight', 0, 0, weights[0].subarray(0, 5));
  copy.writeValues('weight', 0, 5, weights[0].subarray(5));
  copy.writeValues('weight', 1, 0, weights[1]);
  state.slots.forEach((s, i) => copy.writeValues('slot', i, 0, s));
  copy.setOptimizerCounters({ step: state.step, iterations: state.iterations });
  t.deepEqual(copy.getWeights(), weights);
  t.deepEqual(copy.getOptimizerState(), state);
  const next = step(2, input(filled(6, 5), [3]), target(filled(4, 6)));
  t.is((await copy.trainStep(next)).loss, (await m.trainStep(next)).loss);
  t.deepEqual(copy.getWeights(), m.getWeights());
});

test('a refused piece names what it refused and changes nothing', (t) => {
  const m = newModel(spec);
  t.throws(() => m.readValues('slot', 0, 0, new Float32Array(1)), type(/readValues: the model is not compiled/));
  t.throws(() => m.slotSizes(), type(/slotSizes: the model is not compiled/));
  t.throws(() => m.optimizerCounters(), type(/optimizerCounters: the model is not compiled/));
  m.compile(adam);
  const before = m.getWeights();
  t.throws(() => m.writeValues('bias' as never, 0, 0, new Float32Array(1)), type(/writeValues: kind must be 'weight' or 'slot', received 'bias'/));
  t.throws(() => m.writeValues('weight', 2, 0, new Float32Array(1)), range(/writeValues: the model has 2 weights, received index 2/));
  t.throws(() => m.writeValues('weight', 0, 5, new Float32Array(2)), range(/writeValues: weight 0 \('d\/kernel' of layer 'd'\): values 5 to 7 do not fit its 6 values/));
  t.throws(() => m.writeValues('weight', -1, 0, new Float32Array(1)), range(/writeValues: index must be a whole number >= 0, received -1/));
  t.throws(() => m.writeValues('weight', 0, 0.5, new Float32Array(1)), range(/writeValues: offset must be a whole number >= 0, received 0.5/));
  t.throws(() => m.writeValues('weight', 0, 0, [1] as never), type(/writeValues: values must be a Float32Array, received an array of 1/));
  t.throws(() => m.writeValues('slot', 4, 0, new Float32Array(1)), range(/writeValues: the model's optimizer has 4 slots \(2 per weight\), received index 4/));
  t.throws(() => m.writeValues('slot', 1, 2, Float32Array.of(1, NaN)), range(/writeValues: slot 1 of weight 0 \('d\/kernel' of layer 'd'\): value 3 is not finite/));
  t.throws(() => m.readValues('weight', 1, 1, new Float32Array(2)), range(/readValues: weight 1 \('d\/bias' of layer 'd'\): values 1 to 3 do not fit its 2 values/));
  t.throws(() => m.setOptimizerCounters({ step: 1 } as never), type(/setOptimizerCounters: .*'iterations'/));
  t.deepEqual(m.getWeights(), before);
  const sgd = newModel(spec);
  sgd.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('sgd', 0.1)));
  t.deepEqual(sgd.slotSizes(), [0, 0, 0, 0]);
  t.throws(() => sgd.writeValues('slot', 0, 0, new Float32Array(1)), range(/slot 0 of weight 0 .*values 0 to 1 do not fit its 0 values/));
});

test('pieces refuse while a step runs', async (t) => {
  const m = newModel(spec);
  m.compile(adam);
  const running = m.trainStep(step(2, input(filled(6, 3), [3]), target(filled(4, 4))));
  t.throws(() => m.readValues('weight', 0, 0, new Float32Array(1)), type(/readValues: a step of this model is still running; await it first/));
  t.throws(() => m.writeValues('weight', 0, 0, new Float32Array(1)), type(/writeValues: a step of this model is still running/));
  await running;
  t.notThrows(() => m.readValues('weight', 0, 0, new Float32Array(1)));
});

test('a model whose weights take several pieces saves, loads, predicts and resumes exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-pieces-'));
  try {
    const V = 40_000;
    const dim = 64;
    t.true(V * dim > 2 * VALUES_PER_TURN, 'the embedding spans several pieces');
    const make = () => sequential([layers.embedding({ inputDim: V, outputDim: dim }), layers.gru({ units: 8 }), layers.dense({ units: 1 })], { inputShape: [6], seed: 11 });
    const rng = new Rng(9);
    const xs = tensor(Int32Array.from({ length: 32 * 6 }, () => Math.floor(rng.next() * V)), [32, 6]);
    const ys = tensor(Float32Array.from({ length: 32 }, () => rng.next()), [32, 1]);
    const m = make();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
    await m.save(dir);
    const loaded = await loadModel(dir);
    const [a, b] = [(await m.predict(xs)) as ReturnType<typeof tensor>, (await loaded.predict(xs)) as ReturnType<typeof tensor>];
    t.deepEqual(Array.from(b.data), Array.from(a.data));
    const [la, lb] = [await m.trainOnBatch(xs, ys), await loaded.trainOnBatch(xs, ys)];
    t.deepEqual(lb, la);
    const wa = m.getWeights();
    const wb = loaded.getWeights();
    // Compared element by element (ava's deepEqual is slow on millions of values).
    wa.forEach((w, i) => t.is(w.data.findIndex((v, j) => !Object.is(v, wb[i].data[j])), -1, `weight ${i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
