// seq2seqDataset: encoder and decoder batches for teacher forcing. Each pair (source ids,
// target ids) becomes the encoder's input (reversed if asked, as the course's translator
// reads its source backwards), the decoder's input [start, ...target] and its target
// [...target, end]; batches group similar source lengths (bucketByLength) and are padded
// with 0 to their own longest source and target, so an Embedding with maskZero masks the
// padding and the loss skips it. Every iteration is one epoch with fresh batches.
import { bucketByLength } from './bucket_by_length';
import { checkPositiveInteger } from './tensor';

export interface Seq2SeqDatasetOptions {
  batchSize: number;
  /** The decoder's first input token (a non-zero id). */
  startToken: number;
  /** The token the decoder learns to end with (a non-zero id). */
  endToken: number;
  /** Feed each source backwards (default false). */
  reverseSource?: boolean;
  /** Source-length boundaries of the buckets, as bucketByLength (default: one bucket, sorted by length). */
  bucketBoundaries?: readonly number[];
  /** Seeds the batches; epoch e uses seed + e (default 0). */
  seed?: number;
}

/** One batch: xs [source [B, Ts], decoder input [B, Tt + 1]] (int32), ys the decoder's targets [B, Tt + 1]. */
export interface Seq2SeqBatch {
  xs: [{ data: Int32Array; shape: [number, number] }, { data: Int32Array; shape: [number, number] }];
  ys: { data: Int32Array; shape: [number, number] };
}

const KNOWN = ['batchSize', 'startToken', 'endToken', 'reverseSource', 'bucketBoundaries', 'seed'];

function checkIds(what: string, seq: unknown): ArrayLike<number> {
  if (seq === null || typeof seq !== 'object' || typeof (seq as ArrayLike<number>).length !== 'number') throw new TypeError(`${what} must be an array of token ids`);
  const s = seq as ArrayLike<number>;
  if (s.length === 0) throw new RangeError(`${what} is empty`);
  for (let t = 0; t < s.length; t++) {
    if (!Number.isInteger(s[t]) || s[t] < 1) throw new RangeError(`${what}[${t}] must be a token id >= 1 (0 is padding), received ${String(s[t])}`);
  }
  return s;
}

/**
 * ```ts
 * const ds = data.seq2seqDataset(spellings, pronunciations, { batchSize: 64, startToken: 1, endToken: 2 });
 * await training.fitDataset(ds, { epochs: 10 });   // training: model({ inputs: [src, tgtIn], outputs: probs })
 * ```
 */
export function seq2seqDataset(sources: readonly ArrayLike<number>[], targets: readonly ArrayLike<number>[], options: Seq2SeqDatasetOptions): Iterable<Seq2SeqBatch> {
  if (!Array.isArray(sources) || !Array.isArray(targets)) throw new TypeError('seq2seqDataset: sources and targets must be arrays');
  if (sources.length !== targets.length) throw new RangeError(`seq2seqDataset: ${sources.length} sources but ${targets.length} targets`);
  if (sources.length === 0) throw new RangeError('seq2seqDataset: no pairs');
  if (options === null || typeof options !== 'object') throw new TypeError('seq2seqDataset: options must be an object { batchSize, startToken, endToken, ... }');
  for (const k of Object.keys(options)) if (!KNOWN.includes(k)) throw new RangeError(`seq2seqDataset: unknown option '${k}' (known: ${KNOWN.join(', ')})`);
  const { batchSize, startToken, endToken, reverseSource = false, bucketBoundaries, seed = 0 } = options;
  checkPositiveInteger('seq2seqDataset: batchSize', batchSize);
  checkPositiveInteger('seq2seqDataset: startToken', startToken);
  checkPositiveInteger('seq2seqDataset: endToken', endToken);
  if (typeof reverseSource !== 'boolean') throw new TypeError(`seq2seqDataset: reverseSource must be a boolean, received ${String(reverseSource)}`);
  const src = sources.map((s, i) => checkIds(`seq2seqDataset: sources[${i}]`, s));
  const tgt = targets.map((s, i) => checkIds(`seq2seqDataset: targets[${i}]`, s));
  const lengths = src.map((s) => s.length);
  let epoch = 0;
  return {
    [Symbol.iterator]: function* () {
      const batches = bucketByLength(lengths, { batchSize, ...(bucketBoundaries ? { bucketBoundaries } : {}), seed: seed + epoch++ });
      for (const batch of batches) {
        const B = batch.length;
        const Ts = Math.max(...batch.map((i) => src[i].length));
        const Tt = Math.max(...batch.map((i) => tgt[i].length)) + 1;
        const x = new Int32Array(B * Ts);
        const din = new Int32Array(B * Tt);
        const dout = new Int32Array(B * Tt);
        batch.forEach((i, b) => {
          const s = src[i];
          for (let t = 0; t < s.length; t++) x[b * Ts + t] = reverseSource ? s[s.length - 1 - t] : s[t];
          const y = tgt[i];
          din[b * Tt] = startToken;
          for (let t = 0; t < y.length; t++) {
            din[b * Tt + t + 1] = y[t];
            dout[b * Tt + t] = y[t];
          }
          dout[b * Tt + y.length] = endToken;
        });
        yield { xs: [{ data: x, shape: [B, Ts] }, { data: din, shape: [B, Tt] }], ys: { data: dout, shape: [B, Tt] } };
      }
    },
  };
}
