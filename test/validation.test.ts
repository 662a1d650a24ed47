// Every check that runs before native code: layer configs, input shapes, dtypes, token ids,
// targets vs the loss, ragged arrays, weights, and calls in the wrong order.
import test from 'ava';
import { layers, optimizers, sequential, tensor } from '../lib/index';
import { FakeBackend } from './support/fake_native_model';

test('layer config errors name the layer', (t) => {
  t.throws(() => layers.lstm({ units: -3, name: 'lstm_1' }), { message: 'lstm_1: units must be a positive integer (at most 16777216), received -3' });
  t.throws(() => layers.gru({ units: 2.5, name: 'g' }), { message: 'g: units must be a positive integer (at most 16777216), received 2.5' });
  t.throws(() => layers.dense({ units: 4, activation: 'swish' as never, name: 'd' }), {
    message: "d: activation must be one of 'linear', 'relu', 'sigmoid', 'tanh', 'softmax', received 'swish'",
  });
  t.throws(() => layers.lstm({ units: 4, dropout: 1.5, name: 'l' }), { message: 'l: dropout must be a number in [0, 1), received 1.5' });
  t.throws(() => layers.dropout({ rate: 1, name: 'dr' }), { message: 'dr: rate must be a number in [0, 1), received 1' });
  t.throws(() => layers.embedding({ inputDim: 0, outputDim: 3, name: 'e' }), { message: 'e: inputDim must be a positive integer (at most 2147483647), received 0' });
  t.throws(() => layers.lstm({ units: 4, kernelInitializer: 'nope' as never, name: 'k' }), { message: /k: kernelInitializer must be an initializer .* or one of 'glorotUniform', .*received 'nope'/ });
  t.throws(() => layers.bidirectional({ layer: layers.dense({ units: 2 }) as never, name: 'b' }), { message: /b: layer must be a recurrent layer/ });
  t.is(layers.lstm({ units: 2, recurrentActivation: 'hard_sigmoid' }).recurrentActivation, 'hardSigmoid');
});

test('shape misfits between layers name the layer', (t) => {
  const model = sequential([layers.dense({ units: 4, inputShape: [3] })]);
  t.throws(() => model.add(layers.lstm({ units: 2, name: 'lstm_x' })), {
    message: 'lstm_x: expected input of rank 3 (batch, steps, features), received input shape (None, 4)',
  });
  t.is(model.layers.length, 1);
});

test('Bidirectional with mergeMode null is rejected by Sequential with a clear error', (t) => {
  const bi = layers.bidirectional({ layer: layers.lstm({ units: 3 }), mergeMode: null, name: 'bi' });
  t.throws(() => sequential([bi]), { message: /bi \(Bidirectional\) has mergeMode null, which returns two outputs.*use mergeMode 'concat'/ });
});

test('input shape, dtype and token ids are checked before native code', async (t) => {
  const backend = new FakeBackend();
  const model = sequential([layers.embedding({ inputDim: 10, outputDim: 2, inputLength: 3, name: 'emb' }), layers.gru({ units: 2 }), layers.dense({ units: 1, activation: 'sigmoid' })], { backend });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await t.throwsAsync(model.fit([[1, 2, 3, 4]], [1], { verbose: 0 }), {
    message: 'emb (the first layer) expects input of shape (None, 3), but x has shape (1, 4)',
  });
  await t.throwsAsync(model.fit([[1, 2, 10]], [1], { verbose: 0 }), { message: 'emb: token id 10 at x[0][2] is out of range [0, 10)' });
  await t.throwsAsync(model.fit([[1, -1, 2]], [1], { verbose: 0 }), { message: 'emb: token id -1 at x[0][1] is out of range [0, 10)' });
  await t.throwsAsync(model.fit([[1, 2.5, 2]], [1], { verbose: 0 }), { message: 'emb: token ids must be integers, but x[0][1] is 2.5' });
  await t.throwsAsync(model.fit([[1, 2, 3], [4, 5]], [1, 0], { verbose: 0 }), { message: 'x: ragged nested array: x[1] has 2 elements, but x[0] has 3' });
  await t.throwsAsync(model.fit([[1, 2, 3]], [1, 0], { verbose: 0 }), { message: 'y has 2 samples, but x has 1' });
  t.is(backend.models.length, 0, 'no native model was made for bad input');
  const floats = sequential([layers.lstm({ units: 2, inputShape: [5, 3], name: 'lstm_in' })], { backend });
  await t.throwsAsync(floats.predict(tensor(new Float32Array(2 * 5 * 4), [2, 5, 4])), {
    message: 'lstm_in (the first layer) expects input of shape (None, 5, 3), but x has shape (2, 5, 4)',
  });
});

test('targets are checked against the loss and the output', async (t) => {
  const backend = new FakeBackend({ outputShape: [4] });
  const model = sequential([layers.dense({ units: 4, activation: 'softmax', inputShape: [2] })], { backend });
  const x = [[0, 1], [1, 0]];
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  await t.throwsAsync(model.fit(x, [1, 3], { verbose: 0 }), {
    message: "y: categoricalCrossentropy expects targets of shape (None, 4), received (2,); for integer class ids use 'sparseCategoricalCrossentropy'",
  });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  await t.throwsAsync(model.fit(x, [[0, 1, 0, 0], [1, 0, 0, 0]], { verbose: 0 }), {
    message: "y: sparseCategoricalCrossentropy expects integer class ids of shape (None,), received (2, 4); for one-hot targets use 'categoricalCrossentropy'",
  });
  await t.throwsAsync(model.fit(x, [1, 4], { verbose: 0 }), { message: 'y: class id 4 at y[1] is not an integer in [0, 4)' });
  const h = await model.fit(x, [[1], [3]], { verbose: 0 });
  t.deepEqual(backend.last.trainSteps[0].y.sort(), [1, 3]);
  t.is(h.epoch.length, 1);
});

test('fit and evaluate before compile are errors; predict is not', async (t) => {
  const backend = new FakeBackend();
  const model = sequential([layers.dense({ units: 1, inputShape: [2] })], { backend, name: 'm' });
  await t.throwsAsync(model.fit([[1, 2]], [1]), { message: 'm: call compile({ optimizer, loss }) before fit()' });
  await t.throwsAsync(model.evaluate([[1, 2]], [1]), { message: 'm: call compile({ optimizer, loss }) before evaluate()' });
  const out = await model.predict([[7, 2], [5, 1]]);
  t.deepEqual(out.shape, [2, 1]);
  t.deepEqual(Array.from(out.data), [7, 5]);
});

test('compile options are checked and sent as the CompileSpec', async (t) => {
  t.throws(() => optimizers.adam({ beta1: 1 }), { message: 'adam: beta1 must be a number in [0, 1), received 1' });
  t.throws(() => optimizers.sgd({ learningRate: -1 }), { message: /sgd: learningRate must be a non-negative number/ });
  const backend = new FakeBackend();
  const model = sequential([layers.dense({ units: 1, inputShape: [2] })], { backend });
  t.throws(() => model.compile({ optimizer: 'adam', loss: 'hinge' as never }), { message: /unknown loss 'hinge'/ });
  model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3, clipnorm: 1 }), loss: 'mse', metrics: ['mae', 'accuracy'] });
  await model.predict([[1, 2]]);
  t.deepEqual(backend.last.compiled[0], {
    losses: [{ loss: 'meanSquaredError', fromLogits: false, weight: 1, metrics: ['meanAbsoluteError', 'categoricalAccuracy'] }],
    optimizer: {
      kind: 'adam', learningRate: 1e-3, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, rho: 0.9,
      initialAccumulatorValue: 0.1, clipvalue: 0, clipnorm: 1, globalClipnorm: 0,
    },
  });
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  t.deepEqual(backend.last.compiled[1].losses[0]?.metrics, ['binaryAccuracy']);
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  t.deepEqual(backend.last.compiled[2].losses[0]?.metrics, ['sparseCategoricalAccuracy']);
});

test('the GraphSpec carries the layers, the input shape and dtype, and the initial weights', async (t) => {
  const backend = new FakeBackend({ outputShape: [1] });
  const model = sequential([
    layers.embedding({ inputDim: 20, outputDim: 4, maskZero: true }),
    layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), mergeMode: 'ave' }),
    layers.timeDistributed({ layer: layers.dense({ units: 2 }), name: 'td' }),
    layers.gru({ units: 2, goBackwards: true }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ], { backend, seed: 9 });
  const before = model.getWeights();
  await model.predict(tensor(new Int32Array([1, 2, 0, 3, 4, 0]), [2, 3]));
  const spec = backend.last.spec;
  t.deepEqual(spec.inputs.map((i) => [i.shape, i.dtype]), [[[null], 'int32']]);
  t.deepEqual(spec.nodes.map((n) => [n.layer, n.inputs, n.outputs]), [[0, [0], [1]], [1, [1], [2]], [2, [2], [3]], [3, [3], [4]], [4, [4], [5]]]);
  t.deepEqual(spec.outputs, [5]);
  t.is(spec.seed, 9);
  t.deepEqual(spec.layers.map((l) => l.kind), ['embedding', 'bidirectional', 'dense', 'rnn', 'dense']);
  const bi = spec.layers[1];
  t.true(bi.kind === 'bidirectional' && bi.mergeMode === 'ave' && !bi.forward.goBackwards && bi.backward.goBackwards && bi.forward.cell === 'lstm');
  t.is(spec.layers[2].name, 'td');
  const g = spec.layers[3];
  t.true(g.kind === 'rnn' && g.cell === 'gru' && g.resetAfter && g.goBackwards && g.recurrentActivation === 'sigmoid');
  t.deepEqual(backend.last.weights.map((w) => Array.from(w)), before.map((w) => Array.from(w.data)));
});

test('setWeights checks count and shapes', (t) => {
  const model = sequential([layers.dense({ units: 2, inputShape: [3], name: 'd' })], { name: 'm' });
  t.throws(() => model.setWeights([new Float32Array(6)]), { message: 'm: setWeights expects 2 weights, received 1' });
  t.throws(() => model.setWeights([tensor(new Float32Array(6), [2, 3]), new Float32Array(2)]), {
    message: 'm: setWeights: weight 0 (d/kernel) expects shape (3, 2), received (2, 3)',
  });
  model.setWeights([[[1, 2], [3, 4], [5, 6]], new Float32Array([7, 8])]);
  t.deepEqual(model.getWeights().map((w) => Array.from(w.data)), [[1, 2, 3, 4, 5, 6], [7, 8]]);
});

test('automatic names count per kind and the name option wins', (t) => {
  const a = layers.masking();
  const b = layers.masking();
  t.regex(a.name, /^masking(_\d+)?$/);
  const n = a.name === 'masking' ? 0 : Number(a.name.split('_')[1]);
  t.is(b.name, `masking_${n + 1}`);
  t.is(layers.masking({ name: 'mine' }).name, 'mine');
  t.throws(() => sequential([layers.dense({ units: 1, name: 'x', inputShape: [1] }), layers.dense({ units: 1, name: 'x' })]), {
    message: /already has a layer named 'x'/,
  });
});
