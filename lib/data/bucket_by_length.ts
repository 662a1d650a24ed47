// bucketByLength: batches of samples with similar lengths, so padding per batch stays small.
import { seededPermutation, seededRandom, shuffleInPlace } from './seeded_random';
import { checkPositiveInteger } from './tensor';

export interface BucketByLengthOptions {
  batchSize: number;
  /**
   * Optional increasing length boundaries, as tf.data's bucket_by_sequence_length: bucket b
   * holds lengths in [boundaries[b-1], boundaries[b]), and no batch mixes two buckets.
   * Without boundaries all samples form one bucket.
   */
  bucketBoundaries?: readonly number[];
  /** Seed for the order of equal lengths and of the batches (default 0). */
  seed?: number;
}

/**
 * Groups sample indices into batches of similar length.
 *
 * Within each bucket, samples are sorted by length (equal lengths in a seeded random order)
 * and cut into consecutive batches of `batchSize` (the bucket's last batch may be smaller);
 * then the order of all batches is shuffled with the seed. Use a new seed each epoch for
 * new batches. Pad each batch to its own longest sequence:
 *
 * ```ts
 * for (const batch of bucketByLength(seqs.map((s) => s.length), { batchSize: 32, seed: epoch })) {
 *   const x = padSequences(batch.map((i) => seqs[i]));
 * }
 * ```
 */
export function bucketByLength(lengths: ArrayLike<number>, options: BucketByLengthOptions): number[][] {
  const { batchSize, bucketBoundaries = [], seed = 0 } = options;
  checkPositiveInteger('bucketByLength: batchSize', batchSize);
  for (let b = 0; b < bucketBoundaries.length; b++) {
    if (!Number.isFinite(bucketBoundaries[b]) || (b > 0 && bucketBoundaries[b] <= bucketBoundaries[b - 1])) {
      throw new RangeError('bucketByLength: bucketBoundaries must be finite and strictly increasing');
    }
  }
  const n = lengths.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(lengths[i]) || lengths[i] < 0) {
      throw new RangeError(`bucketByLength: lengths[${i}] must be a non-negative integer, received ${String(lengths[i])}`);
    }
  }
  const order = Array.from(seededPermutation(n, seed));
  order.sort((a, b) => lengths[a] - lengths[b]); // stable: ties keep the seeded order
  const batches: number[][] = [];
  let current: number[] = [];
  let bucket = -1;
  for (const i of order) {
    let b = 0;
    while (b < bucketBoundaries.length && lengths[i] >= bucketBoundaries[b]) b++;
    if (current.length === batchSize || (b !== bucket && current.length > 0)) {
      batches.push(current);
      current = [];
    }
    bucket = b;
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  // A second stream from the same seed, so batch order does not repeat the tie order's draws.
  shuffleInPlace(batches, seededRandom(seed ^ 0x5bd1e995));
  return batches;
}
