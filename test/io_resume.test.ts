// Resuming: training stopped, saved, loaded and resumed gives bit for bit the weights of an
// uninterrupted run (Adam, dropout, shuffling), whether it stops at an epoch's end or in
// mid-epoch; modelCheckpoint; the native optimizer state's checks.
import test from 'ava';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbacks, layers as L, loadModel, optimizers, sequential, Sequential, Tensor } from '../lib/index';
import type { NativeModel } from '../lib/graph_spec';

const root = mkdtempSync(join(tmpdir(), 'recurrent-resume-'));

function data(n: number, T: number, F: number): { x: Tensor; y: Tensor } {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const x = Float32Array.from({ length: n * T * F }, rnd);
  const y = Float32Array.from({ length: n }, (_, i) => (x[i * T * F] > 0 ? 1 : 0));
  return { x: new Tensor(x, [n, T, F]), y: new Tensor(y, [n, 1]) };
}

function build(seed = 21): Sequential {
  const model = sequential(
    [
      L.lstm({ units: 6, returnSequences: true, dropout: 0.2, recurrentDropout: 0.1, inputShape: [7, 3] }),
      L.dropout({ rate: 0.3 }),
      L.gru({ units: 4 }),
      L.dense({ units: 1, activation: 'sigmoid' }),
    ],
    { seed },
  );
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

function weightBytes(m: Sequential): Buffer {
  return Buffer.concat(m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)));
}

const { x, y } = data(40, 7, 3);
const fitConfig = { batchSize: 8, verbose: 0 as const };

test('N epochs straight equal N/2, save, load, resume N/2 (Adam, dropout, shuffle), bitwise', async (t) => {
  const straight = build();
  await straight.fit(x, y, { epochs: 4, ...fitConfig });

  const first = build();
  await first.fit(x, y, { epochs: 2, ...fitConfig });
  const dir = join(root, 'half');
  await first.save(dir);
  const resumed = (await loadModel(dir)) as Sequential;
  const history = await resumed.fit(x, y, { epochs: 4, resumeFrom: dir, ...fitConfig });
  t.deepEqual(history.epoch, [2, 3]);
  t.true(weightBytes(resumed).equals(weightBytes(straight)));
  t.not(weightBytes(first).compare(weightBytes(straight)), 0, 'the half run differs (the test is not vacuous)');

  // A fresh model of the same architecture (another seed even) resumes the same way.
  const fresh = build(999);
  await fresh.fit(x, y, { epochs: 4, resumeFrom: dir, ...fitConfig });
  t.is(fresh.seed, 21);
  t.true(weightBytes(fresh).equals(weightBytes(straight)));
});

test('modelCheckpoint every 3 batches: resuming in mid-epoch is bitwise too', async (t) => {
  const straight = build();
  await straight.fit(x, y, { epochs: 3, ...fitConfig });

  const stopAt = 7; // 5 batches per epoch: stop in epoch 1 after its 2nd batch
  let batches = 0;
  const first = build();
  const ac = new AbortController();
  const dir = join(root, 'batches');
  await first.fit(x, y, {
    epochs: 3,
    ...fitConfig,
    signal: ac.signal,
    callbacks: [callbacks.modelCheckpoint({ filepath: dir, saveFreq: 3 }), { onBatchEnd: () => void (++batches === stopAt && ac.abort()) }],
  });
  const resumed = (await loadModel(dir)) as Sequential;
  await resumed.fit(x, y, { epochs: 3, resumeFrom: dir, ...fitConfig });
  t.true(weightBytes(resumed).equals(weightBytes(straight)));
});

test('modelCheckpoint: {epoch} in the path, saveBestOnly with mode', async (t) => {
  const model = build();
  const dir = join(root, 'epochs');
  const best = join(root, 'best');
  await model.fit(x, y, {
    epochs: 3,
    ...fitConfig,
    validationData: [x, y],
    callbacks: [callbacks.modelCheckpoint({ filepath: join(dir, 'e{epoch:02d}') }), callbacks.modelCheckpoint({ filepath: best, monitor: 'val_loss', saveBestOnly: true, mode: 'min' })],
  });
  t.deepEqual(readdirSync(dir).sort(), ['e01', 'e02', 'e03']);
  const loaded = (await loadModel(join(dir, 'e03')) as Sequential);
  t.true(weightBytes(loaded).equals(weightBytes(model)));
  t.truthy((await loadModel(best)) as Sequential);
  t.throws(() => callbacks.modelCheckpoint({ filepath: dir, saveFreq: 0 }), { message: /saveFreq/ });
});

test('resumeFrom refuses a different architecture, a finished run and a file without training state', async (t) => {
  const model = build();
  await model.fit(x, y, { epochs: 2, ...fitConfig });
  const dir = join(root, 'refuse');
  await model.save(dir);
  const other = sequential([L.lstm({ units: 5, inputShape: [7, 3] }), L.dense({ units: 1, activation: 'sigmoid' })]);
  other.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await t.throwsAsync(other.fit(x, y, { epochs: 3, resumeFrom: dir, verbose: 0 }), { message: /layers differ/ });
  await t.throwsAsync(build().fit(x, y, { epochs: 2, resumeFrom: dir, verbose: 0 }), { message: /finished 2 epochs/ });
  const plain = join(root, 'plain');
  await model.save(plain, { includeOptimizer: false });
  await t.throwsAsync(build().fit(x, y, { epochs: 3, resumeFrom: plain, verbose: 0 }), { message: /no training state/ });
});

test('native setOptimizerState checks counts, lengths and values', async (t) => {
  const model = build();
  await model.fit(x, y, { epochs: 1, ...fitConfig });
  // The native model behind the public API (its runtime's current copy).
  const native = (model as unknown as { runtime: { current(): NativeModel } }).runtime.current();
  const state = native.getOptimizerState!();
  t.is(state.step, 5);
  t.is(state.iterations, 5);
  t.is(state.slots.length, 2 * model.getWeights().length);
  t.throws(() => native.setOptimizerState!({ ...state, slots: state.slots.slice(1) }), { message: /has 16 slots \(2 per weight\), received 15/ });
  const short = state.slots.map((s) => s.slice());
  short[3] = new Float32Array(2);
  t.throws(() => native.setOptimizerState!({ ...state, slots: short }), { message: /slot 1 of weight 1 .*expected \d+ values, received 2/ });
  const nan = state.slots.map((s) => s.slice());
  nan[0][0] = NaN;
  t.throws(() => native.setOptimizerState!({ ...state, slots: nan }), { message: /not finite/ });
  t.throws(() => native.setOptimizerState!({ ...state, step: -1 }), { message: /step/ });
  native.setOptimizerState!(state);
  t.deepEqual(native.getOptimizerState!(), state);
});
