// Grapheme to phoneme on CMUdict: spelling in, ARPAbet pronunciation out. A bidirectional
// LSTM encoder reads the letters; an LSTM decoder, started from the encoder's final states
// and trained with teacher forcing, attends (Luong, dot) over the encoder's outputs at
// every step; greedy decoding and beam search read the pronunciation back one phoneme at a
// time. Reports phoneme and word error rates on held-out words. Run: `npm run example:g2p`
// (options: --minutes N, the training budget, default 15; --stress to keep stress digits).
import { loadCmuDict, seq2seqDataset } from '../lib/data/index';
import { beamSearch } from '../lib/decode/beam_search';
import { greedy } from '../lib/decode/greedy';
import { additiveAttention, attention } from '../lib/layers/attention';
import { bidirectional } from '../lib/layers/bidirectional';
import { dense } from '../lib/layers/dense';
import { embedding } from '../lib/layers/embedding';
import { input } from '../lib/layers/input_layer';
import { lstm } from '../lib/layers/lstm';
import { concatenate } from '../lib/layers/merge';
import { model } from '../lib/models/functional';
import type { Model } from '../lib/models/model';
import type { SymbolicTensor } from '../lib/models/symbolic_tensor';
import { getNumThreads } from '../lib/runtime';
import { adam } from '../lib/training/optimizers';

export const PAD = 0;
export const START = 1;
export const END = 2;

/** Symbols and their ids; ids below `first` are reserved (padding, and the decoder's start and end). */
export class Vocabulary {
  readonly symbols: string[];
  private readonly index: Map<string, number>;
  constructor(symbols: Iterable<string>, readonly first: number) {
    this.symbols = [...new Set(symbols)].sort();
    this.index = new Map(this.symbols.map((s, i) => [s, i + first]));
  }
  get size(): number {
    return this.symbols.length + this.first;
  }
  encode(symbols: readonly string[]): number[] {
    return symbols.map((s, i) => {
      const id = this.index.get(s);
      if (id === undefined) throw new RangeError(`vocabulary: ${JSON.stringify(s)} at ${i} is not a known symbol`);
      return id;
    });
  }
  decode(ids: readonly number[]): string[] {
    return ids.map((id) => this.symbols[id - this.first] ?? '?');
  }
}

/** Drops the stress digit of a vowel (AH0 -> AH): the 39 phonemes of most published results. */
export function withoutStress(phoneme: string): string {
  return phoneme.replace(/[0-9]$/, '');
}

/** Levenshtein distance between two sequences. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * Error rates of predictions against the references of each word (a word may have several
 * pronunciations: the nearest counts): word error rate, the fraction of words not exactly
 * right; phoneme error rate, edit distance over the reference's length, summed over words.
 */
export function errorRates(predicted: readonly string[][], references: readonly string[][][]): { wer: number; per: number } {
  let wrongWords = 0;
  let edits = 0;
  let phonemes = 0;
  predicted.forEach((p, i) => {
    let best = Infinity;
    let length = 0;
    for (const r of references[i]) {
      const d = editDistance(p, r);
      if (d < best) {
        best = d;
        length = r.length;
      }
    }
    if (best > 0) wrongWords++;
    edits += best;
    phonemes += length;
  });
  return { wer: wrongWords / predicted.length, per: edits / phonemes };
}

export interface G2pModels {
  training: Model;
  /** Letters -> [decoder h, decoder c, encoder outputs]: the two states, then the constant the decoder attends over. */
  encoder: Model;
  /** [phoneme [1], h, c, encoder outputs] -> [probabilities [1, V], h, c]. */
  decoder: Model;
}

export interface G2pShape {
  letters: number;
  phonemes: number;
  /** Units of each encoder direction; the decoder has twice as many. */
  units: number;
  embeddingDim: number;
  score?: 'dot' | 'additive';
}

/** The training model and the two inference models, sharing every layer. */
export function g2pModels(s: G2pShape): G2pModels {
  const H = 2 * s.units;
  const src = input({ shape: [null], name: 'letters' });
  const tgt = input({ shape: [null], name: 'phonemes_in' });
  const letterEmb = embedding({ inputDim: s.letters, outputDim: s.embeddingDim, maskZero: true, name: 'letter_embedding' });
  const encoderLayer = bidirectional({ layer: lstm({ units: s.units, returnSequences: true, returnState: true }), name: 'encoder' });
  const [encOut, hf, cf, hb, cb] = encoderLayer.apply(letterEmb.apply(src) as SymbolicTensor) as SymbolicTensor[];
  const h0 = concatenate([hf, hb]);
  const c0 = concatenate([cf, cb]);
  const phonemeEmb = embedding({ inputDim: s.phonemes, outputDim: s.embeddingDim, maskZero: true, name: 'phoneme_embedding' });
  const decoderLayer = lstm({ units: H, returnSequences: true, returnState: true, name: 'decoder' });
  const attend = s.score === 'additive' ? additiveAttention({ name: 'attention' }) : attention({ name: 'attention' });
  const combine = dense({ units: H, activation: 'tanh', name: 'combine' });
  const head = dense({ units: s.phonemes, activation: 'softmax', name: 'phoneme' });
  const step = (x: SymbolicTensor, h: SymbolicTensor, c: SymbolicTensor, memory: SymbolicTensor) => {
    const [y, h2, c2] = decoderLayer.apply(phonemeEmb.apply(x) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor[];
    const context = attend.apply([y, memory]) as SymbolicTensor;
    return { probs: head.apply(combine.apply(concatenate([context, y])) as SymbolicTensor) as SymbolicTensor, h: h2, c: c2 };
  };
  const trainingOut = step(tgt, h0, c0, encOut);
  const training = model({ inputs: [src, tgt], outputs: trainingOut.probs, name: 'g2p' });
  const encoder = model({ inputs: src, outputs: [h0, c0, encOut], name: 'g2p_encoder' });
  const one = input({ shape: [1], name: 'phoneme_step' });
  const hIn = input({ shape: [H], name: 'h' });
  const cIn = input({ shape: [H], name: 'c' });
  const memory = input({ shape: [null, H], name: 'encoder_outputs' });
  const inference = step(one, hIn, cIn, memory);
  const decoder = model({ inputs: [one, hIn, cIn, memory], outputs: [inference.probs, inference.h, inference.c], name: 'g2p_decoder' });
  return { training, encoder, decoder };
}

/**
 * Pronunciations of `words` (letter ids), greedy or by beam search. `sequences` decodes the
 * words in groups of one length, so no source is padded (the attention's memory is exact).
 */
export async function pronounce(m: G2pModels, words: readonly number[][], options: { beamWidth?: number; maxLength?: number } = {}): Promise<number[][]> {
  const { beamWidth = 1, maxLength = 32 } = options;
  const common = { encoder: m.encoder, decoder: m.decoder, states: 2, sequences: words, startToken: START, endToken: END, maxLength };
  const r = beamWidth === 1 ? await greedy(common) : await beamSearch({ ...common, beamWidth, lengthPenalty: 0.6 });
  return r.tokens;
}

export interface G2pOptions {
  /** Minutes of training (no new batch starts after; default 15). */
  minutes?: number;
  units?: number;
  embeddingDim?: number;
  batchSize?: number;
  learningRate?: number;
  /** Epochs at the full learning rate; after them it halves every epoch (default 2). */
  decayAfter?: number;
  /** Keep the stress digits (84 symbols) instead of the 39 phonemes (default false). */
  stress?: boolean;
  beamWidth?: number;
  /** Held-out words scored at the end (default: all of the test part). */
  testWords?: number;
  seed?: number;
}

export async function main(options: G2pOptions = {}): Promise<{ greedy: { wer: number; per: number }; beam: { wer: number; per: number }; epochs: number; seconds: number }> {
  const { minutes = 15, units = 128, embeddingDim = 64, batchSize = 64, learningRate = 0.002, decayAfter = 2, stress = false, beamWidth = 4, seed = 0 } = options;
  const dict = loadCmuDict({ seed });
  const phonemesOf = (p: string[]) => (stress ? p : p.map(withoutStress));
  const letters = new Vocabulary(dict.train.words.flatMap((w) => Array.from(w)), 1);
  const phonemes = new Vocabulary(dict.train.phonemes.flatMap(phonemesOf), 3);
  const usable = (w: string) => Array.from(w).every((ch) => letters.symbols.includes(ch));
  const trainPairs = dict.train.words.map((w, i) => ({ w, p: phonemesOf(dict.train.phonemes[i]) }));
  // The test part by word: every pronunciation of a word is a reference.
  const refs = new Map<string, string[][]>();
  dict.test.words.forEach((w, i) => {
    if (usable(w)) refs.set(w, [...(refs.get(w) ?? []), phonemesOf(dict.test.phonemes[i])]);
  });
  // A subset is spread over the whole part (the dictionary's order is alphabetical).
  const all = [...refs.keys()];
  const every = Math.max(1, Math.floor(all.length / (options.testWords ?? all.length)));
  const testWords = all.filter((_, i) => i % every === 0).slice(0, options.testWords ?? all.length);
  console.log(
    `CMUdict: ${trainPairs.length} training pronunciations, ${testWords.length} held-out words; ${letters.symbols.length} letters, ${phonemes.symbols.length} phonemes` +
      `${stress ? ' (with stress)' : ' (stress removed)'}; BiLSTM ${units}+${units} -> LSTM ${2 * units} with attention, batch ${batchSize}, ${getNumThreads()} threads, ${minutes} min`,
  );
  const m = g2pModels({ letters: letters.size, phonemes: phonemes.size, units, embeddingDim });
  const stepsPerEpoch = Math.ceil(trainPairs.length / batchSize);
  const schedule = (step: number) => learningRate * Math.pow(0.5, Math.max(0, step - decayAfter * stepsPerEpoch) / stepsPerEpoch);
  m.training.compile({ optimizer: adam({ learningRate: schedule, clipnorm: 5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const dataset = seq2seqDataset(trainPairs.map((p) => letters.encode(Array.from(p.w))), trainPairs.map((p) => phonemes.encode(p.p)), { batchSize, startToken: START, endToken: END, seed });
  const monitor = testWords.filter((_, i) => i % Math.max(1, Math.floor(testWords.length / 500)) === 0).slice(0, 500);
  const stop = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => stop.abort(), minutes * 60_000);
  let epochs = 0;
  try {
    while (!stop.signal.aborted) {
      let batches = 0;
      const h = await m.training.fitDataset(dataset, { epochs: 1, verbose: 0, signal: stop.signal, callbacks: [{ onBatchEnd: () => void batches++ }] });
      epochs++;
      const guess = await pronounce(m, monitor.map((w) => letters.encode(Array.from(w))));
      const r = errorRates(guess.map((g) => phonemes.decode(g)), monitor.map((w) => refs.get(w) as string[][]));
      const s = (performance.now() - started) / 1000;
      const loss = h.history.loss?.at(-1);
      console.log(`epoch ${epochs}${stop.signal.aborted ? ` (cut by the budget after ${batches} batches)` : ''}: ${loss === undefined ? '' : `loss ${loss.toFixed(4)}, `}greedy on ${monitor.length} held-out words WER ${(100 * r.wer).toFixed(1)}% PER ${(100 * r.per).toFixed(1)}%, ${s.toFixed(0)} s`);
    }
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  const sources = testWords.map((w) => letters.encode(Array.from(w)));
  const references = testWords.map((w) => refs.get(w) as string[][]);
  const t0 = performance.now();
  const greedyOut = await pronounce(m, sources);
  const t1 = performance.now();
  const beamOut = await pronounce(m, sources, { beamWidth });
  const t2 = performance.now();
  const g = errorRates(greedyOut.map((x) => phonemes.decode(x)), references);
  const b = errorRates(beamOut.map((x) => phonemes.decode(x)), references);
  console.log(`\ntrained ${epochs} epochs in ${(seconds / 60).toFixed(1)} min`);
  console.log(`held-out words: ${testWords.length}`);
  console.log(`greedy:          WER ${(100 * g.wer).toFixed(1)}%, PER ${(100 * g.per).toFixed(1)}% (${((t1 - t0) / 1000).toFixed(1)} s)`);
  console.log(`beam (width ${beamWidth}):  WER ${(100 * b.wer).toFixed(1)}%, PER ${(100 * b.per).toFixed(1)}% (${((t2 - t1) / 1000).toFixed(1)} s)`);
  const examples = [...testWords.slice(0, 6), 'recurrent', 'tensorflow', 'pytorch', 'keras', 'ishmael'];
  const decoded = await pronounce(m, examples.filter(usable).map((w) => letters.encode(Array.from(w))), { beamWidth });
  examples.filter(usable).forEach((w, i) => {
    const known = refs.get(w) ?? [];
    console.log(`  ${w.padEnd(12)} ${phonemes.decode(decoded[i]).join(' ')}${known.length ? `   (dictionary: ${known.map((r) => r.join(' ')).join(' | ')})` : '   (not in the dictionary)'}`);
  });
  return { greedy: g, beam: b, epochs, seconds };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const minutes = flag('--minutes');
  main({ ...(minutes ? { minutes: Number(minutes) } : {}), stress: process.argv.includes('--stress') }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
