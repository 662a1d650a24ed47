// The MPI process group of this process: init, rank and size, and the collectives of
// data-parallel training, queued so that they run one at a time and in call order on
// every rank. Each process trains on its shard of every epoch; gradients are averaged
// between backward and the optimizer update (data_parallel.ts).
import { isMainThread } from 'node:worker_threads';

import { describe } from '../options';
import { MpiBinding, mpiBinding, MpiTopology, mpiUnavailableReason, ReducedGradients } from './mpi_addon';

export type { MpiTopology } from './mpi_addon';

export interface InitOptions {
  /**
   * Gradients are reduced in fused buffers of at most this many bytes, one after another
   * in weight order (Horovod's tensor fusion; default 64 MiB, its HOROVOD_FUSION_THRESHOLD).
   * Smaller buckets need less scratch memory; larger ones fewer MPI calls.
   */
  fusionBytes?: number;
  /**
   * Reduce embedding gradients as whole tables, like every other weight, even where
   * gathering the rows each process's batch touched would send fewer bytes (Horovod's
   * sparse_as_dense; default false). The result is the same either way, bit for bit.
   */
  sparseAsDense?: boolean;
}

const DEFAULT_FUSION_BYTES = 64 * 2 ** 20;

interface State {
  binding: MpiBinding;
  topology: MpiTopology;
  fusionBytes: number;
  sparseAsDense: boolean;
  /** The last collective queued: collectives run one at a time, in call order. */
  tail: Promise<unknown>;
}

let state: State | undefined;

/**
 * Starts MPI in this process (once; later calls return the same topology and may change
 * fusionBytes) and returns where the process stands. Outside mpirun it is a job of one
 * process. Throws, naming what to install or build, when the MPI addon is not available.
 */
export function init(options: InitOptions = {}): MpiTopology {
  if (typeof options !== 'object' || options === null) throw new TypeError(`distributed.init: options must be an object, received ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== 'fusionBytes' && k !== 'sparseAsDense') throw new RangeError(`distributed.init: unknown option '${k}'; known options: fusionBytes, sparseAsDense`);
  }
  const sparseAsDense = options.sparseAsDense ?? state?.sparseAsDense ?? false;
  if (typeof sparseAsDense !== 'boolean') throw new TypeError(`distributed.init: sparseAsDense must be a boolean, received ${describe(sparseAsDense)}`);
  const fusion = options.fusionBytes ?? state?.fusionBytes ?? DEFAULT_FUSION_BYTES;
  if (typeof fusion !== 'number' || !Number.isInteger(fusion) || fusion < 4 || fusion > 2 ** 32) {
    throw new RangeError(`distributed.init: fusionBytes must be an integer in [4, 4294967296] (bytes), received ${describe(fusion)}`);
  }
  if (!isMainThread) throw new Error('distributed.init: MPI belongs to the process: call it on the main thread, not in a worker thread');
  if (state) {
    state.fusionBytes = fusion;
    state.sparseAsDense = sparseAsDense;
    return { ...state.topology };
  }
  const binding = mpiBinding();
  const topology = binding.init();
  state = { binding, topology, fusionBytes: fusion, sparseAsDense, tail: Promise.resolve() };
  // A clean exit ends MPI (mpirun counts a process that exits without MPI_Finalize as
  // failed). A failing exit does not: finalizing waits for the other ranks, which may be
  // waiting in a collective for this one; mpirun then ends the job with the error.
  process.on('exit', (code) => {
    if (code !== 0) return;
    try {
      binding.finalize();
    } catch (err) {
      process.stderr.write(`distributed: ${(err as Error).message}\n`);
    }
  });
  return { ...topology };
}

function started(what: string): State {
  if (!state) throw new Error(`distributed.${what}: call distributed.init() first`);
  return state;
}

/** Whether init() has run in this process. */
export function isInitialized(): boolean {
  return state !== undefined;
}

/** This process's rank, 0 to size() - 1. */
export function rank(): number {
  return started('rank()').topology.rank;
}

/** The number of processes in the job. */
export function size(): number {
  return started('size()').topology.size;
}

/** This process's rank among the processes on its machine (pick a GPU or a core set with it). */
export function localRank(): number {
  return started('localRank()').topology.localRank;
}

/** Whether distributed training can run here, and why not when it cannot (recurrent info prints it). */
export function availability(): { available: boolean; reason?: string } {
  const reason = mpiUnavailableReason();
  return reason ? { available: false, reason } : { available: true };
}

/** The collectives, each queued behind the one before (lib/distributed/data_parallel.ts uses them). */
export interface Collectives {
  readonly rank: number;
  readonly size: number;
  readonly fusionBytes: number;
  /** `tables`: the embedding tables among the gradients, (index, row width) pairs. */
  allreduceMean(gradients: Float32Array[], stats: Float64Array, tables: Int32Array): Promise<ReducedGradients>;
  broadcast(arrays: Float32Array[]): Promise<Float32Array[]>;
  allgather(values: Float64Array): Promise<Float64Array>;
}

export function collectives(what: string): Collectives {
  if (!state) throw new Error(`${what}: distributed training needs distributed.init() first (and the script started by mpirun)`);
  const s = state;
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = s.tail.then(run, run);
    s.tail = next.catch(() => undefined);
    return next;
  };
  return {
    rank: s.topology.rank,
    size: s.topology.size,
    fusionBytes: s.fusionBytes,
    allreduceMean: (g, stats, tables) => serial(() => s.binding.allreduceMean(g, stats, s.fusionBytes, s.sparseAsDense ? new Int32Array(0) : tables)),
    broadcast: (arrays) => serial(() => s.binding.broadcast(arrays)),
    allgather: (values) => serial(() => s.binding.allgather(values)),
  };
}

/** What the gradient reductions of this process have moved and taken (a benchmark's figures). */
export interface ReductionStats {
  /** Training steps reduced so far. */
  steps: number;
  /** Gradient bytes averaged in the last step (float32, every weight). */
  bytesPerStep: number;
  /**
   * Bytes this process sent per step, the mean over the steps: 2 (p - 1) / p of the dense
   * part (its share of the all-to-all, then of the all-gather), and (p - 1) times its
   * touched rows and their ids for the embedding tables that went as rows.
   */
  sentBytesPerStep: number;
  /** Embedding tables reduced as gathered rows in the last step. */
  sparseTables: number;
  /** Seconds spent waiting for reductions, all steps together (waiting for slower processes included). */
  seconds: number;
}

const reductions = { steps: 0, bytesPerStep: 0, sentBytes: 0, sparseTables: 0, seconds: 0 };

/** Called by each data-parallel step (data_parallel.ts). */
export function recordReduction(lengths: number[], reduced: ReducedGradients, seconds: number): void {
  reductions.steps += 1;
  reductions.bytesPerStep = 4 * lengths.reduce((a, b) => a + b, 0);
  reductions.sentBytes += reduced.sentBytes;
  reductions.sparseTables = reduced.sparseTables;
  reductions.seconds += seconds;
}

export function reductionStats(): ReductionStats {
  const { sentBytes, ...rest } = reductions;
  return { ...rest, sentBytesPerStep: rest.steps > 0 ? sentBytes / rest.steps : 0 };
}
