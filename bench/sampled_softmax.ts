// Sampled softmax against the full softmax at a 50,000-word output: a word-level language
// model Embedding(V, 256) -> LSTM(512, every step) -> Dense(V, softmax), batch 32 of 20
// steps (640 rows), trained one step at a time with the full sparse categorical
// cross-entropy and with losses.sampledSoftmax at 512 and 2048 samples, each with SGD
// (the cheapest update) and Adam, printing the milliseconds per step and the ratio to the
// full softmax. Then sampled training on a generated Zipf-distributed corpus (each word's
// successor a fixed word, 3 times in 4), with the full softmax loss on held-out batches
// before and after.
//
//   node dist/bench/sampled_softmax.js [--vocabulary 50000] [--threads N] [--train-steps 150]
import * as os from 'node:os';

import { layers, losses, optimizers, sequential, setNumThreads, getNumThreads, getIsa, tensor, Tensor } from '../lib/index';
import type { LossLike } from '../lib/training/losses';
import { formatTable, timeIt } from './support/timing';
import { BenchRandom } from './support/random';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const V = option('--vocabulary', 50_000);
const B = 32;
const T = 20;
const EMBEDDING = 256;
const UNITS = 512;

/** Word sequences where a word's successor is successor[word] three times in four, else a fresh Zipf draw. */
function corpus(rng: BenchRandom, successor: Int32Array, batches: number): { x: Tensor; y: Tensor }[] {
  return Array.from({ length: batches }, () => {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      let w = rng.logUniform(V);
      for (let t = 0; t < T; t++) {
        const next = rng.next() < 0.75 ? successor[w] : rng.logUniform(V);
        x[b * T + t] = w;
        y[b * T + t] = next;
        w = next;
      }
    }
    return { x: tensor(x, [B, T]), y: tensor(y, [B, T]) };
  });
}

function languageModel(loss: LossLike, optimizer: 'sgd' | 'adam') {
  const m = sequential(
    [layers.embedding({ inputDim: V, outputDim: EMBEDDING }), layers.lstm({ units: UNITS, returnSequences: true }), layers.dense({ units: V, activation: 'softmax' })],
    { inputShape: [null], seed: 1 },
  );
  m.compile({ optimizer: optimizer === 'sgd' ? optimizers.sgd({ learningRate: 0.5 }) : optimizers.adam({ learningRate: 2e-3 }), loss });
  return m;
}

async function main(): Promise<void> {
  const threads = option('--threads', 2);
  setNumThreads(threads);
  const rng = new BenchRandom(7);
  const successor = Int32Array.from({ length: V }, () => rng.logUniform(V));
  const data = corpus(rng, successor, 4);
  console.log(`sampled softmax vs full softmax, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${getNumThreads()} threads, ${getIsa()}`);
  console.log(`Embedding(${V}, ${EMBEDDING}) -> LSTM(${UNITS}, every step) -> Dense(${V}, softmax); batch ${B} x ${T} steps = ${B * T} rows\n`);

  const settings: { label: string; loss: LossLike }[] = [
    { label: 'full softmax', loss: 'sparseCategoricalCrossentropy' },
    { label: 'sampled, 2048', loss: losses.sampledSoftmax({ numSampled: 2048 }) },
    { label: 'sampled, 512', loss: losses.sampledSoftmax({ numSampled: 512 }) },
  ];
  const rows: string[][] = [];
  for (const optimizer of ['sgd', 'adam'] as const) {
    let full = 0;
    for (const s of settings) {
      const m = languageModel(s.loss, optimizer);
      let k = 0;
      const timing = await timeIt(() => m.trainOnBatch(data[k % data.length].x, data[k++ % data.length].y), { warmup: 1, budgetMs: 6000, minIters: 3, maxIters: 20 });
      if (s.label === 'full softmax') full = timing.msMedian;
      rows.push([s.label, optimizer, timing.msMedian.toFixed(1), `${timing.msMin.toFixed(1)}-${timing.msMax.toFixed(1)}`, `${(full / timing.msMedian).toFixed(2)}x`]);
      m.dispose();
    }
  }
  console.log(formatTable(['loss', 'optimizer', 'ms/step', 'range', 'vs full'], rows));

  const steps = option('--train-steps', 150);
  const train = corpus(rng, successor, 40);
  const heldOut = corpus(rng, successor, 4);
  const m = languageModel(losses.sampledSoftmax({ numSampled: 512 }), 'adam');
  const fullLoss = async () => {
    let sum = 0;
    for (const b of heldOut) sum += (await m.evaluate(b.x, b.y)) as number;
    return sum / heldOut.length;
  };
  const before = await fullLoss();
  const started = performance.now();
  let sampled = 0;
  for (let i = 0; i < steps; i++) sampled = (await m.trainOnBatch(train[i % train.length].x, train[i % train.length].y)).loss;
  const seconds = (performance.now() - started) / 1000;
  const after = await fullLoss();
  console.log(`\nsampled softmax (512) training, Adam, ${steps} steps in ${seconds.toFixed(1)} s: full softmax loss on held-out batches ${before.toFixed(3)} -> ${after.toFixed(3)} (log V = ${Math.log(V).toFixed(3)}); last sampled loss ${sampled.toFixed(3)}`);
  m.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
