// The functional API without the native engine (the NativeModel double): symbolic tensors
// and their shapes, the GraphSpec of DAGs (shared layers, states, merges), per-output
// compile and logs, data by list and by name, Keras's evaluate results, summary's
// connections, topology JSON round trips, and option checking with suggestions.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { input, layers, loadModel, model, optimizers, sequential, SymbolicTensor } from '../lib/index';
import { FakeBackend } from './support/fake_native_model';

test('apply on symbolic tensors infers shapes; returnState gives [y, h, c]', (t) => {
  const x = input({ shape: [null, 8], name: 'x' });
  t.deepEqual(x.shape, [null, 8]);
  const lstm = layers.lstm({ units: 5, returnSequences: true, returnState: true });
  const out = lstm.apply(x) as SymbolicTensor[];
  t.is(out.length, 3);
  t.deepEqual(out.map((o) => o.shape), [[null, 5], [5], [5]]);
  const gru = layers.gru({ units: 5, returnState: true }).apply(x) as SymbolicTensor[];
  t.deepEqual(gru.map((o) => o.shape), [[5], [5]]);
  const bi = layers.bidirectional({ layer: layers.lstm({ units: 3, returnState: true }), mergeMode: null }).apply(x) as SymbolicTensor[];
  t.deepEqual(bi.map((o) => o.shape), [[3], [3], [3], [3], [3], [3]]);
  t.deepEqual((layers.concatenate([out[1], out[2]]) as SymbolicTensor).shape, [10]);
  t.deepEqual(layers.dot([out[0], layers.repeatVector(4).apply(out[1]) as SymbolicTensor], { axes: [2, 2] }).shape, [null, 4]);
  t.deepEqual((layers.flatten().apply(layers.repeatVector(4).apply(out[1]) as SymbolicTensor) as SymbolicTensor).shape, [20]);
  t.deepEqual((layers.reshape({ targetShape: [-1, 2] }).apply(layers.repeatVector(4).apply(out[1]) as SymbolicTensor) as SymbolicTensor).shape, [10, 2]);
});

test('misfits are errors that name the layer', (t) => {
  const a = input({ shape: [4] });
  const b = input({ shape: [5] });
  t.throws(() => layers.add({ name: 'sum' }).apply([a, b]), { message: 'sum: needs inputs of one shape, received (None, 4) and (None, 5)' });
  t.throws(() => layers.subtract({ name: 'sub' }).apply([a, a, a]), { message: 'sub: takes 2 inputs, received 3' });
  t.throws(() => layers.lstm({ units: 2, name: 'rnn' }).apply(a), { message: 'rnn: expected input of rank 3 (batch, steps, features), received input shape (None, 4)' });
  const seq = input({ shape: [null, 3] });
  t.throws(() => layers.lstm({ units: 2, name: 'l2' }).apply(seq, { initialState: [a] }), { message: /l2: takes an input and optionally 2 initial states \(\[h, c\]\), received 2 tensors/ });
  t.throws(() => layers.gru({ units: 2, name: 'g2' }).apply(seq, { initialState: a }), { message: 'g2: initial state 0 must have shape (None, 2), received (None, 4)' });
  t.throws(() => layers.dense({ units: 2, name: 'd' }).apply([1, 2] as never), { message: /d: apply takes symbolic tensors .* but input 0 is 1/ });
  const shared = layers.dense({ units: 3, name: 'shared_dense' });
  shared.apply(a);
  t.throws(() => shared.apply(b), { message: /shared_dense: was built for inputs \(None, 4\) and cannot take \(None, 5\)/ });
  t.throws(() => layers.dot([seq, seq], { axes: 1, name: 'dt' }), { message: /dt: needs the summed axes to have one known size/ });
  const orphan = input({ shape: [4], name: 'orphan' });
  t.throws(() => model({ inputs: a, outputs: layers.add().apply([a, orphan]) as SymbolicTensor }), {
    message: /an output depends on input 'orphan', which is not among the model's inputs/,
  });
});

test('the GraphSpec of an encoder-decoder: shared weights, states passed, dtypes resolved', async (t) => {
  const backend = new FakeBackend({ outputShape: [6, 9] });
  const src = input({ shape: [null], name: 'src' });
  const tgt = input({ shape: [null], name: 'tgt' });
  const emb = layers.embedding({ inputDim: 9, outputDim: 4, maskZero: true, name: 'emb' });
  const [, h, c] = layers.lstm({ units: 6, returnState: true, name: 'enc' }).apply(emb.apply(src) as SymbolicTensor) as SymbolicTensor[];
  const dec = layers.lstm({ units: 6, returnSequences: true, name: 'dec' }).apply(emb.apply(tgt) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor;
  const probs = layers.dense({ units: 9, activation: 'softmax', name: 'out' }).apply(dec) as SymbolicTensor;
  const m = model({ inputs: [src, tgt], outputs: probs, backend, seed: 3, name: 'seq2seq' });
  t.deepEqual(m.layers.map((l) => l.name), ['src', 'tgt', 'emb', 'enc', 'dec', 'out']);
  t.deepEqual(m.inputNames, ['src', 'tgt']);
  t.deepEqual(m.outputNames, ['out']);
  // The shared embedding's weights once.
  t.deepEqual(m.getWeights().map((w) => w.shape), [[9, 4], [4, 24], [6, 24], [24], [4, 24], [6, 24], [24], [6, 9], [9]]);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = { src: [[1, 2, 3, 0]], tgt: [[2, 3, 4, 5, 6, 7]] };
  await m.trainOnBatch(x, [[3, 4, 5, 6, 7, 8]]);
  const spec = backend.last.spec;
  t.deepEqual(spec.inputs, [{ name: 'src', shape: [null], dtype: 'int32' }, { name: 'tgt', shape: [null], dtype: 'int32' }]);
  t.deepEqual(spec.layers.map((l) => l.kind), ['embedding', 'rnn', 'rnn', 'dense']);
  t.deepEqual(spec.nodes, [
    { layer: 0, inputs: [0], outputs: [2] },
    { layer: 1, inputs: [2], outputs: [3, 4, 5] },
    { layer: 0, inputs: [1], outputs: [6] },
    { layer: 2, inputs: [6, 4, 5], outputs: [7] },
    { layer: 3, inputs: [7], outputs: [8] },
  ]);
  t.deepEqual(spec.outputs, [8]);
  const step = backend.last.trainSteps[0];
  t.deepEqual(step.shape, [4]);
  t.deepEqual(step.y, [3, 4, 5, 6, 7, 8]);
  await t.throwsAsync(m.trainOnBatch({ src: [[1, 2, 9]], tgt: [[1]] }, [[1]]), { message: 'emb: token id 9 at x[\'src\'][0][2] is out of range [0, 9)' });
  await t.throwsAsync(m.trainOnBatch({ src: [[1]], tgx: [[1]] } as never, [[1]]), { message: "x: 'tgx' is not one of 'src', 'tgt'" });
  await t.throwsAsync(m.trainOnBatch([[[1]]] as never, [[1]]), { message: /x: the model has 2 \(src, tgt\), received a list of 1/ });
});

test('several outputs: losses by name, loss weights, a lossless output, Keras log keys and evaluate results', async (t) => {
  const backend = new FakeBackend({ outputShape: [1], metric: 0.75, evalLoss: () => 0.5 });
  const x = input({ shape: [3], name: 'features' });
  const hidden = layers.dense({ units: 4, activation: 'relu', name: 'hidden' }).apply(x) as SymbolicTensor;
  const a = layers.dense({ units: 1, activation: 'sigmoid', name: 'is_spam' }).apply(hidden) as SymbolicTensor;
  const b = layers.dense({ units: 1, name: 'score' }).apply(hidden) as SymbolicTensor;
  const c = layers.dense({ units: 1, name: 'probe' }).apply(hidden) as SymbolicTensor;
  const m = model({ inputs: x, outputs: [a, b, c], backend });
  m.compile({ optimizer: 'sgd', loss: { is_spam: 'binaryCrossentropy', score: 'mse' }, lossWeights: { score: 0.5 }, metrics: { is_spam: ['accuracy'] } });
  t.deepEqual(m.metricsNames, ['loss', 'is_spam_loss', 'score_loss', 'is_spam_accuracy']);
  const xs = [[1, 2, 3], [4, 5, 6]];
  const logs = await m.trainOnBatch(xs, { is_spam: [1, 0], score: [0.5, 2] }, { sampleWeight: { score: [1, 3] } });
  t.deepEqual(Object.keys(logs), ['loss', 'is_spam_loss', 'score_loss', 'is_spam_accuracy']);
  const compiled = backend.last.compiled[0];
  t.deepEqual(compiled.losses.map((l) => l && [l.loss, l.weight, l.metrics]), [['binaryCrossentropy', 1, ['binaryAccuracy']], ['meanSquaredError', 0.5, []], null]);
  t.deepEqual(await m.evaluate(xs, [[1, 0], [0.5, 2]]), [0.5, 0.5, 0.5, 0.75]);
  t.deepEqual(await m.evaluate(xs, [[1, 0], [0.5, 2]], { returnDict: true }), { loss: 0.5, is_spam_loss: 0.5, score_loss: 0.5, is_spam_accuracy: 0.75 });
  await t.throwsAsync(m.trainOnBatch(xs, { is_spam: [1, 0] }), { message: "y: 'score' is missing" });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: { probe: 'mse', nope: 'mse' } }), { message: /loss: 'nope' is not an output of the model/ });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: [null, null, null] }), { message: /at least one output needs a loss/ });
  const single = sequential([layers.dense({ units: 1, inputShape: [3] })], { backend });
  single.compile({ optimizer: 'sgd', loss: 'mse' });
  t.is(await single.evaluate(xs, [1, 2]), 0.5);
});

test('summary lists the connections as Keras does', (t) => {
  const x = input({ shape: [null, 2], name: 'seq' });
  const [y, h] = layers.gru({ units: 3, returnSequences: true, returnState: true, name: 'gru' }).apply(x) as SymbolicTensor[];
  const shared = layers.dense({ units: 3, name: 'proj' });
  const flat = layers.flatten({ name: 'flat' }).apply(layers.dense({ units: 1, name: 'one' }).apply(y) as SymbolicTensor) as SymbolicTensor;
  t.deepEqual(flat.shape, [null], 'flattening a free axis gives a free size');
  t.throws(() => layers.dense({ units: 2, name: 'after_flat' }).apply(flat), { message: /after_flat: the last axis of the input must have a known size/ });
  const z = layers.add({ name: 'plus2' }).apply([shared.apply(h) as SymbolicTensor, h]) as SymbolicTensor;
  const m = model({ inputs: x, outputs: z, name: 'm' });
  const text = m.summary({ print: false });
  t.true(text.includes(" seq (InputLayer)"), text);
  t.regex(text, /gru \(GRU\)\s+\[\(None, None, 3\), \(None, 3\)\]\s+63\s+\['seq\[0\]\[0\]'\]/);
  t.regex(text, /proj \(Dense\)\s+\(None, 3\)\s+12\s+\['gru\[0\]\[1\]'\]/);
  t.regex(text, /plus2 \(Add\)\s+\(None, 3\)\s+0\s+\['proj\[0\]\[0\]', 'gru\[0\]\[1\]'\]/);
  t.true(text.includes('Total params: 75'));
});

test('unknown options are errors that name the option and suggest the right one', async (t) => {
  t.throws(() => optimizers.sgd({ lr: 0.5 } as never), { message: /sgd: unknown option 'lr' \(did you mean 'learningRate'\?\)/ });
  t.throws(() => layers.gru({ units: 3, input_shape: [2, 3] } as never), { message: /gru(_\d+)?: unknown option 'input_shape' \(did you mean 'inputShape'\?\)/ });
  t.throws(() => layers.lstm({ units: 3, retrunSequences: true } as never), { message: /unknown option 'retrunSequences' \(did you mean 'returnSequences'\?\)/ });
  t.throws(() => layers.dense({ units: '32' } as never), { message: /units must be a positive integer .*received '32'/ });
  t.throws(() => layers.lstm({ units: 2, trainable: 'true' } as never), { message: /trainable must be a boolean, received 'true'/ });
  const m = sequential([layers.dense({ units: 1, inputShape: [1] })], { backend: new FakeBackend() });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  await t.throwsAsync(m.fit([[1]], [1], { epoch: 5 } as never), { message: /fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/ });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never), { message: /compile: unknown option 'metric' \(did you mean 'metrics'\?\)/ });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: 'constructor' as never }), { message: /unknown loss 'constructor'/ });
  t.throws(() => m.compile({ optimizer: '__proto__' as never, loss: 'mse' }), { message: /optimizer must be .* received '__proto__'/ });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['constructor' as never] }), { message: /unknown metric 'constructor'/ });
});

test('Keras shorthands: units first, and the rate of Dropout', (t) => {
  t.is(layers.lstm(32).units, 32);
  t.is(layers.gru(8).units, 8);
  t.is(layers.simpleRNN(4).units, 4);
  t.is(layers.dense(2).units, 2);
  t.is(layers.dropout(0.25).rate, 0.25);
  t.is(layers.repeatVector(3).n, 3);
});

test('a functional model saves its topology as TensorFlow.js does and loads back the same graph', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-functional-'));
  try {
    const backend = new FakeBackend();
    const a = input({ shape: [null, 3], name: 'a' });
    const b = input({ shape: [4], name: 'b' });
    const [, h] = layers.gru({ units: 4, returnState: true, name: 'g' }).apply(a) as SymbolicTensor[];
    const shared = layers.dense({ units: 2, name: 'shared' });
    const out = layers.concatenate({ name: 'cat' }).apply([shared.apply(h) as SymbolicTensor, shared.apply(b) as SymbolicTensor]) as SymbolicTensor;
    const m = model({ inputs: [a, b], outputs: out, name: 'two_heads', backend, seed: 5 });
    await m.save(dir);
    const loaded = await loadModel(dir, { backend });
    t.deepEqual(loaded.layers.map((l) => `${l.name}:${l.className}`), ['a:InputLayer', 'b:InputLayer', 'g:GRU', 'shared:Dense', 'cat:Concatenate']);
    t.deepEqual(loaded.getWeights().map((w) => Array.from(w.data)), m.getWeights().map((w) => Array.from(w.data)));
    t.is((loaded as ReturnType<typeof model>).summary({ print: false }).replace(/"two_heads"/, ''), m.summary({ print: false }).replace(/"two_heads"/, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
