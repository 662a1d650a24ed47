// The one place that loads the MPI addon (native/mpi, recurrent_mpi.node), on demand: the
// main addon never needs it, and where it is missing the error says what to install and
// what to run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { isCheckout, packageRoot } from '../native';

/** Where this process stands among the MPI processes of the job. */
export interface MpiTopology {
  rank: number;
  size: number;
  /** Rank among the processes on this machine (MPI_COMM_TYPE_SHARED). */
  localRank: number;
  localSize: number;
  /** The MPI library, e.g. 'Open MPI v4.1.4'. */
  library: string;
}

export interface ReducedGradients {
  gradients: Float32Array[];
  stats: Float64Array;
  /** Bytes this rank sent for the gradients. */
  sentBytes: number;
  /** Embedding tables that went as gathered rows. */
  sparseTables: number;
}

/** The surface of recurrent_mpi.node (native/mpi/mpi_binding.cc). */
export interface MpiBinding {
  init(): MpiTopology;
  finalize(): void;
  /**
   * The arrays averaged over the ranks (fused into buckets of at most fusionBytes, summed in
   * rank order; the embedding tables of `tables`, (index, row width) pairs, as gathered rows
   * where that sends less), and `stats` summed; with the bytes this rank sent.
   */
  allreduceMean(gradients: Float32Array[], stats: Float64Array, fusionBytes: number, tables: Int32Array): Promise<ReducedGradients>;
  /** Rank 0's arrays on every rank (their lengths must agree). */
  broadcast(arrays: Float32Array[]): Promise<Float32Array[]>;
  /** Every rank's values, rank after rank. */
  allgather(values: Float64Array): Promise<Float64Array>;
}

/** The file the MPI addon is built to. */
export const mpiAddonFile = path.join(packageRoot, 'native', 'mpi', 'build', 'Release', 'recurrent_mpi.node');

/** An executable on the PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export class MpiUnavailableError extends Error {
  override name = 'MpiUnavailableError';
}

const INSTALL = 'install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; Fedora: dnf install openmpi-devel; macOS: brew install open-mpi)';

function buildCommand(): string {
  return isCheckout() ? `cd ${packageRoot} && npm run build:mpi` : 'npx recurrent build-mpi';
}

/** Why distributed training is not available here, or undefined when the addon is built. */
export function mpiUnavailableReason(): string | undefined {
  if (fs.existsSync(mpiAddonFile)) return undefined;
  if (!findOnPath('mpicxx') || !findOnPath('mpicc')) return `the MPI addon is not built and no MPI compiler wrapper (mpicc, mpicxx) is on the PATH: ${INSTALL}, then run ${buildCommand()}`;
  return `the MPI addon is not built (${mpiAddonFile} is missing): run ${buildCommand()}`;
}

let loaded: MpiBinding | undefined;

/**
 * The MPI addon. Loaded with RTLD_GLOBAL: Open MPI opens its own plugins, which look up
 * libmpi's symbols in the global scope.
 */
export function mpiBinding(): MpiBinding {
  if (loaded) return loaded;
  const reason = mpiUnavailableReason();
  if (reason) throw new MpiUnavailableError(`distributed: ${reason}`);
  const module = { exports: {} as MpiBinding };
  try {
    process.dlopen(module, mpiAddonFile, os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL);
  } catch (err) {
    const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new MpiUnavailableError(`distributed: the MPI addon ${mpiAddonFile} failed to load (${first}): ${INSTALL}, or rebuild it against the MPI installed here with ${buildCommand()}`);
  }
  loaded = module.exports;
  return loaded;
}
