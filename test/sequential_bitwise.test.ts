// Sequential models give the same bits as before the native graph became a DAG: the
// losses, metrics, weights and predictions of short training runs of every layer kind and
// option, every optimizer, loss and clipping mode, recorded by the chain-only engine of
// 2026-12-02 (test/fixtures/sequential_bits.json). Rebuild the fixture only on purpose:
//   RECORD_SEQUENTIAL_BITS=1 npx ava dist/test/sequential_bitwise.test.js
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { layers, optimizers, regularizers, sequential, Sequential, tensor, Tensor } from '../lib/index';
import { Rng } from './support/random';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'sequential_bits.json');
const RECORD = process.env.RECORD_SEQUENTIAL_BITS === '1';

interface Case {
  name: string;
  build(): Sequential;
  compile(model: Sequential): void;
  x(rng: Rng): Tensor;
  y(rng: Rng): Tensor;
  sampleWeight?: (rng: Rng) => Float32Array;
  steps?: number;
  /** Predict in batches of this size (default 2; a stateful model needs its batch size). */
  predictBatch?: number;
}

interface Recorded {
  logs: number[][];
  weights: string[];
  predictions: string;
}

const B = 5;
const T = 7;

function ids(rng: Rng, vocab: number, zeros = true): Tensor {
  const data = new Int32Array(B * T);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.next() * vocab);
  // Padded tails (and one fully padded row) exercise masks.
  if (zeros) for (let b = 0; b < B; b++) for (let t = T - b; t < T; t++) data[b * T + t] = 0;
  return tensor(data, [B, T]);
}

function floats(rng: Rng, shape: number[], zeroTail = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = rng.f32(n, -1, 1);
  if (zeroTail) {
    const F = shape[shape.length - 1];
    for (let b = 0; b < shape[0]; b++) for (let t = shape[1] - b; t < shape[1]; t++) data.fill(0, (b * shape[1] + t) * F, (b * shape[1] + t + 1) * F);
  }
  return tensor(data, shape);
}

function binary(rng: Rng, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.next() < 0.5 ? 0 : 1;
  return tensor(data, shape);
}

function classes(rng: Rng, shape: number[], k: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.floor(rng.next() * k);
  return tensor(data, shape);
}

function oneHot(rng: Rng, rows: number, k: number): Tensor {
  const data = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) data[r * k + Math.floor(rng.next() * k)] = 1;
  return tensor(data, [rows, k]);
}

const cases: Case[] = [
  {
    name: 'embedding(maskZero) gru gru dense(sigmoid), adam, bce, accuracy, sample weights',
    build: () => sequential([
      layers.embedding({ inputDim: 13, outputDim: 6, maskZero: true }),
      layers.gru({ units: 5, returnSequences: true }),
      layers.gru({ units: 4 }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ], { seed: 11 }),
    compile: (m) => m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] }),
    x: (rng) => ids(rng, 13),
    y: (rng) => binary(rng, [B, 1]),
    sampleWeight: (rng) => rng.f32(B, 0.5, 2),
  },
  {
    name: 'masking lstm(returnSequences, dropout) timeDistributed(dense softmax), rmsprop, sparse CE',
    build: () => sequential([
      layers.masking({ inputShape: [T, 3] }),
      layers.lstm({ units: 6, returnSequences: true, dropout: 0.25, recurrentDropout: 0.2 }),
      layers.timeDistributed({ layer: layers.dense({ units: 4, activation: 'softmax' }) }),
    ], { seed: 12 }),
    compile: (m) => m.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }),
    x: (rng) => floats(rng, [B, T, 3], true),
    y: (rng) => classes(rng, [B, T], 4),
  },
  {
    name: 'bidirectional(lstm) concat, dense, sgd momentum nesterov, mse, mae',
    build: () => sequential([
      layers.bidirectional({ layer: layers.lstm({ units: 4 }), inputShape: [T, 3] }),
      layers.dense({ units: 2 }),
    ], { seed: 13 }),
    compile: (m) => m.compile({ optimizer: optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), loss: 'mse', metrics: ['mae'] }),
    x: (rng) => floats(rng, [B, T, 3]),
    y: (rng) => floats(rng, [B, 2]),
  },
  {
    name: 'bidirectional(gru resetAfter false, returnSequences) ave, bidirectional(simpleRNN) mul, dense, adagrad, mae',
    build: () => sequential([
      layers.bidirectional({ layer: layers.gru({ units: 3, resetAfter: false, returnSequences: true }), mergeMode: 'ave', inputShape: [T, 2] }),
      layers.bidirectional({ layer: layers.simpleRNN({ units: 3 }), mergeMode: 'mul' }),
      layers.dense({ units: 1 }),
    ], { seed: 14 }),
    compile: (m) => m.compile({ optimizer: optimizers.adagrad({ learningRate: 0.1 }), loss: 'mae' }),
    x: (rng) => floats(rng, [B, T, 2]),
    y: (rng) => floats(rng, [B, 1]),
  },
  {
    name: 'bidirectional(lstm returnSequences) sum, gru goBackwards, dense, adadelta, mse, clipnorm',
    build: () => sequential([
      layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), mergeMode: 'sum', inputShape: [T, 2] }),
      layers.gru({ units: 3, goBackwards: true }),
      layers.dense({ units: 2 }),
    ], { seed: 15 }),
    compile: (m) => m.compile({ optimizer: optimizers.adadelta({ learningRate: 1, clipnorm: 0.1 }), loss: 'mse' }),
    x: (rng) => floats(rng, [B, T, 2]),
    y: (rng) => floats(rng, [B, 2]),
  },
  {
    name: 'simpleRNN(relu) with regularizers, dropout, dense(tanh), dense(softmax), sgd clipvalue, categorical CE',
    build: () => sequential([
      layers.simpleRNN({ units: 5, activation: 'relu', inputShape: [T, 3], kernelRegularizer: regularizers.l2(0.01), recurrentRegularizer: regularizers.l1(0.01), biasRegularizer: regularizers.l1l2({ l1: 0.01, l2: 0.02 }) }),
      layers.dropout({ rate: 0.3 }),
      layers.dense({ units: 4, activation: 'tanh', kernelRegularizer: regularizers.l2(0.05) }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ], { seed: 16 }),
    compile: (m) => m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, clipvalue: 0.05 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] }),
    x: (rng) => floats(rng, [B, T, 3]),
    y: (rng) => oneHot(rng, B, 3),
  },
  {
    name: 'embedding(frozen) lstm(hardSigmoid gates, no bias) dense logits, adam globalClipnorm, bce fromLogits',
    build: () => sequential([
      layers.embedding({ inputDim: 9, outputDim: 4, trainable: false, inputLength: T }),
      layers.lstm({ units: 4, recurrentActivation: 'hardSigmoid', useBias: false, unitForgetBias: false }),
      layers.dense({ units: 1 }),
    ], { seed: 17 }),
    compile: (m) => m.compile({ optimizer: optimizers.adam({ learningRate: 0.02, globalClipnorm: 0.5 }), loss: { name: 'binaryCrossentropy', fromLogits: true }, metrics: ['accuracy'] }),
    x: (rng) => ids(rng, 9, false),
    y: (rng) => binary(rng, [B, 1]),
  },
  {
    name: 'gru(returnSequences) dense(relu) per step, sparse CE from logits, sgd',
    build: () => sequential([
      layers.gru({ units: 4, returnSequences: true, inputShape: [T, 2], recurrentDropout: 0.3 }),
      layers.dense({ units: 3, activation: 'relu' }),
    ], { seed: 18 }),
    compile: (m) => m.compile({ optimizer: optimizers.sgd({ learningRate: 0.2 }), loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] }),
    x: (rng) => floats(rng, [B, T, 2]),
    y: (rng) => classes(rng, [B, T], 3),
  },
  {
    name: 'stateful lstm across batches, dense(sigmoid), rmsprop, bce',
    build: () => sequential([
      layers.lstm({ units: 3, stateful: true, inputShape: [T, 2] }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ], { seed: 19 }),
    compile: (m) => m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy' }),
    x: (rng) => floats(rng, [B, T, 2]),
    y: (rng) => binary(rng, [B, 1]),
    steps: 4,
    predictBatch: B,
  },
];

function bits(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

async function run(c: Case): Promise<Recorded> {
  const rng = new Rng(101);
  const model = c.build();
  c.compile(model);
  const x = c.x(rng);
  const y = c.y(rng);
  const sampleWeight = c.sampleWeight?.(rng);
  const logs: number[][] = [];
  for (let s = 0; s < (c.steps ?? 3); s++) {
    const r = await model.trainOnBatch(x, y, sampleWeight ? { sampleWeight } : {});
    logs.push(Object.values(r));
  }
  const predictions = await model.predict(x, { batchSize: c.predictBatch ?? 2 });
  return { logs, weights: model.getWeights().map((w) => bits(w.data as Float32Array)), predictions: bits(predictions.data as Float32Array) };
}

if (RECORD) {
  test.serial('record the fixture', async (t) => {
    const out: Record<string, Recorded> = {};
    for (const c of cases) out[c.name] = await run(c);
    writeFileSync(FIXTURE, JSON.stringify(out, null, 1) + '\n');
    t.is(Object.keys(out).length, cases.length);
  });
} else {
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Recorded>;
  for (const c of cases) {
    test(`bitwise as recorded: ${c.name}`, async (t) => {
      const want = recorded[c.name];
      t.truthy(want, 'the case is in the fixture');
      const got = await run(c);
      t.deepEqual(got.logs, want.logs, 'losses and metrics of every step');
      t.is(got.weights.length, want.weights.length);
      got.weights.forEach((w, i) => t.is(w, want.weights[i], `weight ${i} after training`));
      t.is(got.predictions, want.predictions, 'predictions');
    });
  }
}
