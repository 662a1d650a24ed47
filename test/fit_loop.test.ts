// The fit loop over the NativeModel double: batching and seeded shuffling, validation,
// class weights, learning rates, callbacks, abort, History and the progress display.
import test from 'ava';
import { callbacks, layers, optimizers, sequential, Sequential } from '../lib/index';
import { ProgressLogger } from '../lib/training/progress';
import { FakeBackend, FakeScript } from './support/fake_native_model';

// x[i] = [i], y[i] = i % 2: a sample's id is its x value.
function data(n: number): { x: number[][]; y: number[] } {
  return { x: Array.from({ length: n }, (_, i) => [i]), y: Array.from({ length: n }, (_, i) => i % 2) };
}

function model(script: FakeScript = {}, seed = 1): { m: Sequential; backend: FakeBackend } {
  const backend = new FakeBackend(script);
  const m = sequential([layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1] })], { backend, seed });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return { m, backend };
}

function capture(isTTY: boolean): { stream: { isTTY: boolean; write(s: string): boolean }; text: () => string } {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (s: string) => (chunks.push(s), true) }, text: () => chunks.join('') };
}

test('epochs and batches: every sample once per epoch, shuffled, reproducible with the seed', async (t) => {
  const { x, y } = data(10);
  const run = async (seed: number) => {
    const { m, backend } = model({}, seed);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    t.deepEqual(h.epoch, [0, 1]);
    t.deepEqual(h.params, { epochs: 2, steps: 3, samples: 10, batchSize: 4, verbose: 0 });
    return backend.last.trainSteps.map((s) => s.x);
  };
  const a = await run(5);
  t.deepEqual(a.map((b) => b.length), [4, 4, 2, 4, 4, 2]);
  t.deepEqual(a.slice(0, 3).flat().sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.notDeepEqual(a.slice(0, 3).flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.deepEqual(await run(5), a);
  t.notDeepEqual(await run(6), a);
});

test('shuffle false keeps order; targets travel with their samples', async (t) => {
  const { x, y } = data(5);
  const { m, backend } = model();
  await m.fit(x, y, { batchSize: 2, shuffle: false, verbose: 0 });
  t.deepEqual(backend.last.trainSteps.map((s) => s.x), [[0, 1], [2, 3], [4]]);
  t.deepEqual(backend.last.trainSteps.map((s) => s.y), [[0, 1], [0, 1], [0]]);
  const shuffled = model();
  await shuffled.m.fit(x, y, { batchSize: 5, verbose: 0 });
  const s = shuffled.backend.last.trainSteps[0];
  s.x.forEach((xi, i) => t.is(s.y[i], xi % 2));
});

test('History averages loss and metrics over batches weighted by count', async (t) => {
  const { x, y } = data(10);
  const { m } = model({ trainLoss: (k) => [1, 2, 4][k % 3], evalLoss: () => 0.5 });
  const h = await m.fit(x, y, { batchSize: 4, epochs: 2, verbose: 0, validationData: [x, y] });
  t.deepEqual(h.history.loss, [(4 * 1 + 4 * 2 + 2 * 4) / 10, 2]);
  t.deepEqual(h.history.accuracy, [0.25, 0.25]);
  t.deepEqual(h.history.val_loss, [0.5, 0.5]);
  t.deepEqual(h.history.val_accuracy, [0.25, 0.25]);
});

test('validationSplit takes the last fraction before shuffling', async (t) => {
  const { x, y } = data(10);
  const { m, backend } = model();
  await m.fit(x, y, { validationSplit: 0.3, batchSize: 10, verbose: 0 });
  t.deepEqual(backend.last.trainSteps[0].x.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  t.deepEqual(backend.last.evalSteps[0].x, [7, 8, 9]);
});

test('classWeight becomes per-sample weights', async (t) => {
  const { x, y } = data(4);
  const { m, backend } = model();
  await m.fit(x, y, { classWeight: { 0: 1, 1: 3 }, shuffle: false, batchSize: 4, verbose: 0 });
  t.deepEqual(backend.last.trainSteps[0].sampleWeight, [1, 3, 1, 3]);
  await t.throwsAsync(m.fit(x, y, { classWeight: { 1: 2 }, sampleWeight: [1, 1, 1, 1], verbose: 0 }), { message: /classWeight or sampleWeight, not both/ });
});

test('a learning-rate schedule is evaluated per step; initialEpoch resumes', async (t) => {
  const { x, y } = data(6);
  const { m, backend } = model();
  m.compile({ optimizer: optimizers.adam({ learningRate: (step) => 0.1 / (1 + step) }), loss: 'binaryCrossentropy' });
  const h = await m.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 3, verbose: 0 });
  t.deepEqual(h.epoch, [1, 2]);
  t.deepEqual(backend.last.trainSteps.map((s) => s.learningRate), [0.1, 0.05, 0.1 / 3, 0.025]);
});

test('EarlyStopping stops after patience and restores the best weights', async (t) => {
  const { x, y } = data(4);
  const val = [0.9, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
  const { m, backend } = model({ evalLoss: (k) => val[k] });
  const stop = callbacks.earlyStopping({ patience: 2, restoreBestWeights: true });
  const h = await m.fit(x, y, { epochs: 10, batchSize: 4, validationData: [x, y], callbacks: [stop], verbose: 0 });
  t.deepEqual(h.epoch, [0, 1, 2, 3]);
  t.is(stop.stoppedEpoch, 3);
  t.is(stop.best, 0.5);
  // One step per epoch adds 1 to the first weight: the best epoch (1) had taken 2 steps.
  const start = backend.last.trainSteps.length === 4 ? m.getWeights()[0].data[0] : NaN;
  t.is(backend.last.weights[0][0], start);
  const fresh = model({ evalLoss: (k) => val[k] }, 1);
  const initial = fresh.m.getWeights()[0].data[0];
  t.is(Math.fround(start - initial), 2);
});

test('ReduceLROnPlateau lowers the per-step learning rate', async (t) => {
  const { x, y } = data(2);
  const { m, backend } = model({ evalLoss: () => 1 });
  const reduce = callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5, minLr: 0.03 });
  const h = await m.fit(x, y, { epochs: 5, batchSize: 2, validationData: [x, y], callbacks: reduce, verbose: 0 });
  t.deepEqual(backend.last.trainSteps.map((s) => s.learningRate), [0.1, 0.1, 0.05, 0.03, 0.03]);
  t.deepEqual(h.history.learning_rate, [0.1, 0.1, 0.05, 0.03, 0.03]);
});

test('TerminateOnNaN ends training at the NaN batch', async (t) => {
  const { x, y } = data(8);
  const { m, backend } = model({ trainLoss: (k) => (k === 2 ? NaN : 1) });
  const h = await m.fit(x, y, { epochs: 5, batchSize: 2, callbacks: [callbacks.terminateOnNaN()], verbose: 0 });
  t.is(backend.last.trainSteps.length, 3);
  t.deepEqual(h.epoch, [0]);
  t.true(Number.isNaN(h.history.loss[0]));
});

test('plain callback functions see every hook in order', async (t) => {
  const { x, y } = data(4);
  const { m } = model();
  const seen: string[] = [];
  await m.fit(x, y, {
    epochs: 2,
    batchSize: 2,
    verbose: 0,
    callbacks: {
      onTrainBegin: () => void seen.push('train'),
      onEpochBegin: (e) => void seen.push(`e${e}`),
      onBatchEnd: async (b, logs) => {
        await new Promise((r) => setImmediate(r));
        seen.push(`b${b}:${logs.loss.toFixed(2)}`);
      },
      onEpochEnd: (e) => void seen.push(`/e${e}`),
      onTrainEnd: () => void seen.push('/train'),
    },
  });
  t.deepEqual(seen, ['train', 'e0', 'b0:1.00', 'b1:0.75', '/e0', 'e1', 'b0:0.33', 'b1:0.29', '/e1', '/train']);
});

test('an AbortSignal stops after the current batch, and the event loop stays free', async (t) => {
  const { x, y } = data(20);
  const { m, backend } = model();
  const controller = new AbortController();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const h = await m.fit(x, y, {
    epochs: 3,
    batchSize: 2,
    verbose: 0,
    signal: controller.signal,
    callbacks: { onBatchEnd: (b) => void (b === 3 && controller.abort()) },
  });
  clearInterval(timer);
  t.is(backend.last.trainSteps.length, 4);
  t.deepEqual(h.epoch, []);
  t.true(ticks > 0, "timers ran while fit was training");
});

test('progress: a bar on a TTY, one line per epoch otherwise', async (t) => {
  const { x, y } = data(8);
  const tty = capture(true);
  const a = model({ evalLoss: () => 0.5 });
  await a.m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 1, validationData: [x, y], progressStream: tty.stream });
  const out = tty.text();
  t.regex(out, /^Epoch 1\/2\n\r1\/2 \[={14}>\.{15}\] - ETA: \d+s - loss: 1\.0000 - accuracy: 0\.2500/);
  t.regex(out, /\r2\/2 \[={30}\] - \d+s \d+(ms|us)\/step - loss: 0\.7500 - accuracy: 0\.2500 - val_loss: 0\.5000 - val_accuracy: 0\.2500\n/);
  t.regex(out, /Epoch 2\/2\n/);
  const plain = capture(false);
  const b = model();
  await b.m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 1, progressStream: plain.stream });
  const lines = plain.text().split('\n');
  t.is(lines.length, 3);
  t.regex(lines[0], /^Epoch 1\/2 - 2\/2 - \d+s \d+(ms|us)\/step - loss: 0\.7500 - accuracy: 0\.2500$/);
  const two = capture(true);
  await model().m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 2, progressStream: two.stream });
  t.regex(two.text(), /^Epoch 1\/1 - 2\/2 - .*\n$/);
  t.false(two.text().includes('\r'));
});

test('progress: ETA and step time from the clock', (t) => {
  const out = capture(true);
  let now = 0;
  const p = new ProgressLogger({ verbose: 1, epochs: 10, steps: 40, stream: out.stream, now: () => now, redrawInterval: 0 });
  p.onEpochBegin(0);
  now = 12 * 100;
  p.onBatchEnd(11, { loss: 0.6931, accuracy: 0.5 });
  t.is(out.text(), 'Epoch 1/10\n\r12/40 [========>.....................] - ETA: 3s - loss: 0.6931 - accuracy: 0.5000');
  now = 4000;
  for (let b = 12; b < 40; b++) p.onBatchEnd(b, { loss: 0.5 });
  p.onEpochEnd(0, { loss: 0.5, val_loss: 0.00012 });
  t.true(out.text().endsWith('\r40/40 [==============================] - 4s 100ms/step - loss: 0.5000 - val_loss: 1.2000e-04\n'));
});
