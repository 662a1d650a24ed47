// save() / loadModel(): every layer type and option survives a round trip with bitwise equal
// predictions; the directory is a TensorFlow.js layers model; bad directories are clear errors.
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layers as L, loadModel, optimizers, sequential, Sequential, Tensor } from '../lib/index';
import type { Layer } from '../lib/layers/index';

const root = mkdtempSync(join(tmpdir(), 'recurrent-io-'));
let dirCount = 0;
const freshDir = () => join(root, `m${dirCount++}`);

function floats(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function seqInput(B: number, T: number, F: number, seed = 1): number[][][] {
  const v = floats(B * T * F, seed);
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => v.slice((b * T + t) * F, (b * T + t + 1) * F)));
}

const ids = [
  [1, 5, 3, 0, 0],
  [2, 2, 9, 4, 1],
  [7, 0, 0, 0, 0],
];

function bits(t: Tensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

async function roundTrip(t: import('ava').ExecutionContext, make: () => Layer[], x: unknown, train = true): Promise<Sequential> {
  const model = sequential(make(), { seed: 11 });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  const before = await model.predict(x as number[][]);
  if (train) {
    const y = before.data.map(() => 0.25);
    await model.fit(x as number[][], new Tensor(Float32Array.from(y), before.shape), { epochs: 1, batchSize: 2, verbose: 0 });
  }
  const dir = freshDir();
  await model.save(dir);
  const loaded = (await loadModel(dir)) as Sequential;
  t.is(loaded.layers.length, model.layers.length);
  t.deepEqual(loaded.layers.map((l) => l.className), model.layers.map((l) => l.className));
  t.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
  t.is(loaded.countParams(), model.countParams());
  t.true(bits(await loaded.predict(x as number[][])).equals(bits(await model.predict(x as number[][]))), 'predictions bitwise equal');
  return loaded;
}

const x3 = seqInput(3, 5, 4);

for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
  const make = (o: Record<string, unknown>) => (L[cell] as (c: never) => Layer)({ units: 3, ...o } as never);
  test(`${cell}: plain, returnSequences, goBackwards, no bias, recurrent options`, async (t) => {
    await roundTrip(t, () => [make({ inputShape: [5, 4] })], x3);
    await roundTrip(t, () => [make({ inputShape: [5, 4], returnSequences: true, goBackwards: true }), L.dense({ units: 2 })], x3);
    await roundTrip(t, () => [make({ inputShape: [5, 4], useBias: false, activation: 'relu' })], x3);
    await roundTrip(t, () => [make({ inputShape: [5, 4], dropout: 0.2, recurrentDropout: 0.1, kernelRegularizer: { l1: 0.01, l2: 0.02 } })], x3);
  });
}

test('gru resetAfter false and lstm hardSigmoid (the TensorFlow.js defaults)', async (t) => {
  const loaded = await roundTrip(t, () => [L.gru({ units: 4, resetAfter: false, returnSequences: true, inputShape: [5, 4] }), L.lstm({ units: 3, recurrentActivation: 'hardSigmoid', unitForgetBias: false })], x3);
  const [gru, lstm] = loaded.layers as [InstanceType<typeof L.GRU>, InstanceType<typeof L.LSTM>];
  t.false(gru.resetAfter);
  t.is(lstm.recurrentActivation, 'hardSigmoid');
  t.false(lstm.unitForgetBias);
});

for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
  test(`bidirectional mergeMode ${mergeMode}`, async (t) => {
    const loaded = await roundTrip(t, () => [L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true }), mergeMode, inputShape: [5, 4] }), L.bidirectional({ layer: L.gru({ units: 2 }), mergeMode })], x3);
    t.is((loaded.layers[0] as InstanceType<typeof L.Bidirectional>).mergeMode, mergeMode);
  });
}

test('embedding with maskZero, frozen, then masking-aware layers', async (t) => {
  const loaded = await roundTrip(t, () => [L.embedding({ inputDim: 10, outputDim: 4, maskZero: true, trainable: false, inputLength: 5 }), L.simpleRNN({ units: 3 })], ids);
  const emb = loaded.layers[0] as InstanceType<typeof L.Embedding>;
  t.true(emb.maskZero);
  t.false(emb.trainable);
  await roundTrip(t, () => [L.embedding({ inputDim: 10, outputDim: 4 }), L.gru({ units: 3, returnSequences: true }), L.timeDistributed({ layer: L.dense({ units: 2, activation: 'softmax' }) })], ids);
});

test('dense, timeDistributed, dropout and masking', async (t) => {
  const masked = seqInput(3, 5, 4, 7);
  masked[0][4] = [0, 0, 0, 0];
  await roundTrip(t, () => [L.masking({ maskValue: 0, inputShape: [5, 4] }), L.lstm({ units: 3, returnSequences: true }), L.timeDistributed({ layer: L.dense({ units: 2, activation: 'relu' }) }), L.dropout({ rate: 0.3 }), L.dense({ units: 1, activation: 'sigmoid', useBias: false })], masked);
  await roundTrip(t, () => [L.dense({ units: 3, activation: 'tanh', inputShape: [4] }), L.dropout({ rate: 0.5 }), L.dense({ units: 2 })], floats(12, 3).reduce<number[][]>((rows, v, i) => (i % 4 ? rows[rows.length - 1].push(v) : rows.push([v]), rows), []));
});

test('an untrained, uncompiled model saves and loads too', async (t) => {
  const model = sequential([L.lstm({ units: 3, inputShape: [5, 4] })], { seed: 5 });
  const dir = freshDir();
  await model.save(dir);
  const loaded = (await loadModel(dir)) as Sequential;
  t.is(loaded.optimizer, undefined);
  t.true(bits(await loaded.predict(x3)).equals(bits(await model.predict(x3))));
});

test('the directory is a TensorFlow.js layers model; includeOptimizer false leaves the optimizer out', async (t) => {
  const model = sequential([L.lstm({ units: 3, inputShape: [5, 4] }), L.dense({ units: 1 })], { seed: 5 });
  model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  await model.fit(x3, [[1], [0], [1]], { epochs: 1, verbose: 0 });
  const dir = freshDir();
  await model.save(dir, { includeOptimizer: false });
  const files = readdirSync(dir).sort();
  t.is(files.length, 2);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  t.is(json.format, 'layers-model');
  t.is(json.modelTopology.class_name, 'Sequential');
  t.deepEqual(json.modelTopology.config.layers[0].config.batch_input_shape, [null, 5, 4]);
  t.is(json.modelTopology.config.layers[0].class_name, 'LSTM');
  t.deepEqual(json.weightsManifest[0].weights.map((w: { name: string }) => w.name), ['lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias', 'dense/kernel', 'dense/bias'].map((n) => n.replace(/^lstm/, model.layers[0].name).replace(/^dense/, model.layers[1].name)));
  t.is(json.trainingConfig.optimizer_config.class_name, 'Adam');
  t.is(json.userDefinedMetadata.recurrent.optimizer, undefined);
  const loaded = (await loadModel(dir)) as Sequential;
  t.is(loaded.optimizer?.kind, 'adam');
  await model.save(dir);
  t.is(readdirSync(dir).length, 3, 'weights, optimizer and model.json; the stale files are gone');
});

test('a model written as TensorFlow.js writes it (no recurrent metadata, frozen weights last) loads', async (t) => {
  const model = sequential([L.embedding({ inputDim: 10, outputDim: 3, trainable: false, inputLength: 5 }), L.gru({ units: 2, resetAfter: false }), L.dense({ units: 1 })], { seed: 2 });
  const dir = freshDir();
  await model.save(dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = model.getWeights();
  const order = [1, 2, 3, 4, 5, 0]; // tfjs lists trainable weights first
  const manifest = json.weightsManifest[0].weights;
  json.weightsManifest[0].weights = order.map((i) => manifest[i]);
  json.weightsManifest[0].paths = ['group1-shard1of1.bin'];
  delete json.userDefinedMetadata;
  delete json.modelTopology.config.layers[1].config.reset_after; // tfjs leaves defaults out
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.concat(order.map((i) => Buffer.from(weights[i].data.buffer, weights[i].data.byteOffset, weights[i].data.byteLength))));
  const loaded = (await loadModel(dir)) as Sequential;
  t.true(bits(await loaded.predict(ids)).equals(bits(await model.predict(ids))));
});

test('bad directories give clear errors', async (t) => {
  const model = sequential([L.lstm({ units: 3, inputShape: [5, 4] })], { seed: 5 });
  const dir = freshDir();
  await model.save(dir);
  const json = readFileSync(join(dir, 'model.json'), 'utf8');
  const weightsFile = readdirSync(dir).find((f) => f.startsWith('weights.')) as string;
  const weights = readFileSync(join(dir, weightsFile));
  const restore = () => {
    writeFileSync(join(dir, 'model.json'), json);
    writeFileSync(join(dir, weightsFile), weights);
  };
  await t.throwsAsync(loadModel(join(root, 'missing')), { message: /cannot read/ });
  writeFileSync(join(dir, weightsFile), weights.subarray(0, weights.length - 4));
  await t.throwsAsync(loadModel(dir), { message: /bytes, the manifest describes/ });
  restore();
  const flipped = Buffer.from(weights);
  flipped[7] ^= 1;
  writeFileSync(join(dir, weightsFile), flipped);
  await t.throwsAsync(loadModel(dir), { message: /checksum/ });
  restore();
  writeFileSync(join(dir, 'model.json'), json.replace('"units": 3', '"units": 4'));
  await t.throwsAsync(loadModel(dir), { message: /shape/ });
  writeFileSync(join(dir, 'model.json'), json.replace('"formatVersion": 1', '"formatVersion": 99'));
  await t.throwsAsync(loadModel(dir), { message: /format version 99/ });
  writeFileSync(join(dir, 'model.json'), json.replace('"LSTM"', '"ConvLSTM2D"'));
  await t.throwsAsync(loadModel(dir), { message: /ConvLSTM2D.*not supported/ });
  writeFileSync(join(dir, 'model.json'), json.slice(0, 100));
  await t.throwsAsync(loadModel(dir), { message: /not valid UTF-8 JSON/ });
  restore();
  t.truthy((await loadModel(dir)) as Sequential);
});
