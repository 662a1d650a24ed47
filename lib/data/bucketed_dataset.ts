// bucketedDataset: bucketByLength's batches, padded each to its own longest sequence, as
// a dataset for model.fitDataset. Every iteration is one epoch with fresh batches (the
// seed plus the epoch count), so the same object trains any number of epochs.
import { bucketByLength, BucketByLengthOptions } from './bucket_by_length';
import { checkPositiveInteger } from './tensor';

export interface BucketedDatasetOptions extends BucketByLengthOptions {
  /** 'post' (default: sequences start at step 0, which masks and lengths expect) or 'pre'. */
  padding?: 'pre' | 'post';
  /** The padding value (default 0: the masked id of an Embedding with maskZero). */
  value?: number;
  /** Give each batch the sequences' lengths, so the model masks the padding exactly (default: true for float sequences, false for token ids). */
  lengths?: boolean;
  /** The targets are one per step, padded as the sequences (default: when their lengths follow the sequences' and vary). */
  targetsPerStep?: boolean;
}

/** A padded batch: token ids [B, T] (int32) or floats [B, T, F], targets [B, ...] or per step [B, T(, K)]. */
export interface BucketedBatch {
  xs: { data: Int32Array | Float32Array; shape: number[] };
  ys: { data: Float32Array; shape: number[] };
  lengths?: Int32Array;
}

type Sequence = ArrayLike<number> | ArrayLike<ArrayLike<number>>;
type Target = number | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

function isNested(s: Sequence): s is ArrayLike<ArrayLike<number>> {
  return s.length > 0 && typeof s[0] !== 'number';
}

/**
 * Batches of similar lengths from `sequences` (token ids [T_i], or float steps [T_i][F])
 * and `targets` (a number or a vector per sample, or one per step: [T_i] or [T_i][K],
 * padded as the sequences are).
 *
 * ```ts
 * const ds = data.bucketedDataset(sequences, labels, { batchSize: 32, bucketBoundaries: [10, 20, 40] });
 * await model.fitDataset(ds, { epochs: 5 });
 * ```
 */
export function bucketedDataset(sequences: readonly Sequence[], targets: readonly Target[], options: BucketedDatasetOptions): Iterable<BucketedBatch> {
  if (!Array.isArray(sequences) || !Array.isArray(targets)) throw new TypeError('bucketedDataset: sequences and targets must be arrays');
  if (sequences.length !== targets.length) throw new RangeError(`bucketedDataset: ${sequences.length} sequences but ${targets.length} targets`);
  if (options === null || typeof options !== 'object') throw new TypeError('bucketedDataset: options must be an object { batchSize, ... }');
  const { padding = 'post', value = 0, seed = 0, ...bucketing } = options;
  for (const k of Object.keys(bucketing)) {
    if (!['batchSize', 'bucketBoundaries', 'lengths', 'targetsPerStep'].includes(k)) {
      throw new RangeError(`bucketedDataset: unknown option '${k}' (known: batchSize, bucketBoundaries, seed, padding, value, lengths, targetsPerStep)`);
    }
  }
  checkPositiveInteger('bucketedDataset: batchSize', options.batchSize);
  if (padding !== 'pre' && padding !== 'post') throw new RangeError(`bucketedDataset: padding must be 'pre' or 'post', received '${String(padding)}'`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`bucketedDataset: value must be a finite number, received ${String(value)}`);
  const floats = sequences.some((s) => isNested(s));
  const features = floats ? (sequences.find(isNested) as ArrayLike<ArrayLike<number>>)[0].length : 0;
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') throw new TypeError(`bucketedDataset: sequences[${i}] must be an array`);
    if (floats && s.length > 0 && (!isNested(s) || Array.from(s as ArrayLike<ArrayLike<number>>).some((step) => step.length !== features))) {
      throw new RangeError(`bucketedDataset: sequences[${i}] must hold steps of ${features} features, as sequences[0] does`);
    }
  });
  const withLengths = options.lengths ?? floats;
  if (withLengths && padding === 'pre') throw new RangeError("bucketedDataset: lengths count steps from the start: use padding 'post' with them");
  const lengths = sequences.map((s) => s.length);
  const follows = targets.every((t, i) => typeof t !== 'number' && t.length === lengths[i]);
  const perStep = options.targetsPerStep ?? (follows && new Set(lengths).size > 1);
  let epoch = 0;
  return {
    [Symbol.iterator]: function* () {
      const batches = bucketByLength(lengths, { batchSize: options.batchSize, ...(options.bucketBoundaries ? { bucketBoundaries: options.bucketBoundaries } : {}), seed: seed + epoch++ });
      for (const batch of batches) yield padBatch(batch, sequences, targets, lengths, { padding, value, floats, features, perStep, withLengths });
    },
  };
}

interface PadSettings {
  padding: 'pre' | 'post';
  value: number;
  floats: boolean;
  features: number;
  perStep: boolean;
  withLengths: boolean;
}

function padBatch(batch: number[], sequences: readonly Sequence[], targets: readonly Target[], lengths: number[], s: PadSettings): BucketedBatch {
  const B = batch.length;
  const T = Math.max(1, ...batch.map((i) => lengths[i]));
  const F = s.floats ? s.features : 1;
  const x = s.floats ? new Float32Array(B * T * F).fill(s.value) : new Int32Array(B * T).fill(s.value);
  batch.forEach((i, b) => {
    const seq = sequences[i];
    const offset = s.padding === 'post' ? 0 : T - seq.length;
    for (let t = 0; t < seq.length; t++) {
      if (s.floats) for (let f = 0; f < F; f++) x[(b * T + offset + t) * F + f] = (seq as ArrayLike<ArrayLike<number>>)[t][f];
      else x[b * T + offset + t] = (seq as ArrayLike<number>)[t];
    }
  });
  const first = targets[batch[0]];
  let ys: { data: Float32Array; shape: number[] };
  if (s.perStep) {
    const K = typeof first === 'number' || typeof (first as ArrayLike<unknown>)[0] === 'number' ? 1 : ((first as ArrayLike<ArrayLike<number>>)[0]?.length ?? 1);
    const y = new Float32Array(B * T * K);
    batch.forEach((i, b) => {
      const seq = targets[i] as ArrayLike<number | ArrayLike<number>>;
      if (typeof seq === 'number' || seq.length !== lengths[i]) throw new RangeError(`bucketedDataset: targets[${i}] must have one target per step (${lengths[i]})`);
      const offset = s.padding === 'post' ? 0 : T - seq.length;
      for (let t = 0; t < seq.length; t++) {
        const v = seq[t];
        if (K === 1) y[b * T + offset + t] = v as number;
        else for (let k = 0; k < K; k++) y[(b * T + offset + t) * K + k] = (v as ArrayLike<number>)[k];
      }
    });
    ys = { data: y, shape: K === 1 ? [B, T] : [B, T, K] };
  } else {
    const K = typeof first === 'number' ? 1 : first.length;
    const y = new Float32Array(B * K);
    batch.forEach((i, b) => {
      const v = targets[i];
      if (typeof v === 'number') y[b] = v;
      else for (let k = 0; k < K; k++) y[b * K + k] = (v as ArrayLike<number>)[k];
    });
    ys = { data: y, shape: typeof first === 'number' ? [B] : [B, K] };
  }
  const out: BucketedBatch = { xs: { data: x, shape: s.floats ? [B, T, F] : [B, T] }, ys };
  if (s.withLengths) out.lengths = Int32Array.from(batch.map((i) => lengths[i]));
  return out;
}
