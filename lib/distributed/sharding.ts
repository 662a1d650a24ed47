// Which samples each process of a data-parallel job takes: rank r of p takes positions
// r, r + p, r + 2p, ... of the epoch's order (the seeded permutation every rank draws
// alike), so step b of all ranks together covers positions [b B p, (b + 1) B p) of that
// order: the batch a single process of batch size B p would take.

/** This process's place in the job. */
export interface Shard {
  rank: number;
  size: number;
}

/** Training samples per rank: all ranks take the same count (up to p - 1 samples of each epoch are left out). */
export function trainingShardLength(n: number, shard: Shard): number {
  return Math.floor(n / shard.size);
}

/** Samples of rank `shard.rank` when every sample is taken once (validation): n / p, rounded up for the first ranks. */
export function fullShardLength(n: number, shard: Shard): number {
  return shard.rank < n ? Math.floor((n - 1 - shard.rank) / shard.size) + 1 : 0;
}

/** The first `length` sample indices of this rank's shard of `order` (the identity order when undefined). */
export function shardOrder(order: Int32Array | undefined, shard: Shard, length: number): Int32Array {
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const at = i * shard.size + shard.rank;
    out[i] = order ? order[at] : at;
  }
  return out;
}
