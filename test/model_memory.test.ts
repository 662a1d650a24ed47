// Native memory and the event loop over long runs: RSS stays flat over 10,000 trainOnBatch
// steps, 10,000 predict calls and 2,000 models made, trained a step and disposed; and a
// large model (Embedding(200000, 128) -> GRU) trains, saves, loads and first-predicts with
// the event loop free. Figures are printed; the bounds are generous (a shared machine).
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { layers, loadModel, sequential, tensor } from '../lib/index';
import { Rng } from './support/random';

const MB = 1024 * 1024;

function small(seed = 1) {
  const m = sequential([layers.embedding({ inputDim: 50, outputDim: 8 }), layers.gru({ units: 8 }), layers.dense({ units: 1, activation: 'sigmoid' })], { inputShape: [12], seed });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

const rng = new Rng(4);
const x = tensor(Int32Array.from({ length: 16 * 12 }, () => Math.floor(rng.next() * 50)), [16, 12]);
const y = tensor(Float32Array.from({ length: 16 }, () => (rng.next() < 0.5 ? 0 : 1)), [16, 1]);

test.serial('RSS stays flat over 10,000 training steps, 10,000 predictions and 2,000 disposed models', async (t) => {
  const m = small();
  const rss = () => process.memoryUsage().rss / MB;
  for (let i = 0; i < 500; i++) await m.trainOnBatch(x, y);
  const trainStart = rss();
  for (let i = 0; i < 10_000; i++) await m.trainOnBatch(x, y);
  const trainEnd = rss();
  for (let i = 0; i < 500; i++) await m.predict(x);
  const predictStart = rss();
  for (let i = 0; i < 10_000; i++) await m.predict(x);
  const predictEnd = rss();
  m.dispose();
  for (let i = 0; i < 200; i++) {
    const d = small(i);
    await d.trainOnBatch(x, y);
    d.dispose();
  }
  const modelsStart = rss();
  for (let i = 0; i < 2_000; i++) {
    const d = small(i);
    await d.trainOnBatch(x, y);
    d.dispose();
  }
  const modelsEnd = rss();
  t.log(`RSS (MB): 10,000 steps ${trainStart.toFixed(1)} -> ${trainEnd.toFixed(1)}; 10,000 predicts ${predictStart.toFixed(1)} -> ${predictEnd.toFixed(1)}; 2,000 disposed models ${modelsStart.toFixed(1)} -> ${modelsEnd.toFixed(1)}`);
  t.true(trainEnd - trainStart < 40, 'training steps');
  t.true(predictEnd - predictStart < 40, 'predictions');
  t.true(modelsEnd - modelsStart < 60, 'disposed models');
});

test.serial('a 100 MB model trains, saves, loads and first-predicts with the event loop free', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-lag-'));
  try {
    const V = 200_000;
    const m = sequential([layers.embedding({ inputDim: V, outputDim: 128 }), layers.gru({ units: 32 }), layers.dense({ units: 1, activation: 'sigmoid' })], { inputShape: [40], seed: 3 });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const xs = tensor(Int32Array.from({ length: 64 * 40 }, () => Math.floor(rng.next() * V)), [64, 40]);
    const ys = tensor(Float32Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 0 : 1)), [64, 1]);
    const phase = async (name: string, body: () => Promise<unknown>) => {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      // Let the histogram's timer run first: a phase that blocks at once is then measured, not missed.
      await new Promise((r) => setTimeout(r, 20));
      const start = performance.now();
      await body();
      // A short tail, so a phase that blocked throughout still has samples.
      await new Promise((r) => setTimeout(r, 50));
      h.disable();
      // The histogram holds each timer's delay, the 5 ms resolution included: the lag is what exceeds it.
      const lag = (q: number) => Math.max(0, h.percentile(q) / 1e6 - 5);
      const p99 = lag(99);
      t.log(`${name}: ${((performance.now() - start) / 1000).toFixed(2)} s, event-loop lag p50 ${lag(50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(0, h.max / 1e6 - 5).toFixed(1)} ms`);
      return p99;
    };
    const lags = [
      await phase('fit (3 epochs of 64)', () => m.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0 })),
      await phase('save', () => m.save(dir)),
    ];
    let loaded: Awaited<ReturnType<typeof loadModel>> | undefined;
    lags.push(await phase('loadModel', async () => (loaded = await loadModel(dir))));
    lags.push(await phase('first predict', async () => loaded?.predict(xs)));
    t.true(lags.every((p) => p < 200), `p99 lags ${lags.map((p) => p.toFixed(1)).join(', ')} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
