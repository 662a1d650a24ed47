// languageModel over a trained next-token model: the log-likelihood of a text is the sum
// of one whole-sequence predict's log-probabilities; the stateful one-step copy that
// generate() runs chooses what that predict ranks first at every prefix; a model trained
// on a repeating pattern scores it far above its reverse and, greedy, continues it;
// refresh() takes in later training; draws are seeded; bad input is named.
import test from 'ava';

import { languageModel, layers, optimizers, sequential, tensor } from '../lib/index';

const PATTERN = [1, 2, 3, 4, 5, 3, 2]; // period 7 over ids 1..5
const V = 6;

async function trainedModel() {
  const m = sequential([layers.embedding({ inputDim: V, outputDim: 8 }), layers.lstm({ units: 24, returnSequences: true }), layers.dense({ units: V, activation: 'softmax' })], { inputShape: [null], seed: 5 });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
  const T = 21;
  const N = 28;
  const x = new Int32Array(N * T);
  const y = new Int32Array(N * T);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      x[n * T + t] = PATTERN[(n + t) % PATTERN.length];
      y[n * T + t] = PATTERN[(n + t + 1) % PATTERN.length];
    }
  }
  await m.fit(tensor(x, [N, T]), tensor(y, [N, T]), { epochs: 60, batchSize: 14, verbose: 0 });
  return m;
}

test('log-likelihood, step-by-step agreement, greedy continuation and seeded sampling', async (t) => {
  const m = await trainedModel();
  const lm = languageModel(m);
  t.is(lm.vocabulary, V);
  const text = Array.from({ length: 30 }, (_, i) => PATTERN[i % PATTERN.length]);
  const forward = await lm.logLikelihood(text);
  const backward = await lm.logLikelihood([...text].reverse());
  t.log(`nats per token: ${forward.natsPerToken.toFixed(3)} for the pattern, ${backward.natsPerToken.toFixed(3)} reversed`);
  t.is(forward.tokens, 29);
  t.true(forward.natsPerToken > -0.1, `the pattern is likely (${forward.natsPerToken})`);
  t.true(backward.natsPerToken < forward.natsPerToken - 1, 'its reverse is not');

  // The likelihood is the sum over one whole-sequence predict; the one-step stateful copy
  // that generate() runs agrees with that predict at every prefix (its greedy choice is
  // the argmax of the predict's probabilities there).
  const whole = (await m.predict(tensor(Int32Array.from(text.slice(0, -1)), [1, text.length - 1]))).data as Float32Array;
  let fromWhole = 0;
  for (let k = 1; k < text.length; k++) fromWhole += Math.log(whole[(k - 1) * V + text[k]]);
  t.true(Math.abs(forward.nats - fromWhole) < 1e-4, `logLikelihood ${forward.nats} vs the sum over predict ${fromWhole}`);
  for (let k = 1; k < 15; k++) {
    const row = Array.from(whole.subarray((k - 1) * V, k * V));
    const [next] = await lm.generate(text.slice(0, k), 1, { temperature: 0 });
    t.is(next, row.indexOf(Math.max(...row)), `prefix of ${k}`);
  }
  const greedy = await lm.generate(text.slice(0, 10), 14, { temperature: 0 });
  t.deepEqual(greedy, Array.from({ length: 14 }, (_, i) => PATTERN[(10 + i) % PATTERN.length]));
  const a = await lm.generate([1], 20, { temperature: 1.5, seed: 3 });
  const b = await lm.generate([1], 20, { temperature: 1.5, seed: 3 });
  t.deepEqual(a, b);
  t.true(a.every((id) => Number.isInteger(id) && id >= 0 && id < V));
  const topK = await lm.generate([1], 12, { temperature: 1, topK: 1, seed: 9 });
  t.deepEqual(topK, await lm.generate([1], 12, { temperature: 0 }));
  // After more training, refresh() brings the new weights into the one-step copy.
  await m.fit(tensor(Int32Array.from(text.slice(0, 21)), [1, 21]), tensor(Int32Array.from(text.slice(1, 22)), [1, 21]), { epochs: 1, verbose: 0 });
  lm.refresh();
  t.deepEqual(await lm.generate(text.slice(0, 10), 7, { temperature: 0 }), PATTERN.slice(3).concat(PATTERN.slice(0, 3)));

  await t.throwsAsync(lm.logLikelihood([1]), { message: /needs at least two tokens/ });
  await t.throwsAsync(lm.logLikelihood([1, 9]), { message: /token 9 at 1 is not an id in \[0, 6\)/ });
  await t.throwsAsync(lm.generate([], 3), { message: /the seed must hold at least one token/ });
  await t.throwsAsync(lm.generate([1], -1), { message: /count must be a non-negative integer, received -1/ });
  await t.throwsAsync(lm.generate([1], 2, { temperature: -1 }), { message: /temperature must be >= 0, received -1/ });
  await t.throwsAsync(lm.generate([1], 2, { temp: 1 } as never), { message: /unknown option 'temp'/ });
});

test('a Bidirectional model or one without per-step probabilities is refused', (t) => {
  const bi = sequential([layers.embedding({ inputDim: V, outputDim: 4 }), layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }) }), layers.dense({ units: V, activation: 'softmax' })], { inputShape: [null] });
  t.throws(() => languageModel(bi), { message: /a Bidirectional layer reads the future/ });
  const last = sequential([layers.embedding({ inputDim: V, outputDim: 4 }), layers.lstm({ units: 3 }), layers.dense({ units: V, activation: 'softmax' })], { inputShape: [null] });
  t.throws(() => languageModel(last), { message: /must output next-token probabilities per step \[T, V\]/ });
});
