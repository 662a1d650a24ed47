// Runtime settings and facts: instruction set, threads, which binaries are in use.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { availability as distributedAvailability } from './distributed/process_group';
import { mpiAddonFile } from './distributed/mpi_addon';
import { defaultBackend } from './models/native_model';
import { cpu, cuda, CudaDeviceInfo, Isa, packageRoot } from './native';

/** Instruction set of the CPU kernels in use ('amx', 'avx512bf16', 'avx512', 'avx2' or 'scalar'). */
export function getIsa(): Isa {
  return cpu().binding.runtimeInfo().isa;
}

/**
 * Switches the CPU kernels to another instruction set the processor supports (for
 * benchmarks and checks). Throws a RangeError naming the best available one otherwise.
 */
export function setIsa(isa: Isa): void {
  cpu().binding.setIsa(isa);
}

/** Threads the native core uses (the calling thread included). */
export function getNumThreads(): number {
  return cpu().binding.runtimeInfo().threads;
}

/** Sets the native thread count; 0 restores the default (RECURRENT_NUM_THREADS or the cores available). */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 1024) {
    throw new RangeError(`setNumThreads: expected an integer in [0, 1024], received ${String(n)}`);
  }
  return cpu().binding.setNumThreads(n);
}

/**
 * Whether native kernels run with flush-to-zero and denormals-are-zero (default true;
 * RECURRENT_FLUSH_DENORMALS=0 in the environment turns it off at load).
 */
export function getFlushDenormals(): boolean {
  return cpu().binding.runtimeInfo().flushDenormals;
}

/**
 * Turns flushing of denormal floats (|x| < 1.2e-38) to zero inside native kernels on or
 * off. On, arithmetic on them is not slowed down by the processor's microcode path (a
 * gradient that decays over hundreds of steps ran several times slower without it); the
 * difference to IEEE results is below 1.2e-38 in absolute value. It applies to the native
 * threads only while they run kernels: JavaScript arithmetic is never affected. Returns
 * the new setting.
 */
export function setFlushDenormals(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`setFlushDenormals: expected a boolean, received ${typeof on}`);
  return cpu().binding.setFlushDenormals(on);
}

export interface Info {
  version: string;
  binary: { file: string; source: 'build' | 'package' };
  isa: Isa;
  isaAvailable: Isa[];
  isaBuilt: Isa[];
  threads: number;
  flushDenormals: boolean;
  cpu: string;
  platform: string;
  node: string;
  napi: string;
  cuda: { available: boolean; file?: string; devices: CudaDeviceInfo[]; reason?: string };
  /** The backend models train on when they are given none, and why. */
  backend: { name: string; reason: string };
  /** Data-parallel training over MPI (distributed.init()): the MPI addon, or why it is not available. */
  distributed: { available: boolean; file?: string; reason?: string };
}

function defaultBackendInfo(gpuUsable: boolean): Info['backend'] {
  const asked = process.env.RECURRENT_BACKEND;
  if (asked) {
    try {
      const name = defaultBackend().name;
      const unusable = name === 'cuda' && !gpuUsable ? ', but no GPU is usable (see cuda): making a model fails' : '';
      return { name, reason: `RECURRENT_BACKEND=${asked}${unusable}` };
    } catch (err) {
      return { name: 'none', reason: (err as Error).message };
    }
  }
  const gpu = gpuUsable
    ? 'a GPU is usable: give a model backend: cudaBackend, or set RECURRENT_BACKEND=cuda, to train on it'
    : 'no GPU is usable (see cuda)';
  return { name: 'cpu', reason: `the default; ${gpu}` };
}

/** Everything `recurrent info` prints. */
export function info(): Info {
  const loaded = cpu();
  const rt = loaded.binding.runtimeInfo();
  const gpu = cuda();
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return {
    version: pkg.version,
    binary: { file: loaded.file, source: loaded.source },
    isa: rt.isa,
    isaAvailable: rt.isaAvailable,
    isaBuilt: rt.isaBuilt,
    threads: rt.threads,
    flushDenormals: rt.flushDenormals,
    cpu: rt.cpu,
    platform: `${process.platform}-${process.arch}`,
    node: process.versions.node,
    napi: process.versions.napi ?? 'unknown',
    cuda: { available: gpu.binding !== undefined, file: gpu.file, devices: gpu.devices, reason: gpu.reason },
    backend: defaultBackendInfo(gpu.binding !== undefined),
    distributed: { ...distributedAvailability(), ...(distributedAvailability().available ? { file: mpiAddonFile } : {}) },
  };
}
