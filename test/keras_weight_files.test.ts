// model.saveWeights / model.loadWeights, Keras's save_weights and load_weights: Keras 2 .h5
// files (weights only and whole models, written with h5py in Keras 2's layout) load onto a
// model of the same architecture by name or by position; Keras 3 .weights.h5 files round
// trip, for Sequential and functional models.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { input, layers, model, sequential, SymbolicTensor } from '../lib/index';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'hdf5');
const reference = JSON.parse(readFileSync(join(FIXTURES, 'keras2_reference.json'), 'utf8')) as { layerName: string; weights: { data: number[] }[] }[];
const expected = reference.flatMap((l) => l.weights.map((w) => Array.from(Float32Array.from(w.data))));

function keras2Model(names = true) {
  const n = (s: string) => (names ? { name: s } : {});
  return sequential([
    layers.embedding({ inputDim: 11, outputDim: 4, ...n('embedding') }),
    layers.lstm({ units: 3, returnSequences: true, ...n('lstm') }),
    layers.dropout({ rate: 0.1, ...n('dropout') }),
    layers.bidirectional({ layer: layers.gru({ units: 2 }), ...n('bidirectional') }),
    layers.dense({ units: 2, ...n('dense') }),
  ], { inputShape: [5] });
}

for (const file of ['keras2_weights.h5', 'keras2_model.h5']) {
  test(`loadWeights reads Keras 2's ${file} by layer name`, async (t) => {
    const m = keras2Model();
    await m.loadWeights(join(FIXTURES, file));
    t.deepEqual(m.getWeights().map((w) => Array.from(w.data)), expected);
  });
}

test('loadWeights matches a Keras 2 file by position when the names differ, and refuses another architecture', async (t) => {
  const m = keras2Model(false);
  await m.loadWeights(join(FIXTURES, 'keras2_weights.h5'));
  t.deepEqual(m.getWeights().map((w) => Array.from(w.data)), expected);
  const other = sequential([layers.embedding({ inputDim: 11, outputDim: 4 }), layers.lstm({ units: 4 }), layers.dense({ units: 2 })], { inputShape: [5] });
  await t.throwsAsync(other.loadWeights(join(FIXTURES, 'keras2_weights.h5')), { message: /the file has 4 layers with weights .*the model 3/ });
  await t.throwsAsync(m.loadWeights('weights.bin'), { message: /expected a Keras \.weights\.h5, \.keras or \.h5 file/ });
});

test('saveWeights writes Keras 3 .weights.h5 that loadWeights reads back, Sequential and functional', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-weights-'));
  try {
    const a = keras2Model();
    await a.loadWeights(join(FIXTURES, 'keras2_weights.h5'));
    await a.saveWeights(join(dir, 'seq.weights.h5'));
    const b = keras2Model(false);
    await b.loadWeights(join(dir, 'seq.weights.h5'));
    t.deepEqual(b.getWeights().map((w) => Array.from(w.data)), expected);

    const build = (seed: number) => {
      const x = input({ shape: [null, 3] });
      const [y, h] = layers.lstm({ units: 4, returnSequences: true, returnState: true }).apply(x) as SymbolicTensor[];
      const pooled = layers.timeDistributed({ layer: layers.dense({ units: 2 }) }).apply(y) as SymbolicTensor;
      return model({ inputs: x, outputs: [pooled, layers.dense({ units: 1 }).apply(h) as SymbolicTensor], seed });
    };
    const f = build(1);
    await f.saveWeights(join(dir, 'fn.weights.h5'));
    const g = build(2);
    t.notDeepEqual(g.getWeights().map((w) => Array.from(w.data)), f.getWeights().map((w) => Array.from(w.data)));
    await g.loadWeights(join(dir, 'fn.weights.h5'));
    t.deepEqual(g.getWeights().map((w) => Array.from(w.data)), f.getWeights().map((w) => Array.from(w.data)));
    await t.throwsAsync(f.saveWeights(join(dir, 'fn.h5')), { message: /must end in \.weights\.h5/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
