// Character language model on Moby Dick: Embedding -> LSTM (sequences) -> TimeDistributed
// Dense(softmax), trained to predict the next character of every window; then temperature
// sampling of new text and the log-likelihood of a sentence. Run: `npm run example:charlm`.
import { loadMobyDick } from '../lib/data/index';
import { dense } from '../lib/layers/dense';
import { embedding } from '../lib/layers/embedding';
import { lstm } from '../lib/layers/lstm';
import { timeDistributed } from '../lib/layers/time_distributed';
import { sequential, Sequential } from '../lib/models/sequential';
import { mulberry32 } from '../lib/random';
import { getNumThreads, setNumThreads } from '../lib/runtime';
import type { Callback, TrainingModel } from '../lib/training/callbacks';
import type { History } from '../lib/training/history';
import { adam } from '../lib/training/optimizers';

/** The characters a model knows, in a fixed order; a character's id is its index. */
export interface CharVocab {
  chars: string[];
  index: Map<string, number>;
}

export function charVocab(text: string): CharVocab {
  const chars = [...new Set(Array.from(text))].sort();
  return { chars, index: new Map(chars.map((c, i) => [c, i])) };
}

/** Ids of text's characters; a character outside the vocabulary is an error naming it. */
export function encode(text: string, vocab: CharVocab): Int32Array {
  const chars = Array.from(text);
  return Int32Array.from(chars, (c, i) => {
    const id = vocab.index.get(c);
    if (id === undefined) throw new RangeError(`encode: character ${JSON.stringify(c)} at ${i} is not in the vocabulary`);
    return id;
  });
}

/**
 * Windows of seqLen characters every `stride` characters: x holds ids[s, s + seqLen) and y the
 * same shifted by one, ids[s + 1, s + seqLen + 1), so the model predicts every next character.
 */
export function charWindows(ids: Int32Array, seqLen: number, stride = seqLen): { x: { data: Int32Array; shape: number[] }; y: { data: Int32Array; shape: number[] } } {
  const n = ids.length > seqLen ? Math.floor((ids.length - seqLen - 1) / stride) + 1 : 0;
  const x = new Int32Array(n * seqLen); // [N, T]
  const y = new Int32Array(n * seqLen); // [N, T]
  for (let i = 0; i < n; i++) {
    x.set(ids.subarray(i * stride, i * stride + seqLen), i * seqLen);
    y.set(ids.subarray(i * stride + 1, i * stride + seqLen + 1), i * seqLen);
  }
  return { x: { data: x, shape: [n, seqLen] }, y: { data: y, shape: [n, seqLen] } };
}

/**
 * Draws an index from probabilities sharpened (temperature < 1) or flattened (> 1) as
 * p_i^(1/t) / sum_j p_j^(1/t); temperature 0 takes the most likely index. `uniform` gives
 * a number in [0, 1).
 */
export function sampleWithTemperature(probabilities: ArrayLike<number>, temperature: number, uniform: () => number = Math.random): number {
  if (!(temperature >= 0)) throw new RangeError(`sampleWithTemperature: temperature must be >= 0, received ${temperature}`);
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  if (temperature === 0) return best;
  // In log space relative to the best, so small temperatures do not underflow to all zeros.
  const logBest = Math.log(probabilities[best]);
  const weights = Array.from(probabilities, (p) => (p > 0 ? Math.exp((Math.log(p) - logBest) / temperature) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return best;
}

/** A small seeded uniform generator (mulberry32), so samples are reproducible. */
export function seededUniform(seed: number): () => number {
  return mulberry32(seed);
}

export interface CharModelConfig {
  vocabSize: number;
  embeddingDim: number;
  units: number;
  /** Window length for training; generation uses a stateful copy with length 1. */
  seqLen: number | null;
  stateful?: boolean;
  seed?: number;
}

/** Embedding -> LSTM(returnSequences) -> TimeDistributed(Dense(vocab, softmax)). */
export function charModel(c: CharModelConfig): Sequential {
  return sequential(
    [
      embedding({ inputDim: c.vocabSize, outputDim: c.embeddingDim, inputShape: [c.seqLen] }),
      lstm({ units: c.units, returnSequences: true, stateful: c.stateful ?? false }),
      timeDistributed({ layer: dense({ units: c.vocabSize, activation: 'softmax' }) }),
    ],
    { name: c.stateful ? 'char_lstm_sampler' : 'char_lstm', seed: c.seed ?? 1 },
  );
}

/**
 * Runs a trained character model one character at a time: a stateful copy of it (input
 * length 1, batch 1) carries the LSTM state from call to call, so each new character costs
 * one step instead of re-reading the whole context.
 */
export class CharSampler {
  private readonly model: Sequential;

  constructor(
    trained: Sequential,
    readonly vocab: CharVocab,
    config: Omit<CharModelConfig, 'seqLen' | 'stateful' | 'vocabSize'>,
  ) {
    this.model = charModel({ ...config, vocabSize: vocab.chars.length, seqLen: 1, stateful: true });
    this.model.setWeights(trained.getWeights());
  }

  /** Feeds one character id; resolves to the distribution of the next character. */
  private async step(id: number): Promise<ArrayLike<number>> {
    const out = await this.model.predict({ data: Int32Array.of(id), shape: [1, 1] }, { batchSize: 1 });
    return out.data;
  }

  /** `length` new characters after seed (at least one character), drawn at `temperature`. */
  async generate(seed: string, length: number, temperature: number, uniform: () => number = Math.random): Promise<string> {
    const ids = encode(seed, this.vocab);
    if (ids.length === 0) throw new RangeError('generate: seed must hold at least one character');
    this.model.resetStates();
    let probabilities: ArrayLike<number> = [];
    for (const id of ids) probabilities = await this.step(id);
    let text = '';
    for (let i = 0; i < length; i++) {
      const next = sampleWithTemperature(probabilities, temperature, uniform);
      text += this.vocab.chars[next];
      if (i + 1 < length) probabilities = await this.step(next);
    }
    return text;
  }

  /**
   * log p(text[1:] | text[0]) in nats, summed over the predicted characters, and per
   * character; the first character is the context and is not scored.
   */
  async logLikelihood(text: string): Promise<{ nats: number; natsPerChar: number; chars: number }> {
    const ids = encode(text, this.vocab);
    if (ids.length < 2) throw new RangeError('logLikelihood: text must hold at least two characters');
    this.model.resetStates();
    let nats = 0;
    let probabilities = await this.step(ids[0]);
    for (let i = 1; i < ids.length; i++) {
      nats += Math.log(Math.max(probabilities[ids[i]], 1e-30));
      if (i + 1 < ids.length) probabilities = await this.step(ids[i]);
    }
    return { nats, natsPerChar: nats / (ids.length - 1), chars: ids.length - 1 };
  }
}

/** Ends fit() after the first epoch that ends past the time budget (so it overruns by less than an epoch). */
export function timeBudget(seconds: number): Callback {
  let model: TrainingModel | undefined;
  let start = 0;
  return {
    setModel: (m) => (model = m),
    onTrainBegin: () => void (start = performance.now()),
    onEpochEnd: () => {
      if (model && (performance.now() - start) / 1000 >= seconds) model.stopTraining = true;
    },
  };
}

export interface CharLmOptions {
  units?: number;
  embeddingDim?: number;
  seqLen?: number;
  batchSize?: number;
  /** Upper bound on epochs (default 100); the time budget usually ends training first. */
  epochs?: number;
  /** Seconds of training after which no new epoch starts (default 540: about 10 minutes in all, on 2 busy cores). */
  budgetSeconds?: number;
  learningRate?: number;
  threads?: number;
  verbose?: 0 | 1 | 2;
}

export async function main(options: CharLmOptions = {}): Promise<void> {
  const { units = 256, embeddingDim = 32, seqLen = 64, batchSize = 64, epochs = 100, budgetSeconds = 540, learningRate = 0.003, verbose = 2 } = options;
  // Default: the library's thread count (on a quiet 2-core machine, 2 threads train this
  // model about 1.5x faster than 1).
  if (options.threads !== undefined) setNumThreads(options.threads);
  const book = loadMobyDick();
  const vocab = charVocab(book.text);
  const train = charWindows(encode(book.train, vocab), seqLen);
  const validation = charWindows(encode(book.validation, vocab), seqLen);
  console.log(
    `Moby Dick: ${book.train.length} training and ${book.validation.length} validation characters, ${vocab.chars.length} distinct; ` +
      `${train.x.shape[0]} training windows of ${seqLen}; LSTM ${units}, batch ${batchSize}, ${getNumThreads()} threads, budget ${budgetSeconds} s`,
  );
  const model = charModel({ vocabSize: vocab.chars.length, embeddingDim, units, seqLen });
  model.compile({ optimizer: adam({ learningRate, clipnorm: 5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  const history: History = await model.fit(train.x, train.y, {
    epochs,
    batchSize,
    validationData: [validation.x, validation.y],
    callbacks: [timeBudget(budgetSeconds)],
    verbose,
  });
  const seconds = (performance.now() - started) / 1000;
  const chars = train.x.shape[0] * seqLen * history.epoch.length;
  console.log(`\ntrained ${history.epoch.length} epochs in ${seconds.toFixed(1)} s (${(chars / seconds).toFixed(0)} characters/s)`);
  console.log('epoch  train loss  val loss (nats/char)');
  history.epoch.forEach((e, i) => {
    console.log(`${String(e + 1).padStart(5)}  ${history.history.loss[i].toFixed(4).padStart(10)}  ${history.history.val_loss[i].toFixed(4).padStart(8)}`);
  });
  const best = Math.min(...history.history.val_loss);
  console.log(`best validation loss: ${best.toFixed(4)} nats/char (${(best / Math.LN2).toFixed(3)} bits/char); target 1.6: ${best < 1.6 ? 'reached' : 'not reached'}`);

  const sampler = new CharSampler(model, vocab, { embeddingDim, units });
  const uniform = seededUniform(7);
  for (const temperature of [0.2, 0.5, 1.0]) {
    const text = await sampler.generate('Call me Ishmael. ', 300, temperature, uniform);
    console.log(`\n--- temperature ${temperature} ---\nCall me Ishmael. ${text}`);
  }
  console.log('');
  const sentence = 'The whale swam slowly towards the ship.';
  const scrambled = Array.from(sentence).reverse().join('');
  for (const s of [sentence, scrambled]) {
    const ll = await sampler.logLikelihood(s);
    console.log(`log p(${JSON.stringify(s)}) = ${ll.nats.toFixed(2)} nats over ${ll.chars} chars, ${(-ll.natsPerChar).toFixed(3)} nats/char`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
