// padSequences, toCategorical, trainTestSplit, bucketByLength, timeseriesDataset against Keras's documented behaviour.
import test from 'ava';

import { data } from '../lib/index';

const { padSequences, toCategorical, trainTestSplit, bucketByLength, timeseriesDataset } = data;
const rows = (t: data.DataTensor) => {
  const [n, w] = t.shape;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * w, (i + 1) * w)));
};

test('padSequences: the Keras docstring examples', (t) => {
  const seqs = [[1], [2, 3], [4, 5, 6]];
  const x = padSequences(seqs);
  t.deepEqual(x.shape, [3, 3]);
  t.true(x.data instanceof Int32Array);
  t.deepEqual(rows(x), [[0, 0, 1], [0, 2, 3], [4, 5, 6]]);
  t.deepEqual(rows(padSequences(seqs, { value: -1 })), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]);
  t.deepEqual(rows(padSequences(seqs, { padding: 'post' })), [[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
  t.deepEqual(rows(padSequences(seqs, { maxlen: 2 })), [[0, 1], [2, 3], [5, 6]]);
});

test('padSequences: pre vs post for padding and truncation together', (t) => {
  const seqs = [[1, 2, 3, 4], [5]];
  t.deepEqual(rows(padSequences(seqs, { maxlen: 3, padding: 'pre', truncating: 'pre' })), [[2, 3, 4], [0, 0, 5]]);
  t.deepEqual(rows(padSequences(seqs, { maxlen: 3, padding: 'pre', truncating: 'post' })), [[1, 2, 3], [0, 0, 5]]);
  t.deepEqual(rows(padSequences(seqs, { maxlen: 3, padding: 'post', truncating: 'pre' })), [[2, 3, 4], [5, 0, 0]]);
  t.deepEqual(rows(padSequences(seqs, { maxlen: 3, padding: 'post', truncating: 'post' })), [[1, 2, 3], [5, 0, 0]]);
  t.deepEqual(rows(padSequences(seqs, { maxlen: 6, padding: 'post' })), [[1, 2, 3, 4, 0, 0], [5, 0, 0, 0, 0, 0]]);
});

test('padSequences: empty list, empty sequences, maxlen 0', (t) => {
  t.deepEqual(padSequences([]).shape, [0, 0]);
  t.deepEqual(padSequences([], { maxlen: 4 }).shape, [0, 4]);
  t.deepEqual(rows(padSequences([[], [7]], { maxlen: 2, value: 9 })), [[9, 9], [9, 7]]);
  t.deepEqual(rows(padSequences([[], []])), [[], []]);
  const z = padSequences([[1, 2], [3]], { maxlen: 0 });
  t.deepEqual(z.shape, [2, 0]);
  t.is(z.data.length, 0);
});

test('padSequences: float32 dtype, typed-array input, int32 casts toward zero like NumPy', (t) => {
  const f = padSequences([new Float32Array([0.5, 1.5])], { dtype: 'float32', maxlen: 3, value: -0.25 });
  t.true(f.data instanceof Float32Array);
  t.deepEqual(Array.from(f.data), [-0.25, 0.5, 1.5]);
  t.deepEqual(Array.from(padSequences([[1.9, -1.9]]).data), [1, -1]);
});

test('padSequences: bad arguments are clear errors', (t) => {
  t.throws(() => padSequences([[1]], { padding: 'middle' as 'pre' }), { message: /padding must be 'pre' or 'post'/ });
  t.throws(() => padSequences([[1]], { truncating: 'x' as 'pre' }), { message: /truncating/ });
  t.throws(() => padSequences([[1]], { maxlen: -1 }), { message: /maxlen must be a non-negative integer/ });
  t.throws(() => padSequences([[1]], { dtype: 'int64' as 'int32' }), { message: /dtype/ });
  t.throws(() => padSequences([5 as unknown as number[]]), { message: /sequences\[0\] is not a sequence/ });
  t.throws(() => padSequences([['a'] as unknown as number[]]), { message: /sequences\[0\]\[0\] is not a number/ });
});

test('toCategorical: Keras example, inferred and given class count, [N, 1] labels', (t) => {
  const y = toCategorical([0, 1, 2, 3], 4);
  t.deepEqual(y.shape, [4, 4]);
  t.true(y.data instanceof Float32Array);
  t.deepEqual(rows(y), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
  t.deepEqual(rows(toCategorical([2, 0])), [[0, 0, 1], [1, 0, 0]]);
  t.deepEqual(rows(toCategorical([[1], [0]])), [[0, 1], [1, 0]]);
  t.deepEqual(toCategorical(new Int32Array([1]), 5).shape, [1, 5]);
  t.deepEqual(toCategorical([]).shape, [0, 0]);
  t.throws(() => toCategorical([3], 3), { message: /labels\[0\] = 3 is not below numClasses = 3/ });
  t.throws(() => toCategorical([-1]), { message: /non-negative integer/ });
  t.throws(() => toCategorical([0.5]), { message: /non-negative integer/ });
});

test('trainTestSplit: sizes by fraction, parallel arrays stay aligned, reproducible by seed', (t) => {
  const n = 10;
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const labels = Int32Array.from({ length: n }, (_, i) => i);
  const x = { shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2)) };
  const s = trainTestSplit([ids, labels, x], { testFraction: 0.2, validationFraction: 0.3, seed: 7 });
  t.is(s.train[0].length, 5);
  t.is(s.validation[0].length, 3);
  t.is(s.test[0].length, 2);
  t.true(s.test[1] instanceof Int32Array);
  t.deepEqual(s.test[2].shape, [2, 2]);
  for (const part of [s.train, s.validation, s.test]) {
    part[1].forEach((label, k) => {
      t.is(part[0][k], `s${label}`);
      t.deepEqual(Array.from(part[2].data.subarray(2 * k, 2 * k + 2)), [label, label]);
    });
  }
  const all = [...s.indices.train, ...s.indices.validation, ...s.indices.test].sort((a, b) => a - b);
  t.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  const again = trainTestSplit([ids, labels, x], { testFraction: 0.2, validationFraction: 0.3, seed: 7 });
  t.deepEqual(again.indices, s.indices);
  const other = trainTestSplit([ids], { testFraction: 0.2, validationFraction: 0.3, seed: 8 });
  t.notDeepEqual(other.indices, s.indices);
  t.throws(() => trainTestSplit([ids, labels.slice(1)]), { message: /arrays\[1\] has 9 samples, arrays\[0\] has 10/ });
  t.throws(() => trainTestSplit([ids], { testFraction: 0.7, validationFraction: 0.5 }), { message: /no room/ });
  t.throws(() => trainTestSplit([ids], { testFraction: 1.5 }), { message: /testFraction/ });
});

test('bucketByLength: every index once, batches of similar length sorted inside, seeded order', (t) => {
  const lengths = [5, 1, 9, 3, 3, 7, 2, 8, 4, 6, 10];
  const batches = bucketByLength(lengths, { batchSize: 3, seed: 1 });
  t.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  t.deepEqual(batches.map((b) => b.length).sort(), [2, 3, 3, 3]);
  const sortedLengths = [...lengths].sort((a, b) => a - b);
  for (const b of batches) {
    const ls = b.map((i) => lengths[i]);
    t.deepEqual(ls, [...ls].sort((a, b2) => a - b2), 'sorted inside the batch');
  }
  // the batches are consecutive runs of the globally sorted lengths
  const byFirst = batches.map((b) => b.map((i) => lengths[i])).sort((a, b) => a[0] - b[0] || a.length - b.length);
  t.deepEqual(byFirst.flat(), sortedLengths);
  t.deepEqual(bucketByLength(lengths, { batchSize: 3, seed: 1 }), batches);
  const orders = new Set([1, 2, 3, 4, 5].map((seed) => JSON.stringify(bucketByLength(lengths, { batchSize: 3, seed }))));
  t.true(orders.size > 1, 'the seed changes the batch order');
  t.deepEqual(bucketByLength([], { batchSize: 4 }), []);
});

test('bucketByLength: bucket boundaries keep buckets apart', (t) => {
  const lengths = [1, 2, 3, 10, 11, 12, 13];
  const batches = bucketByLength(lengths, { batchSize: 4, bucketBoundaries: [10], seed: 0 });
  const sets = batches.map((b) => b.map((i) => lengths[i]));
  t.deepEqual(sets.sort((a, b) => a[0] - b[0]), [[1, 2, 3], [10, 11, 12, 13]]);
  t.throws(() => bucketByLength(lengths, { batchSize: 0 }), { message: /batchSize/ });
  t.throws(() => bucketByLength(lengths, { batchSize: 2, bucketBoundaries: [5, 5] }), { message: /strictly increasing/ });
  t.throws(() => bucketByLength([1.5], { batchSize: 2 }), { message: /lengths\[0\]/ });
});

test('timeseriesDataset: Keras example, targets = data[L + k - 1:]', (t) => {
  // keras: timeseries_dataset_from_array(data, targets=data[10:], sequence_length=10) over 0..99
  const series = Array.from({ length: 100 }, (_, i) => i);
  const ds = timeseriesDataset(series, { sequenceLength: 10, targetOffset: 1 });
  t.deepEqual(ds.inputs.shape, [90, 10, 1]);
  t.deepEqual(ds.targets?.shape, [90, 1]);
  t.deepEqual(Array.from(ds.inputs.data.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.is(ds.targets?.data[0], 10);
  t.deepEqual(Array.from(ds.inputs.data.subarray(89 * 10)), [89, 90, 91, 92, 93, 94, 95, 96, 97, 98]);
  t.is(ds.targets?.data[89], 99);
  t.is(ds.batches.length, 1);
});

test('timeseriesDataset: stride, sampling rate, offset k, features, batches', (t) => {
  // keras docstring: sampling_rate=2, sequence_stride=3 ... windows [0,2,4,..], [3,5,7,...]
  const series = Array.from({ length: 20 }, (_, i) => [i, -i]);
  const ds = timeseriesDataset(series, { sequenceLength: 3, samplingRate: 2, sequenceStride: 3, targetOffset: 2, batchSize: 2 });
  // last input step s + 4, target s + 6 < 20  =>  s in {0, 3, 6, 9, 12}
  t.deepEqual(ds.inputs.shape, [5, 3, 2]);
  t.deepEqual(Array.from(ds.inputs.data.subarray(0, 6)), [0, -0, 2, -2, 4, -4]);
  t.deepEqual(Array.from(ds.inputs.data.subarray(6, 12)), [3, -3, 5, -5, 7, -7]);
  t.deepEqual(Array.from(ds.targets?.data ?? []), [6, -6, 9, -9, 12, -12, 15, -15, 18, -18]);
  t.deepEqual(ds.batches.map((b) => b.inputs.shape[0]), [2, 2, 1]);
  t.deepEqual(Array.from(ds.batches[2].targets?.data ?? []), [18, -18]);
  // k = 0: the target is the window's own last step; no targetOffset: no targets, windows to the end
  t.is(timeseriesDataset([1, 2, 3], { sequenceLength: 2, targetOffset: 0 }).targets?.data[0], 2);
  const noTargets = timeseriesDataset(new Float32Array([1, 2, 3]), { sequenceLength: 2 });
  t.deepEqual(noTargets.inputs.shape, [2, 2, 1]);
  t.is(noTargets.targets, undefined);
  t.deepEqual(timeseriesDataset([1, 2], { sequenceLength: 3, targetOffset: 1 }).inputs.shape, [0, 3, 1]);
  t.deepEqual(timeseriesDataset([], { sequenceLength: 3 }).batches, []);
  t.throws(() => timeseriesDataset([1, 2], { sequenceLength: 0 }), { message: /sequenceLength/ });
  t.throws(() => timeseriesDataset([[1, 2], [3]], { sequenceLength: 1 }), { message: /series\[1\] must have 2 features/ });
});
