// The translation example's pieces: number words, the attention heat map as SVG, and a
// small translator that learns numbers below 100 and returns attention rows that are
// distributions over the source words, and whose inference models save, load and decode
// as before.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { alignment, digitIds, digitsOf, numberWords, translate, translatorModels, wordIds, WORDS } from '../examples/translate';
import { attentionSvg, data, loadModel, optimizers, Tensor, tensor } from '../lib/index';

/** The number the words say (the inverse of numberWords). */
function parse(words: string[]): number {
  let total = 0;
  let part = 0;
  for (const w of words) {
    if (w === 'thousand') {
      total += part * 1000;
      part = 0;
    } else if (w === 'hundred') part *= 100;
    else part += WORDS.indexOf(w) < 20 ? WORDS.indexOf(w) : (WORDS.indexOf(w) - 18) * 10;
  }
  return total + part;
}

test('number words: every number below 100,000 reads back, with known spellings', (t) => {
  t.deepEqual(numberWords(0), ['zero']);
  t.deepEqual(numberWords(40017), ['forty', 'thousand', 'seventeen']);
  t.deepEqual(numberWords(99999), ['ninety', 'nine', 'thousand', 'nine', 'hundred', 'ninety', 'nine']);
  for (let n = 0; n < 100_000; n += 7) t.is(parse(numberWords(n)), n);
  t.throws(() => numberWords(-1), { message: /-1 is not an integer in \[0, 1000000\)/ });
  t.deepEqual(digitIds(305), [6, 3, 8]);
  t.is(digitsOf([6, 3, 8]), '305');
  t.true(wordIds(numberWords(12345)).every((id) => id >= 1 && id <= WORDS.length));
});

test('attentionSvg: one shaded cell per weight, labels escaped, sizes checked', (t) => {
  const svg = attentionSvg({ weights: [1, 0, 0.5, 0.5], rows: ['a', '<b>'], columns: ['x', 'y & z'], title: 'two by two' });
  t.is((svg.match(/<rect x=/g) ?? []).length, 4);
  t.true(svg.includes('fill="rgb(0,0,0)"') && svg.includes('fill="rgb(255,255,255)"') && svg.includes('fill="rgb(128,128,128)"'));
  t.true(svg.includes('&lt;b&gt;') && svg.includes('y &amp; z') && svg.includes('two by two'));
  t.throws(() => attentionSvg({ weights: [1, 2, 3], rows: ['a', 'b'], columns: ['x', 'y'] }), { message: /weights must hold rows x columns = 4 values, received 3/ });
  t.throws(() => attentionSvg({ weights: [], rows: [], columns: ['x'] }), { message: /at least one row and one column/ });
});

test('a small translator learns numbers below 100; its attention rows are distributions over the words', async (t) => {
  const numbers = Array.from({ length: 100 }, (_, i) => i);
  const m = translatorModels(24);
  m.training.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
  const ds = data.seq2seqDataset(numbers.map((n) => wordIds(numberWords(n))), numbers.map(digitIds), { batchSize: 20, startToken: 1, endToken: 2 });
  await m.training.fitDataset(ds, { epochs: 40, verbose: 0 });
  const out = await translate(m, numbers.map((n) => wordIds(numberWords(n))));
  const exact = out.filter((g, i) => digitsOf(g) === String(numbers[i])).length / numbers.length;
  const beam = await translate(m, numbers.map((n) => wordIds(numberWords(n))), 3);
  const beamExact = beam.filter((g, i) => digitsOf(g) === String(numbers[i])).length / numbers.length;
  t.log(`exact match on the training numbers: greedy ${(100 * exact).toFixed(0)}%, beam ${(100 * beamExact).toFixed(0)}%`);
  t.true(exact >= 0.9, `greedy exact ${exact}`);
  const words = numberWords(42);
  const a = await alignment(m, wordIds(words));
  t.is(digitsOf(a.digits), '42');
  t.is(a.weights.length, a.digits.length * words.length);
  for (let r = 0; r < a.digits.length; r++) {
    const row = Array.from(a.weights.subarray(r * words.length, (r + 1) * words.length));
    t.true(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5, `row ${r} sums to 1`);
  }
  // The inference models save and load on their own (each with the trained layers'
  // weights) and decode as before, greedy and by beam search.
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-translator-'));
  try {
    await m.encoder.save(join(dir, 'encoder'));
    await m.decoder.save(join(dir, 'decoder'));
    await m.training.save(join(dir, 'training'));
    const loaded = { ...m, encoder: await loadModel(join(dir, 'encoder')), decoder: await loadModel(join(dir, 'decoder')) };
    t.deepEqual(await translate(loaded, numbers.map((n) => wordIds(numberWords(n)))), out);
    t.deepEqual(await translate(loaded, numbers.map((n) => wordIds(numberWords(n))), 3), beam);
    const training = await loadModel(join(dir, 'training'));
    const x = [tensor(Int32Array.from(wordIds(words)), [1, words.length]), tensor(Int32Array.from([1, ...a.digits]), [1, a.digits.length + 1])];
    t.deepEqual(((await training.predict(x)) as Tensor).data, ((await m.training.predict(x)) as Tensor).data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
