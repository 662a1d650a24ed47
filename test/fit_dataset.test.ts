// fitDataset over the NativeModel double: batches of their own shapes, a dataset iterated
// anew every epoch, async iterables, batchesPerEpoch on an endless generator, validation
// datasets, and data.bucketedDataset's padded batches; explicit masks and lengths.
import test from 'ava';
import { data, input, layers, model, sequential, SymbolicTensor } from '../lib/index';
import { FakeBackend } from './support/fake_native_model';

function lstmModel(backend: FakeBackend) {
  const m = sequential([layers.lstm({ units: 2, inputShape: [null, 1] }), layers.dense({ units: 1 })], { backend, seed: 2 });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

function batch(T: number, B = 2) {
  return { xs: { data: new Float32Array(B * T).fill(T), shape: [B, T, 1] }, ys: new Array(B).fill(0) };
}

test('each batch keeps its own length; an array is iterated every epoch', async (t) => {
  const backend = new FakeBackend();
  const m = lstmModel(backend);
  const h = await m.fitDataset([batch(20), batch(50), batch(35, 3)], { epochs: 2, verbose: 0 });
  t.deepEqual(h.epoch, [0, 1]);
  t.deepEqual(backend.last.trainSteps.map((s) => [s.batch, ...s.shape]), [[2, 20, 1], [2, 50, 1], [3, 35, 1], [2, 20, 1], [2, 50, 1], [3, 35, 1]]);
  t.is(backend.models.length, 1, 'one native model (and optimizer state) for every length');
});

test('a one-shot generator trains one epoch and then says why not more; batchesPerEpoch takes an endless one', async (t) => {
  const backend = new FakeBackend();
  const m = lstmModel(backend);
  function* once() {
    yield batch(4);
    yield batch(6);
  }
  await t.throwsAsync(m.fitDataset(once(), { epochs: 2, verbose: 0 }), { message: /epoch 2 had no batches \(a dataset must be iterable again for every epoch/ });
  function* endless() {
    for (let T = 1; ; T++) yield batch(T);
  }
  const h = await m.fitDataset(endless(), { epochs: 3, batchesPerEpoch: 2, verbose: 0 });
  t.deepEqual(h.epoch, [0, 1, 2]);
  t.deepEqual(backend.last.trainSteps.slice(-6).map((s) => s.shape[0]), [1, 2, 3, 4, 5, 6]);
});

test('async iterables and a validation dataset', async (t) => {
  const backend = new FakeBackend({ evalLoss: () => 0.25 });
  const m = lstmModel(backend);
  const dataset = {
    async *[Symbol.asyncIterator]() {
      yield batch(3);
      await new Promise((r) => setTimeout(r, 1));
      yield batch(5);
    },
  };
  const h = await m.fitDataset(dataset, { epochs: 2, validationData: [batch(7)], verbose: 0 });
  t.deepEqual(h.history.val_loss, [0.25, 0.25]);
  t.deepEqual(backend.last.evalSteps.map((s) => s.shape[0]), [7, 7]);
  await t.throwsAsync(m.fitDataset([{ xs: batch(2).xs, ys: [0, 1], weights: [1, 1] }] as never, { verbose: 0 }), {
    message: /batch 0: unknown option 'weights'/,
  });
  await t.throwsAsync(m.fitDataset([{ xs: batch(2).xs }] as never, { verbose: 0 }), { message: /batch 0 must be an object \{ xs, ys \}/ });
});

test('bucketedDataset: padded to each batch\'s longest, new batches every epoch, lengths for float steps', async (t) => {
  const sequences = [[1], [2, 3], [4, 5, 6], [7, 8, 9, 10], [1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]];
  const labels = [0, 1, 0, 1, 0, 1];
  const ds = data.bucketedDataset(sequences, labels, { batchSize: 2, seed: 4 });
  const first = [...ds];
  t.is(first.length, 3);
  for (const b of first) {
    const [B, T] = b.xs.shape;
    t.is(B, 2);
    const rows = Array.from({ length: B }, (_, r) => Array.from(b.xs.data.subarray(r * T, (r + 1) * T)));
    t.true(rows.some((r) => r[T - 1] !== 0), 'the longest sequence of the batch fills it');
    t.is(b.lengths, undefined);
  }
  t.deepEqual(first.map((b) => b.xs.shape[1]).sort(), [2, 4, 6]);
  const second = [...ds];
  t.notDeepEqual(second.map((b) => Array.from(b.xs.data)), first.map((b) => Array.from(b.xs.data)), 'a new epoch shuffles anew');
  const floats = data.bucketedDataset([[[1], [2]], [[3]]], [[0.5, 1], [2]], { batchSize: 2 });
  const [only] = [...floats];
  t.deepEqual(only.xs.shape, [2, 2, 1]);
  t.deepEqual(Array.from(only.lengths ?? []).sort(), [1, 2]);
  t.deepEqual(only.ys.shape, [2, 2], 'per-step targets are padded as the sequences');

  const backend = new FakeBackend();
  const m = sequential([layers.embedding({ inputDim: 12, outputDim: 3, maskZero: true }), layers.gru({ units: 2 }), layers.dense({ units: 1, activation: 'sigmoid' })], { backend });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await m.fitDataset(ds, { epochs: 2, verbose: 0 });
  t.deepEqual(backend.last.trainSteps.map((s) => s.shape[0]).sort(), [2, 2, 4, 4, 6, 6]);
});

test('explicit masks and lengths reach the native step for the input they belong to', async (t) => {
  const backend = new FakeBackend({ outputShape: [1] });
  const seq = input({ shape: [null, 2], name: 'seq' });
  const y = layers.dense({ units: 1 }).apply(layers.lstm({ units: 2 }).apply(seq) as SymbolicTensor) as SymbolicTensor;
  const m = model({ inputs: seq, outputs: y, backend });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = [[[0, 0], [1, 1], [0, 0]], [[2, 2], [0, 0], [0, 0]]];
  await m.trainOnBatch(x, [1, 2], { lengths: [3, 1] });
  t.deepEqual(backend.last.trainSteps[0].mask, [1, 1, 1, 1, 0, 0]);
  await m.trainOnBatch(x, [1, 2], { mask: [[1, 0, 1], [1, 1, 0]] });
  t.deepEqual(backend.last.trainSteps[1].mask, [1, 0, 1, 1, 1, 0]);
  await t.throwsAsync(m.trainOnBatch(x, [1, 2], { lengths: [4, 1] }), { message: /lengths\[0\] is 4; a length is an integer in \[0, 3\]/ });
  await t.throwsAsync(m.trainOnBatch(x, [1, 2], { mask: [[1, 2, 1], [1, 1, 0]] }), { message: /mask\[0\]\[1\] is 2; a mask holds 0 \(padding\) and 1/ });
  await t.throwsAsync(m.trainOnBatch(x, [1, 2], { mask: [[1, 1]] }), { message: /mask must have shape \(2, 3\), received \(1, 2\)/ });
  await t.throwsAsync(m.trainOnBatch(x, [1, NaN]), { message: /the target at y\[1\] is NaN; targets must be finite/ });
  await t.throwsAsync(m.trainOnBatch(x, [1, 2], { sampleWeight: [1, Infinity] }), { message: /sampleWeight\[1\] must be a non-negative finite number, received Infinity/ });
});
