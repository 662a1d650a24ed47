// Weights from the tools people use: a Keras 3 .weights.h5 and .keras (HDF5 written with
// h5py in Keras's layout) and a PyTorch state_dict in safetensors, made by
// test/fixtures/make_io_fixtures.py with reference outputs; and our safetensors export.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, layers as L, sequential, Sequential } from '../lib/index';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'io');
const root = mkdtempSync(join(tmpdir(), 'recurrent-interop-'));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const keras = JSON.parse(readFileSync(join(FIXTURES, 'keras_reference.json'), 'utf8')) as { inputShape: number[]; x: number[][][]; y: number[][] };

function kerasArchitecture(): Sequential {
  return sequential([
    L.lstm({ units: 5, returnSequences: true, inputShape: keras.inputShape }),
    L.bidirectional({ layer: L.gru({ units: 3, resetAfter: false, returnSequences: true }) }),
    L.timeDistributed({ layer: L.dense({ units: 4, activation: 'tanh' }) }),
    L.gru({ units: 3 }),
    L.dense({ units: 2 }),
  ]);
}

for (const file of ['keras_model.weights.h5', 'keras_model.keras']) {
  test(`Keras 3 ${file}: predictions match the reference (both GRU conventions)`, async (t) => {
    const model = kerasArchitecture();
    await io.importKerasWeights(model, join(FIXTURES, file));
    const d = maxDiff((await model.predict(keras.x)).data, keras.y.flat());
    t.log(`max |difference| ${d.toExponential(2)}`);
    t.true(d <= 1e-5);
  });
}

test('Keras import refuses another architecture, naming the layer', async (t) => {
  const wrong = sequential([L.lstm({ units: 4, returnSequences: true, inputShape: keras.inputShape }), L.bidirectional({ layer: L.gru({ units: 3, resetAfter: false, returnSequences: true }) }), L.timeDistributed({ layer: L.dense({ units: 4 }) }), L.gru({ units: 3 }), L.dense({ units: 2 })]);
  await t.throwsAsync(io.importKerasWeights(wrong, join(FIXTURES, 'keras_model.weights.h5')), { message: /layers\/lstm\/cell\/vars\/0 has shape \(4, 20\), the model.s .*kernel expects \(4, 16\)/ });
  const fewer = sequential([L.lstm({ units: 5, inputShape: keras.inputShape }), L.dense({ units: 2 })]);
  await t.throwsAsync(io.importKerasWeights(fewer, join(FIXTURES, 'keras_model.keras')), { message: /layers are LSTM, Bidirectional/ });
  const bad = join(root, 'bad.weights.h5');
  writeFileSync(bad, readFileSync(join(FIXTURES, 'keras_model.weights.h5')).subarray(0, 3000));
  await t.throwsAsync(io.importKerasWeights(kerasArchitecture(), bad), { message: /truncated or corrupt/ });
  writeFileSync(bad, 'not hdf5 at all');
  await t.throwsAsync(io.importKerasWeights(kerasArchitecture(), bad), { message: /not an HDF5 file/ });
});

const torchFile = join(FIXTURES, 'torch_model.safetensors');
const torchMeta = io.parseSafetensors(readFileSync(torchFile)).metadata;
const torchX = JSON.parse(torchMeta.x) as number[][];
const torchY = (JSON.parse(torchMeta.y) as number[][]).flat();

function torchArchitecture(): Sequential {
  return sequential([
    L.embedding({ inputDim: 11, outputDim: 4 }),
    L.bidirectional({ layer: L.lstm({ units: 5, returnSequences: true }) }),
    L.gru({ units: 3 }),
    L.dense({ units: 2 }),
  ]);
}

test('PyTorch state_dict in safetensors: predictions match PyTorch', async (t) => {
  const model = torchArchitecture();
  await io.importSafetensors(model, torchFile);
  const d = maxDiff((await model.predict(torchX)).data, torchY);
  t.log(`max |difference| ${d.toExponential(2)}`);
  t.true(d <= 1e-5);
});

test('PyTorch import refuses a GRU with resetAfter false and unused tensors', async (t) => {
  const resetBefore = sequential([L.embedding({ inputDim: 11, outputDim: 4 }), L.bidirectional({ layer: L.lstm({ units: 5, returnSequences: true }) }), L.gru({ units: 3, resetAfter: false }), L.dense({ units: 2 })]);
  await t.throwsAsync(io.importSafetensors(resetBefore, torchFile), { message: /resetAfter false/ });
  const shorter = sequential([L.embedding({ inputDim: 11, outputDim: 4 }), L.bidirectional({ layer: L.lstm({ units: 5 }) }), L.dense({ units: 2 })]);
  await t.throwsAsync(io.importSafetensors(shorter, torchFile), { message: /no tensor 'gru.weight'/ });
});

test('exportSafetensors writes Keras names; importSafetensors reads them back exactly', async (t) => {
  const model = torchArchitecture();
  await io.importSafetensors(model, torchFile);
  const file = join(root, 'export.safetensors');
  await io.exportSafetensors(model, file);
  const { tensors } = io.parseSafetensors(readFileSync(file));
  const names = [...tensors.keys()];
  t.true(names.some((n) => /\/forward_lstm.*\/kernel$/.test(n)), names.join(', '));
  const again = torchArchitecture();
  await io.importSafetensors(again, file);
  t.deepEqual(again.getWeights().map((w) => Array.from(w.data)), model.getWeights().map((w) => Array.from(w.data)));
});
