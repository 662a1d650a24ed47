// data.seq2seqDataset: encoder and decoder batches for teacher forcing, and the g2p
// example's pieces (vocabularies, edit distance, error rates) with a short training run
// that decodes held-out words greedily and by beam search.
import test from 'ava';

import { data } from '../lib/index';
import { editDistance, errorRates, g2pModels, pronounce, START, END, Vocabulary, withoutStress } from '../examples/g2p';
import { optimizers } from '../lib/index';

test('batches: shifted decoder inputs, end tokens, padding per batch, reversed sources, fresh batches per epoch', (t) => {
  const sources = [[3, 4], [5, 6, 7], [8], [9, 10, 11]];
  const targets = [[20, 21, 22], [23], [24, 25], [26, 27]];
  const ds = data.seq2seqDataset(sources, targets, { batchSize: 2, startToken: 1, endToken: 2, reverseSource: true, seed: 3 });
  const epoch1 = [...ds];
  const epoch2 = [...ds];
  t.is(epoch1.length, 2);
  const seen = new Set<string>();
  for (const b of epoch1) {
    const [src, din] = b.xs;
    const B = src.shape[0];
    // Which pair each row holds: its source, unpadded and read backwards.
    const pairs = Array.from({ length: B }, (_, r) => {
      const row = Array.from(src.data.subarray(r * src.shape[1], (r + 1) * src.shape[1])).filter((x) => x !== 0);
      return sources.findIndex((s) => [...s].reverse().join() === row.join());
    });
    t.false(pairs.includes(-1), 'every source row is a reversed source');
    const T = din.shape[1];
    t.is(T, Math.max(...pairs.map((k) => targets[k].length)) + 1, "padded to the batch's longest target plus one");
    pairs.forEach((k, r) => {
      seen.add(String(k));
      const inRow = Array.from(din.data.subarray(r * T, (r + 1) * T));
      const outRow = Array.from(b.ys.data.subarray(r * T, (r + 1) * T));
      const y = targets[k];
      t.deepEqual(inRow.slice(0, y.length + 1), [1, ...y]);
      t.deepEqual(outRow.slice(0, y.length + 1), [...y, 2]);
      t.true(inRow.slice(y.length + 1).every((x) => x === 0) && outRow.slice(y.length + 1).every((x) => x === 0), 'padded with 0');
    });
  }
  t.is(seen.size, 4, 'every pair once per epoch');
  t.is(epoch2.length, 2);
  // Equal lengths are grouped anew each epoch.
  const same = data.seq2seqDataset(Array.from({ length: 12 }, (_, i) => [i + 3, 3]), Array.from({ length: 12 }, () => [5]), { batchSize: 4, startToken: 1, endToken: 2 });
  const [a, b] = [[...same], [...same]];
  t.notDeepEqual(a.map((x) => Array.from(x.xs[0].data)), b.map((x) => Array.from(x.xs[0].data)), 'the next epoch has other batches');
  // Similar source lengths share a batch.
  const sorted = [...data.seq2seqDataset(sources, targets, { batchSize: 2, startToken: 1, endToken: 2 })].map((b) => b.xs[0].shape[1]).sort();
  t.deepEqual(sorted, [2, 3]);
});

test('bad pairs and options are named', (t) => {
  const ok = { batchSize: 2, startToken: 1, endToken: 2 };
  t.throws(() => data.seq2seqDataset([[1]], [[1], [2]], ok), { message: /1 sources but 2 targets/ });
  t.throws(() => data.seq2seqDataset([[1, 0]], [[1]], ok), { message: /sources\[0\]\[1\] must be a token id >= 1 \(0 is padding\), received 0/ });
  t.throws(() => data.seq2seqDataset([[1]], [[]], ok), { message: /targets\[0\] is empty/ });
  t.throws(() => data.seq2seqDataset([[1]], [[1]], { ...ok, reverse: true } as never), { message: /unknown option 'reverse'/ });
  t.throws(() => data.seq2seqDataset([[1]], [[1]], { ...ok, startToken: 0 }), { message: /startToken/ });
});

test('g2p pieces: vocabulary, stress, edit distance, error rates over several references', (t) => {
  const v = new Vocabulary(['b', 'a', 'c', 'a'], 3);
  t.deepEqual(v.symbols, ['a', 'b', 'c']);
  t.is(v.size, 6);
  t.deepEqual(v.encode(['c', 'a']), [5, 3]);
  t.deepEqual(v.decode([5, 3]), ['c', 'a']);
  t.throws(() => v.encode(['z']), { message: /"z" at 0 is not a known symbol/ });
  t.is(withoutStress('AH0'), 'AH');
  t.is(withoutStress('K'), 'K');
  t.is(editDistance(['K', 'AE', 'T'], ['K', 'AE', 'T']), 0);
  t.is(editDistance(['K', 'AE', 'T'], ['K', 'AA', 'T', 'S']), 2);
  t.is(editDistance([], ['A', 'B']), 2);
  const r = errorRates([['K', 'AE', 'T'], ['D', 'AO', 'G']], [[['K', 'AE', 'T']], [['D', 'AA', 'G'], ['D', 'AO', 'G', 'Z']]]);
  t.is(r.wer, 0.5);
  t.is(r.per, 1 / 6); // the second word is 1 edit from both references; the first found (3 phonemes) counts: (0 + 1) / (3 + 3)
});

test('a g2p model trains on a few words and decodes them greedily and by beam search', async (t) => {
  const words = ['cat', 'hat', 'bat', 'mat', 'rat', 'sat', 'can', 'man', 'ran', 'tan'];
  const prons = words.map((w) => [w[0].toUpperCase(), 'AE', w[2].toUpperCase()]);
  const letters = new Vocabulary(words.flatMap((w) => Array.from(w)), 1);
  const phonemes = new Vocabulary(prons.flat(), 3);
  const m = g2pModels({ letters: letters.size, phonemes: phonemes.size, units: 12, embeddingDim: 8 });
  m.training.compile({ optimizer: optimizers.adam({ learningRate: 0.03 }), loss: 'sparseCategoricalCrossentropy' });
  const ds = data.seq2seqDataset(words.map((w) => letters.encode(Array.from(w))), prons.map((p) => phonemes.encode(p)), { batchSize: 5, startToken: START, endToken: END });
  await m.training.fitDataset(ds, { epochs: 60, verbose: 0 });
  const src = words.map((w) => letters.encode(Array.from(w)));
  const greedy = (await pronounce(m, src)).map((ids) => phonemes.decode(ids));
  const beam = (await pronounce(m, src, { beamWidth: 3 })).map((ids) => phonemes.decode(ids));
  const g = errorRates(greedy, prons.map((p) => [p]));
  const b = errorRates(beam, prons.map((p) => [p]));
  t.log(`training words: greedy WER ${(100 * g.wer).toFixed(0)}%, beam WER ${(100 * b.wer).toFixed(0)}%`);
  t.true(g.wer <= 0.1, `greedy ${JSON.stringify(greedy)}`);
  t.true(b.wer <= 0.1, `beam ${JSON.stringify(beam)}`);
});
