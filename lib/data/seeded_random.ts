// Seeded randomness for shuffles and splits: the same seed gives the same order on every
// machine and Node version (Math.random cannot be seeded).
import { mulberry32 } from '../random';

/** mulberry32 seeded directly by `seed`, uniform in [0, 1). Good enough for shuffling. */
export function seededRandom(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, received ${String(seed)}`);
  return mulberry32(Math.trunc(seed) >>> 0);
}

/** Fisher-Yates shuffle in place, drawing from `random`. */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

/** A seeded permutation of 0..n-1. */
export function seededPermutation(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(p, seededRandom(seed));
  return p;
}
