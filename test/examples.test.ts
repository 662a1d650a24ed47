// The examples' pure helpers: mail text and scores (spam), vocabulary, windows, temperature
// sampling and the stateful sampler (char LM, on a tiny untrained model), the seasonal-naive
// baseline and windows (births), summary counts and the table (compare). No dataset is read.
import test from 'ava';
import { seasonalNaive, meanSquaredError, meanStd, windowsWithTargetsIn } from '../examples/births';
import { charModel, CharSampler, charVocab, charWindows, encode, sampleWithTemperature, seededUniform } from '../examples/charlm';
import { formatTable, summaryCounts } from '../examples/compare';
import { binaryScores, mailText, majorityAccuracy, spamModel } from '../examples/spam';
import { layers, sequential } from '../lib/index';

test('spam: mailText keeps the subject and the body, not the other headers', (t) => {
  const raw = 'Received: from relay.example\nSubject: Cheap meds NOW\nMessage-Id: <1@x>\n\nBuy now!\nReally.';
  const text = mailText(raw);
  t.true(text.startsWith('Cheap meds NOW\n'));
  t.true(text.includes('Buy now!\nReally.'));
  t.false(text.includes('Received') || text.includes('Message-Id'));
  t.is(mailText('Subject: only headers'), 'only headers\n');
});

test('spam: binaryScores and majorityAccuracy', (t) => {
  const labels = [1, 1, 1, 0, 0, 0, 0, 0];
  const probabilities = [0.9, 0.8, 0.2, 0.6, 0.1, 0.1, 0.3, 0.4];
  const s = binaryScores(labels, probabilities);
  t.deepEqual([s.tp, s.fn, s.fp, s.tn], [2, 1, 1, 4]);
  t.is(s.accuracy, 6 / 8);
  t.is(s.precision, 2 / 3);
  t.is(s.recall, 2 / 3);
  t.true(Math.abs(s.f1 - 2 / 3) < 1e-12);
  t.is(binaryScores([0, 0], [0.1, 0.2]).f1, 0);
  t.is(majorityAccuracy(labels), 5 / 8);
  t.throws(() => binaryScores([1], [0.5, 0.5]), { message: /1 labels but 2 probabilities/ });
});

test('spam: the model is the course IMDB model and its parameter count matches Keras', (t) => {
  const model = spamModel(10000, 200, 1);
  // Embedding 10000*32 + GRU(24, reset_after) 3*24*(32+24+2) + GRU 3*24*(24+24+2) + Dense 25.
  t.is(model.countParams(), 320000 + 4176 + 3600 + 25);
});

test('charlm: vocabulary, encoding and shifted windows', (t) => {
  const vocab = charVocab('abcab');
  t.deepEqual(vocab.chars, ['a', 'b', 'c']);
  const ids = encode('abcabca', vocab);
  t.deepEqual([...ids], [0, 1, 2, 0, 1, 2, 0]);
  t.throws(() => encode('abz', vocab), { message: /"z" at 2/ });
  const w = charWindows(ids, 3);
  t.deepEqual(w.x.shape, [2, 3]);
  t.deepEqual([...w.x.data], [0, 1, 2, 0, 1, 2]);
  t.deepEqual([...w.y.data], [1, 2, 0, 1, 2, 0]);
  t.deepEqual(charWindows(ids, 3, 1).x.shape, [4, 3]);
  t.deepEqual(charWindows(ids, 7).x.shape, [0, 7]);
});

test('charlm: temperature sampling', (t) => {
  const p = [0.1, 0.6, 0.3];
  t.is(sampleWithTemperature(p, 0), 1);
  // A tiny temperature is argmax without underflow; a draw lands where the cumulative weight says.
  t.is(sampleWithTemperature(p, 1e-4, () => 0.999), 1);
  t.is(sampleWithTemperature(p, 1, () => 0.05), 0);
  t.is(sampleWithTemperature(p, 1, () => 0.65), 1);
  t.is(sampleWithTemperature(p, 1, () => 0.75), 2);
  const uniform = seededUniform(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 20000; i++) counts[sampleWithTemperature(p, 1, uniform)]++;
  t.true(Math.abs(counts[1] / 20000 - 0.6) < 0.02, `frequency of index 1: ${counts[1] / 20000}`);
  // Temperature 2 flattens: p^(1/2) normalized.
  counts.fill(0);
  for (let i = 0; i < 20000; i++) counts[sampleWithTemperature(p, 2, uniform)]++;
  const flat = Math.sqrt(0.6) / (Math.sqrt(0.1) + Math.sqrt(0.6) + Math.sqrt(0.3));
  t.true(Math.abs(counts[1] / 20000 - flat) < 0.02);
  t.throws(() => sampleWithTemperature(p, -1), { message: /temperature must be >= 0/ });
});

test('charlm: generate and logLikelihood with a tiny untrained model', async (t) => {
  const vocab = charVocab('abc .');
  const trained = charModel({ vocabSize: vocab.chars.length, embeddingDim: 4, units: 8, seqLen: 6, seed: 2 });
  const sampler = new CharSampler(trained, vocab, { embeddingDim: 4, units: 8, seed: 2 });
  const text = await sampler.generate('ab', 12, 1, seededUniform(3));
  t.is(text.length, 12);
  t.true([...text].every((c) => vocab.index.has(c)));
  // Same seed, same text: the sampler resets its state on every call.
  t.is(await sampler.generate('ab', 12, 1, seededUniform(3)), text);
  const greedy = await sampler.generate('a', 5, 0);
  t.is(greedy, await sampler.generate('a', 5, 0));
  const ll = await sampler.logLikelihood('abc. cab');
  t.is(ll.chars, 7);
  t.true(ll.nats < 0 && Number.isFinite(ll.nats));
  // An untrained model is close to uniform over the 5 characters.
  t.true(Math.abs(-ll.natsPerChar - Math.log(5)) < 0.3, `nats/char ${-ll.natsPerChar}`);
  await t.throwsAsync(sampler.generate('', 3, 1), { message: /at least one character/ });
  await t.throwsAsync(sampler.logLikelihood('a'), { message: /at least two characters/ });
});

test('births: seasonal-naive baseline, MSE, normalization and windows', (t) => {
  const series = [1, 2, 3, 4, 5, 6, 7, 11, 12, 13];
  const naive = seasonalNaive(series, 7);
  t.true(Number.isNaN(naive[6]));
  t.deepEqual([...naive.subarray(7)], [1, 2, 3]);
  t.is(meanSquaredError(series, naive), (100 + 100 + 100) / 3);
  t.is(meanSquaredError([1, 2], [1, 4]), 2);
  const { mean, std } = meanStd([1, 3]);
  t.deepEqual([mean, std], [2, 1]);
  t.is(meanStd([5, 5]).std, 1);
  const z = Float32Array.from({ length: 10 }, (_, i) => i);
  // Targets 6..9, each from the 3 values before it.
  const w = windowsWithTargetsIn(z, 3, 6, 10);
  t.is(w.firstTarget, 6);
  t.deepEqual(w.x.shape, [4, 3, 1]);
  t.deepEqual([...w.y.data], [6, 7, 8, 9]);
  t.deepEqual([...w.x.data.subarray(0, 3)], [3, 4, 5]);
});

test('compare: summary counts of a frozen embedding and the table', (t) => {
  const frozen = sequential([
    layers.embedding({ inputDim: 100, outputDim: 8, inputShape: [5], trainable: false }),
    layers.gru({ units: 4 }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ]);
  const counts = summaryCounts(frozen.summary({ print: false }));
  t.deepEqual(counts, { total: 800 + 3 * 4 * (8 + 4 + 2) + 5, trainable: 3 * 4 * (8 + 4 + 2) + 5, nonTrainable: 800 });
  t.throws(() => summaryCounts('nothing'), { message: /Total params/ });
  const table = formatTable([{ model: 'GRU', trainable: 1234, nonTrainable: 0, accuracy: 0.9712, f1: 0.95, seconds: 3.14 }]);
  t.is(table.split('\n').length, 3);
  t.regex(table, /GRU\s+1,234\s+0\s+97\.12%\s+95\.00%\s+3\.1/);
});
