// Initializers: statistics, exact properties (orthogonality, limits, the LSTM forget bias)
// and seeded reproducibility.
import test from 'ava';
import { initializers, layers, sequential } from '../lib/index';
import { SeededRandom } from '../lib/random';

const rng = () => new SeededRandom(42);

function gram(w: Float32Array, rows: number, cols: number, byColumns: boolean): Float64Array {
  const n = byColumns ? cols : rows;
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      if (byColumns) for (let i = 0; i < rows; i++) s += w[i * cols + a] * w[i * cols + b];
      else for (let j = 0; j < cols; j++) s += w[a * cols + j] * w[b * cols + j];
      g[a * n + b] = s;
    }
  }
  return g;
}

function maxIdentityError(g: Float64Array, n: number, gain = 1): number {
  let m = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) m = Math.max(m, Math.abs(g[a * n + b] - (a === b ? gain * gain : 0)));
  return m;
}

test('orthogonal: a tall [256, 64] matrix has W^T W = I within 1e-5', (t) => {
  const w = initializers.orthogonal().generate([256, 64], rng());
  t.true(maxIdentityError(gram(w, 256, 64, true), 64) < 1e-5);
});

test('orthogonal: a wide [64, 256] recurrent kernel follows Keras (orthonormal rows: W W^T = I)', (t) => {
  const w = initializers.orthogonal().generate([64, 256], rng());
  t.true(maxIdentityError(gram(w, 64, 256, false), 64) < 1e-5);
});

test('orthogonal: square with gain 2 gives W^T W = 4 I', (t) => {
  const w = initializers.orthogonal({ gain: 2 }).generate([32, 32], rng());
  t.true(maxIdentityError(gram(w, 32, 32, true), 32, 2) < 1e-4);
});

test('glorotUniform stays within sqrt(6 / (fanIn + fanOut)) and fills it', (t) => {
  const w = initializers.glorotUniform().generate([100, 300], rng());
  const limit = Math.sqrt(6 / 400);
  let max = 0;
  let sum = 0;
  for (const v of w) {
    max = Math.max(max, Math.abs(v));
    sum += v;
  }
  t.true(max <= limit);
  t.true(max > 0.99 * limit);
  t.true(Math.abs(sum / w.length) < 0.01 * limit);
});

test('glorotNormal is truncated at two stddevs with Keras variance', (t) => {
  const w = initializers.glorotNormal().generate([200, 200], rng());
  const stddev = Math.sqrt(2 / 400) / 0.87962566103423978;
  let sq = 0;
  for (const v of w) {
    t.true(Math.abs(v) <= 2 * stddev + 1e-7);
    sq += v * v;
  }
  t.true(Math.abs(Math.sqrt(sq / w.length) - Math.sqrt(2 / 400)) < 0.03 * Math.sqrt(2 / 400));
});

test('he, random, identity, constant, zeros and ones', (t) => {
  const he = initializers.heUniform().generate([50, 10], rng());
  t.true(Math.max(...he.map(Math.abs)) <= Math.sqrt(6 / 50));
  const hn = initializers.heNormal().generate([400, 100], rng());
  t.true(Math.max(...hn.map(Math.abs)) <= 2 * Math.sqrt(2 / 400) / 0.87962566103423978 + 1e-7);
  const ru = initializers.randomUniform().generate([1000], rng());
  t.true(ru.every((v) => v >= -0.05 && v < 0.05));
  const rn = initializers.randomNormal({ mean: 1, stddev: 0.1 }).generate([10000], rng());
  const mean = rn.reduce((a, b) => a + b, 0) / rn.length;
  t.true(Math.abs(mean - 1) < 0.01);
  t.deepEqual(Array.from(initializers.identity({ gain: 3 }).generate([2, 3], rng())), [3, 0, 0, 0, 3, 0]);
  t.deepEqual(Array.from(initializers.constant({ value: 0.5 }).generate([3], rng())), [0.5, 0.5, 0.5]);
  t.deepEqual(Array.from(initializers.constant({ value: [[1, 2], [3, 4]] }).generate([2, 2], rng())), [1, 2, 3, 4]);
  t.throws(() => initializers.constant({ value: [[1, 2]] }).generate([2, 2], rng()), { message: /values have shape \(1, 2\), but the weight has shape \(2, 2\)/ });
  t.true(initializers.zeros().generate([4], rng()).every((v) => v === 0));
  t.true(initializers.ones().generate([4], rng()).every((v) => v === 1));
});

test('a seeded initializer draws the same values every time; unseeded ones follow the stream', (t) => {
  const a = initializers.glorotUniform({ seed: 7 }).generate([4, 4], new SeededRandom(1));
  const b = initializers.glorotUniform({ seed: 7 }).generate([4, 4], new SeededRandom(2));
  t.deepEqual(a, b);
  const c = initializers.glorotUniform().generate([4, 4], new SeededRandom(1));
  const d = initializers.glorotUniform().generate([4, 4], new SeededRandom(2));
  t.notDeepEqual(c, d);
});

test('a model seed makes whole models reproducible', (t) => {
  const make = (seed: number) =>
    sequential([layers.embedding({ inputDim: 50, outputDim: 4 }), layers.lstm({ units: 3 }), layers.dense({ units: 1 })], { seed })
      .getWeights()
      .map((w) => Array.from(w.data));
  t.deepEqual(make(123), make(123));
  t.notDeepEqual(make(123), make(124));
});

test('LSTM default weights: glorot kernel, orthogonal recurrent kernel, unitForgetBias ones in the forget block', (t) => {
  const h = 5;
  const model = sequential([layers.lstm({ units: h, inputShape: [3, 4] })], { seed: 1 });
  const [kernel, recurrent, bias] = model.getWeights();
  t.deepEqual(kernel.shape, [4, 4 * h]);
  t.true(maxIdentityError(gram(recurrent.data as Float32Array, h, 4 * h, false), h) < 1e-5);
  t.deepEqual(Array.from(bias.data), [...Array(h).fill(0), ...Array(h).fill(1), ...Array(2 * h).fill(0)]);
  const off = sequential([layers.lstm({ units: h, unitForgetBias: false, inputShape: [3, 4] })]).getWeights()[2];
  t.true(off.data.every((v) => v === 0));
});

test('embeddings default to uniform(-0.05, 0.05)', (t) => {
  const [e] = sequential([layers.embedding({ inputDim: 100, outputDim: 8 })]).getWeights();
  t.true(e.data.every((v) => v >= -0.05 && v < 0.05));
  t.true(Math.max(...e.data) > 0.04);
});
