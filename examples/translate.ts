// The course's translator on a toy but non-trivial task: number words to digits
// ("three thousand forty two" -> 3042). An LSTM encoder reads the words; an LSTM decoder
// started from its final states, trained with teacher forcing, attends (Luong, dot) over
// the encoder's outputs at every step. Reports exact match on held-out numbers (greedy and
// beam search) and draws the attention matrix of decoded sentences as SVG.
// Run: `npm run example:translate` (writes ./translate-attention-*.svg).
import { join } from 'node:path';

import { seq2seqDataset } from '../lib/data/index';
import { beamSearch } from '../lib/decode/beam_search';
import { greedy } from '../lib/decode/greedy';
import { attention } from '../lib/layers/attention';
import { dense } from '../lib/layers/dense';
import { embedding } from '../lib/layers/embedding';
import { input } from '../lib/layers/input_layer';
import { lstm } from '../lib/layers/lstm';
import { concatenate } from '../lib/layers/merge';
import { model } from '../lib/models/functional';
import type { Model } from '../lib/models/model';
import type { SymbolicTensor } from '../lib/models/symbolic_tensor';
import { Tensor } from '../lib/tensor';
import { plotAttention } from '../lib/training/attention_plot';
import { adam } from '../lib/training/optimizers';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** English words of 0 <= n < 1,000,000 ("one hundred five", "twenty one thousand"). */
export function numberWords(n: number): string[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1_000_000) throw new RangeError(`numberWords: ${n} is not an integer in [0, 1000000)`);
  if (n === 0) return ['zero'];
  const below1000 = (x: number): string[] => {
    const out: string[] = [];
    if (x >= 100) out.push(ONES[Math.floor(x / 100)], 'hundred');
    const r = x % 100;
    if (r >= 20) out.push(TENS[Math.floor(r / 10)], ...(r % 10 ? [ONES[r % 10]] : []));
    else if (r > 0) out.push(ONES[r]);
    return out;
  };
  const thousands = Math.floor(n / 1000);
  return [...(thousands ? [...below1000(thousands), 'thousand'] : []), ...below1000(n % 1000)];
}

export const WORDS = [...ONES, ...TENS.filter((t) => t), 'hundred', 'thousand'];
const START = 1;
const END = 2;
/** Source ids: 1 + the word's index (0 pads). Target ids: 3 + the digit (0 pads, 1 starts, 2 ends). */
export const wordIds = (words: string[]): number[] => words.map((w) => WORDS.indexOf(w) + 1);
export const digitIds = (n: number): number[] => Array.from(String(n), (d) => 3 + Number(d));
export const digitsOf = (ids: number[]): string => ids.map((id) => String(id - 3)).join('');

export interface TranslatorModels {
  training: Model;
  encoder: Model;
  decoder: Model;
  /** The one-step decoder that also returns the attention weights (the same layers, called with returnAttentionScores). */
  inspector: Model;
}

export function translatorModels(units = 64): TranslatorModels {
  const src = input({ shape: [null], name: 'words' });
  const tgt = input({ shape: [null], name: 'digits_in' });
  const srcEmb = embedding({ inputDim: WORDS.length + 1, outputDim: 32, maskZero: true, name: 'word_embedding' });
  const [memory, h0, c0] = lstm({ units, returnSequences: true, returnState: true, name: 'encoder' }).apply(srcEmb.apply(src) as SymbolicTensor) as SymbolicTensor[];
  const tgtEmb = embedding({ inputDim: 13, outputDim: 16, maskZero: true, name: 'digit_embedding' });
  const decoderLayer = lstm({ units, returnSequences: true, returnState: true, name: 'decoder' });
  const combine = dense({ units, activation: 'tanh', name: 'combine' });
  const head = dense({ units: 13, activation: 'softmax', name: 'digit' });
  const attend = attention({ name: 'attention' });
  const step = (x: SymbolicTensor, h: SymbolicTensor, c: SymbolicTensor, mem: SymbolicTensor, withWeights: boolean) => {
    const [y, h2, c2] = decoderLayer.apply(tgtEmb.apply(x) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor[];
    const out = attend.apply([y, mem], { returnAttentionScores: withWeights });
    const [context, weights] = Array.isArray(out) ? out : [out, undefined];
    return { probs: head.apply(combine.apply(concatenate([context, y])) as SymbolicTensor) as SymbolicTensor, h: h2, c: c2, weights };
  };
  const trained = step(tgt, h0, c0, memory, false);
  const training = model({ inputs: [src, tgt], outputs: trained.probs, name: 'translator' });
  const encoder = model({ inputs: src, outputs: [h0, c0, memory], name: 'translator_encoder' });
  const one = input({ shape: [1], name: 'digit_step' });
  const hIn = input({ shape: [units], name: 'h' });
  const cIn = input({ shape: [units], name: 'c' });
  const memIn = input({ shape: [null, units], name: 'memory' });
  const plain = step(one, hIn, cIn, memIn, false);
  const decoder = model({ inputs: [one, hIn, cIn, memIn], outputs: [plain.probs, plain.h, plain.c], name: 'translator_decoder' });
  const seen = step(one, hIn, cIn, memIn, true);
  const inspector = model({ inputs: [one, hIn, cIn, memIn], outputs: [seen.probs, seen.h, seen.c, seen.weights as SymbolicTensor], name: 'translator_inspector' });
  return { training, encoder, decoder, inspector };
}

/** Digits of each number's words, greedy or by beam search (`sequences`: grouped by length, no padding). */
export async function translate(m: TranslatorModels, sentences: number[][], beamWidth = 1): Promise<number[][]> {
  const common = { encoder: m.encoder, decoder: m.decoder, states: 2, sequences: sentences, startToken: START, endToken: END, maxLength: 8 };
  return (beamWidth === 1 ? await greedy(common) : await beamSearch({ ...common, beamWidth })).tokens;
}

/** Decodes one sentence greedily, keeping each step's attention weights over its words. */
export async function alignment(m: TranslatorModels, sentence: number[]): Promise<{ digits: number[]; weights: Float32Array }> {
  const [h, c, memory] = (await m.encoder.predict(new Tensor(Int32Array.from(sentence), [1, sentence.length]))) as Tensor[];
  let state = [h, c];
  let token = START;
  const digits: number[] = [];
  const rows: Float32Array[] = [];
  for (let s = 0; s < 8; s++) {
    const [probs, h2, c2, w] = (await m.inspector.predictOnBatch([new Tensor(Int32Array.of(token), [1, 1]), state[0], state[1], memory])) as Tensor[];
    let best = 0;
    for (let k = 1; k < probs.size; k++) if (probs.data[k] > probs.data[best]) best = k;
    if (best === END) break;
    digits.push(best);
    rows.push(Float32Array.from(w.data));
    state = [h2, c2];
    token = best;
  }
  const weights = new Float32Array(rows.length * sentence.length);
  rows.forEach((r, i) => weights.set(r, i * sentence.length));
  return { digits, weights };
}

export async function main(options: { epochs?: number; units?: number; outDir?: string; seed?: number } = {}): Promise<{ greedy: number; beam: number }> {
  const { epochs = 12, units = 64, outDir = process.cwd(), seed = 1 } = options;
  // Every number below 100,000, in a seeded order: 80% train, the rest held out.
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const numbers = Array.from({ length: 100_000 }, (_, i) => i);
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j], numbers[i]];
  }
  const train = numbers.slice(0, 80_000);
  const held = numbers.slice(80_000, 82_000);
  const m = translatorModels(units);
  m.training.compile({ optimizer: adam({ learningRate: 0.003, clipnorm: 5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const ds = seq2seqDataset(train.map((n) => wordIds(numberWords(n))), train.map(digitIds), { batchSize: 64, startToken: START, endToken: END, seed });
  console.log(`number words to digits: ${train.length} training numbers, ${held.length} held out; LSTM ${units} encoder and decoder with dot attention`);
  const started = performance.now();
  for (let e = 1; e <= epochs; e++) {
    const h = await m.training.fitDataset(ds, { epochs: 1, verbose: 0 });
    const guess = await translate(m, held.slice(0, 500).map((n) => wordIds(numberWords(n))));
    const exact = guess.filter((g, i) => digitsOf(g) === String(held[i])).length / 500;
    console.log(`epoch ${e}: loss ${h.history.loss[0].toFixed(4)}, accuracy ${h.history.accuracy[0].toFixed(4)}, exact on 500 held-out ${(100 * exact).toFixed(1)}%, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const sources = held.map((n) => wordIds(numberWords(n)));
  const exactOf = (out: number[][]) => out.filter((g, i) => digitsOf(g) === String(held[i])).length / held.length;
  const g = exactOf(await translate(m, sources));
  const b = exactOf(await translate(m, sources, 4));
  console.log(`\nheld-out exact match on ${held.length} numbers: greedy ${(100 * g).toFixed(1)}%, beam (width 4) ${(100 * b).toFixed(1)}%`);
  for (const n of [held[0], 40_017, 99_999]) {
    const words = numberWords(n);
    const a = await alignment(m, wordIds(words));
    const file = join(outDir, `translate-attention-${n}.svg`);
    plotAttention(file, { weights: a.weights, rows: a.digits.map((d) => String(d - 3)), columns: words, title: `${words.join(' ')} -> ${digitsOf(a.digits)}` });
    console.log(`  ${words.join(' ')} -> ${digitsOf(a.digits)}   (attention: ${file})`);
  }
  return { greedy: g, beam: b };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
