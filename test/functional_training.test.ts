// The functional API trained natively: an encoder-decoder that learns to reverse words
// and decodes greedily with separate encoder and decoder models sharing its layers; one
// model over batches of different lengths; a character model scoring a sentence longer or
// shorter than its training windows; bucketed batches through fitDataset; a functional
// chain bitwise equal to the Sequential model; exact resume of a functional model; the
// reference backend against the CPU; peephole LSTMs; dispose.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { data, decode, Functional, input, layers, loadModel, model, optimizers, referenceBackend, sequential, SymbolicTensor, Tensor, tensor } from '../lib/index';
import { Rng } from './support/random';

const PAD = 0;
const START = 1;
const END = 2;
const LETTERS = 10; // ids 3 .. 12
const VOCAB = 3 + LETTERS;

function words(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: 3 + Math.floor(rng.next() * 5) }, () => 3 + Math.floor(rng.next() * LETTERS)));
}

function padded(rows: number[][], T: number): Tensor {
  const out = new Int32Array(rows.length * T);
  rows.forEach((r, i) => out.set(r.slice(0, T), i * T));
  return tensor(out, [rows.length, T]);
}

test('an encoder-decoder learns to reverse words; separate encoder and decoder models share its weights and decode greedily', async (t) => {
  const rng = new Rng(11);
  const train = words(rng, 3000);
  const held = words(rng, 300);
  const T = 8;
  const H = 64;
  const src = input({ shape: [null], name: 'src' });
  const tgt = input({ shape: [null], name: 'tgt' });
  const encEmb = layers.embedding({ inputDim: VOCAB, outputDim: 16, maskZero: true, name: 'enc_emb' });
  const decEmb = layers.embedding({ inputDim: VOCAB, outputDim: 16, maskZero: true, name: 'dec_emb' });
  const encoder = layers.lstm({ units: H, returnState: true, name: 'encoder' });
  const decoder = layers.lstm({ units: H, returnSequences: true, returnState: true, name: 'decoder' });
  const head = layers.dense({ units: VOCAB, activation: 'softmax', name: 'head' });
  const [, h, c] = encoder.apply(encEmb.apply(src) as SymbolicTensor) as SymbolicTensor[];
  const [decoded] = decoder.apply(decEmb.apply(tgt) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor[];
  const training = model({ inputs: [src, tgt], outputs: head.apply(decoded) as SymbolicTensor, seed: 5, name: 'reverser' });
  training.compile({ optimizer: optimizers.adam({ learningRate: 0.01, clipnorm: 1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // Teacher forcing: the decoder reads START and the reversed word, and predicts the reversed word and END.
  const teach = (ws: number[][]) => ({
    x: { src: padded(ws, T), tgt: padded(ws.map((w) => [START, ...[...w].reverse()]), T + 1) },
    y: padded(ws.map((w) => [...[...w].reverse(), END]), T + 1),
  });
  const { x, y } = teach(train);
  const history = await training.fit(x, y, { epochs: 30, batchSize: 64, verbose: 0 });
  const losses = history.history.loss;
  t.log(`training loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}`);

  // Inference: the encoder alone, and the decoder one step at a time from given states.
  const encoderModel = model({ inputs: src, outputs: [h, c] });
  const step = input({ shape: [1], name: 'step' });
  const hIn = input({ shape: [H], name: 'h_in' });
  const cIn = input({ shape: [H], name: 'c_in' });
  const [stepOut, hOut, cOut] = decoder.apply(decEmb.apply(step) as SymbolicTensor, { initialState: [hIn, cIn] }) as SymbolicTensor[];
  const decoderModel = model({ inputs: [step, hIn, cIn], outputs: [head.apply(stepOut) as SymbolicTensor, hOut, cOut] });
  let [hs, cs] = (await encoderModel.predict(padded(held, T))) as Tensor[];
  const n = held.length;
  let current = new Int32Array(n).fill(START);
  const out: number[][] = held.map(() => []);
  const done = new Array<boolean>(n).fill(false);
  for (let s = 0; s <= T; s++) {
    const [probs, h2, c2] = (await decoderModel.predict([tensor(current, [n, 1]), hs, cs])) as Tensor[];
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const row = probs.data.subarray(i * VOCAB, (i + 1) * VOCAB);
      let best = 0;
      for (let k = 1; k < VOCAB; k++) if (row[k] > row[best]) best = k;
      next[i] = best;
      if (!done[i]) {
        if (best === END) done[i] = true;
        else out[i].push(best);
      }
    }
    current = next;
    hs = h2;
    cs = c2;
  }
  const exact = held.filter((w, i) => out[i].join(',') === [...w].reverse().join(',')).length / n;
  t.log(`exact-match accuracy on ${n} held-out words: ${(100 * exact).toFixed(1)}% (e.g. ${held[0].join(' ')} -> ${out[0].join(' ')})`);
  t.true(exact >= 0.95, `exact match ${exact}`);

  // The decode namespace does the same loop: greedy gives these tokens, and a beam search
  // over the same two models is at least as exact.
  const seq2seq = { encoder: encoderModel, decoder: decoderModel, source: padded(held, T), startToken: START, endToken: END, maxLength: T };
  const greedy = await decode.greedy(seq2seq);
  t.deepEqual(greedy.tokens, out);
  // Unpadded sources of any lengths, decoded in groups of one length: the masked encoder
  // gave the padded ones the same states, so the same tokens come back, in order.
  const { source: _padded, ...models } = seq2seq;
  const ragged = await decode.greedy({ ...models, sequences: held });
  t.deepEqual(ragged.tokens, out);
  await t.throwsAsync(decode.greedy({ ...seq2seq, sequences: held }), { message: /give source or sequences, not both/ });
  await t.throwsAsync(decode.greedy(models), { message: /give source \(the encoder's inputs\) or sequences/ });
  await t.throwsAsync(decode.greedy({ ...models, sequences: [[1, 2], []] }), { message: /sequences\[1\] must be a non-empty array of token ids/ });
  const beam = await decode.beamSearch({ ...seq2seq, beamWidth: 3 });
  const beamExact = held.filter((w, i) => beam.tokens[i].join(',') === [...w].reverse().join(',')).length / n;
  t.log(`decode.greedy: the same tokens; decode.beamSearch (width 3) exact match ${(100 * beamExact).toFixed(1)}%`);
  t.true(beamExact >= 0.95, `beam exact match ${beamExact}`);
});

test('one model trains on batches of 20 and then 50 steps and predicts on 35', async (t) => {
  const rng = new Rng(3);
  const m = sequential([layers.gru({ units: 8, inputShape: [null, 2] }), layers.dense({ units: 1 })], { seed: 4 });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  // The target: the mean of the first feature over the sequence.
  const batchOf = (T: number, n: number) => {
    const x = rng.f32(n * T * 2, -1, 1);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < T; k++) s += x[(i * T + k) * 2];
      y[i] = s / T;
    }
    return { x: tensor(x, [n, T, 2]), y: tensor(y, [n, 1]) };
  };
  const a = batchOf(20, 64);
  const b = batchOf(50, 64);
  const first = (await m.evaluate(b.x, b.y)) as number;
  for (let e = 0; e < 15; e++) {
    await m.fit(a.x, a.y, { batchSize: 16, verbose: 0 });
    await m.fit(b.x, b.y, { batchSize: 16, verbose: 0 });
  }
  const after = (await m.evaluate(b.x, b.y)) as number;
  t.log(`mse on 50-step batches ${first.toFixed(4)} -> ${after.toFixed(4)}`);
  t.true(after < first / 2);
  const c = batchOf(35, 8);
  const p = await m.predict(c.x);
  t.deepEqual(p.shape, [8, 1]);
  // The same weights in a model made for exactly 35 steps give the same bits.
  const fixed = sequential([layers.gru({ units: 8, inputShape: [35, 2] }), layers.dense({ units: 1 })]);
  fixed.setWeights(m.getWeights());
  t.deepEqual(Array.from((await fixed.predict(c.x)).data), Array.from(p.data));
});

test('a character model trained on 64-step windows scores a 39-character sentence', async (t) => {
  const text = 'the whale swam slowly towards the ship. '.repeat(60);
  const chars = [...new Set(text)].sort();
  const id = new Map(chars.map((ch, i) => [ch, i + 1]));
  const ids = [...text].map((ch) => id.get(ch) as number);
  const W = 64;
  const windows: number[][] = [];
  const next: number[][] = [];
  for (let s = 0; s + W + 1 < ids.length; s += 17) {
    windows.push(ids.slice(s, s + W));
    next.push(ids.slice(s + 1, s + W + 1));
  }
  const V = chars.length + 1;
  const lm = sequential([layers.embedding({ inputDim: V, outputDim: 16 }), layers.lstm({ units: 48, returnSequences: true }), layers.dense({ units: V, activation: 'softmax' })], { seed: 9 });
  lm.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  await lm.fit(padded(windows, W), padded(next, W), { epochs: 12, batchSize: 32, verbose: 0 });
  const score = async (sentence: string): Promise<number> => {
    const s = [...sentence].map((ch) => id.get(ch) as number);
    const probs = await lm.predict(tensor(Int32Array.from(s.slice(0, -1)), [1, s.length - 1]));
    t.deepEqual(probs.shape, [1, s.length - 1, V]);
    let nats = 0;
    for (let k = 1; k < s.length; k++) nats -= Math.log(probs.data[(k - 1) * V + s[k]]);
    return nats / (s.length - 1);
  };
  const sentence = 'the whale swam slowly towards the ship.';
  t.is(sentence.length, 39);
  const forward = await score(sentence);
  const backward = await score([...sentence].reverse().join(''));
  t.log(`nats per character: ${forward.toFixed(3)} for the sentence, ${backward.toFixed(3)} reversed`);
  t.true(forward < backward / 2);
});

test('bucketed batches of their own lengths train through fitDataset', async (t) => {
  const rng = new Rng(21);
  // Label: does the sequence contain the token 5 right after a 4?
  const seqs = Array.from({ length: 1500 }, () => Array.from({ length: 4 + Math.floor(rng.next() * 36) }, () => 1 + Math.floor(rng.next() * 7)));
  const labels = seqs.map((s) => (s.some((v, i) => v === 4 && s[i + 1] === 5) ? 1 : 0));
  const m = sequential([layers.embedding({ inputDim: 8, outputDim: 8, maskZero: true }), layers.gru({ units: 16 }), layers.dense({ units: 1, activation: 'sigmoid' })], { seed: 2 });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const ds = data.bucketedDataset(seqs, labels, { batchSize: 32, bucketBoundaries: [10, 20, 30] });
  const h = await m.fitDataset(ds, { epochs: 8, verbose: 0 });
  const acc = h.history.accuracy;
  t.log(`accuracy by epoch: ${acc.map((a) => a.toFixed(3)).join(', ')}`);
  t.true(acc[acc.length - 1] > 0.9);
});

test('a functional chain gives the bits of the same Sequential model', async (t) => {
  const rng = new Rng(8);
  const x = tensor(rng.f32(6 * 5 * 3), [6, 5, 3]);
  const y = tensor(rng.f32(6 * 2), [6, 2]);
  const make = () => [layers.lstm({ units: 4, returnSequences: true, dropout: 0.2 }), layers.gru({ units: 3 }), layers.dense({ units: 2 })];
  const seq = sequential(make(), { inputShape: [5, 3], seed: 6 });
  const inp = input({ shape: [5, 3] });
  const [l1, l2, l3] = make();
  const fn = model({ inputs: inp, outputs: l3.apply(l2.apply(l1.apply(inp) as SymbolicTensor) as SymbolicTensor) as SymbolicTensor, seed: 6 });
  for (const m of [seq, fn]) m.compile({ optimizer: 'adam', loss: 'mse' });
  for (let s = 0; s < 3; s++) t.deepEqual(await fn.trainOnBatch(x, y), await seq.trainOnBatch(x, y));
  t.deepEqual(fn.getWeights().map((w) => Array.from(w.data)), seq.getWeights().map((w) => Array.from(w.data)));
});

test('a functional model resumes from a checkpoint bit for bit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-resume-fn-'));
  try {
    const rng = new Rng(1);
    const xa = tensor(rng.f32(40 * 6 * 2), [40, 6, 2]);
    const xb = tensor(rng.f32(40 * 3), [40, 3]);
    const y = tensor(rng.f32(40), [40, 1]);
    const build = () => {
      const a = input({ shape: [6, 2], name: 'a' });
      const b = input({ shape: [3], name: 'b' });
      const h = layers.gru({ units: 4, dropout: 0.1, name: 'g' }).apply(a) as SymbolicTensor;
      const joined = layers.concatenate({ name: 'cat' }).apply([h, layers.dense({ units: 2, name: 'proj' }).apply(b) as SymbolicTensor]) as SymbolicTensor;
      const m = model({ inputs: [a, b], outputs: layers.dense({ units: 1, name: 'out' }).apply(joined) as SymbolicTensor, seed: 13 });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      return m;
    };
    const straight = build();
    await straight.fit([xa, xb], y, { epochs: 4, batchSize: 8, verbose: 0 });
    const first = build();
    await first.fit([xa, xb], y, { epochs: 2, batchSize: 8, verbose: 0 });
    await first.save(dir);
    const resumed = (await loadModel(dir)) as Functional;
    await resumed.fit([xa, xb], y, { epochs: 4, batchSize: 8, verbose: 0, resumeFrom: dir });
    t.deepEqual(resumed.getWeights().map((w) => Array.from(w.data)), straight.getWeights().map((w) => Array.from(w.data)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the reference backend trains a functional model as the CPU does, within float rounding', async (t) => {
  const rng = new Rng(2);
  const build = (backend?: typeof referenceBackend) => {
    const a = input({ shape: [null, 3] });
    const [y, hh] = layers.lstm({ units: 4, returnSequences: true, returnState: true, peephole: true }).apply(a) as SymbolicTensor[];
    const pooled = layers.gru({ units: 4 }).apply(y) as SymbolicTensor;
    const out = layers.dense({ units: 2, activation: 'softmax' }).apply(layers.average().apply([pooled, hh]) as SymbolicTensor) as SymbolicTensor;
    const m = model({ inputs: a, outputs: out, seed: 3, ...(backend ? { backend } : {}) });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  const x = tensor(rng.f32(5 * 7 * 3), [5, 7, 3]);
  const y = [0, 1, 1, 0, 1];
  const cpuModel = build();
  const refModel = build(referenceBackend);
  for (let s = 0; s < 3; s++) {
    const [a, b] = [await cpuModel.trainOnBatch(x, y), await refModel.trainOnBatch(x, y)];
    t.true(Math.abs(a.loss - b.loss) < 1e-5, `step ${s}: loss ${a.loss} vs ${b.loss}`);
  }
  const wa = cpuModel.getWeights();
  const wb = refModel.getWeights();
  let worst = 0;
  wa.forEach((w, i) => w.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - wb[i].data[j])))));
  t.log(`max weight difference after 3 Adam steps: ${worst.toExponential(2)}`);
  t.true(worst < 1e-5);
});

test('an LSTM with peepholes trains with fit, saves and loads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-peephole-'));
  try {
    const rng = new Rng(6);
    const m = sequential([layers.lstm({ units: 5, peephole: true, inputShape: [8, 2] }), layers.dense({ units: 1 })], { seed: 1 });
    t.deepEqual(m.getWeights().map((w) => w.shape), [[2, 20], [5, 20], [20], [5], [5], [5], [5, 1], [1]]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = tensor(rng.f32(32 * 16), [32, 8, 2]);
    const y = tensor(rng.f32(32), [32, 1]);
    const before = (await m.evaluate(x, y)) as number;
    await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0 });
    const after = (await m.evaluate(x, y)) as number;
    t.true(after < before, `${before} -> ${after}`);
    const peeps = m.getWeights().slice(3, 6);
    t.true(peeps.every((w) => w.data.some((v, j) => v !== 0 && Number.isFinite(v) && j >= 0)), 'the peephole weights train');
    await m.save(dir);
    const loaded = await loadModel(dir);
    t.deepEqual(Array.from(((await loaded.predict(x)) as Tensor).data), Array.from((await m.predict(x)).data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dispose frees the native model; the layers keep their weights for the models that share them', async (t) => {
  const a = input({ shape: [4] });
  const d = layers.dense({ units: 2 });
  const m1 = model({ inputs: a, outputs: d.apply(a) as SymbolicTensor, seed: 1 });
  m1.compile({ optimizer: 'sgd', loss: 'mse' });
  await m1.trainOnBatch([[1, 2, 3, 4]], [[1, 0]]);
  const trained = m1.getWeights().map((w) => Array.from(w.data));
  m1.dispose();
  await t.throwsAsync(m1.trainOnBatch([[1, 2, 3, 4]], [[1, 0]]), { message: /the model was disposed/ });
  const m2 = model({ inputs: a, outputs: d.apply(a) as SymbolicTensor });
  t.deepEqual(m2.getWeights().map((w) => Array.from(w.data)), trained);
  const p = (await m2.predict([[1, 2, 3, 4]])) as Tensor;
  t.is(p.shape[1], 2);
});
