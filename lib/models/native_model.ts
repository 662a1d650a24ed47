// Where a NativeModel comes from. A Backend makes native models from a GraphSpec: the CPU
// backend runs the addon's fast kernels; the reference backend the same graph with every
// op in its plain double-precision form (slow: for checking results); 'cuda-emulated' the
// CUDA kernels on the host (slower still: for checking them); 'cuda' the CUDA addon's model
// on the GPU. Everything above this file talks only to the NativeModel interface of
// lib/graph_spec.ts.
import type { CompileSpec, GraphSpec, NativeModel, NativeModelOptions } from '../graph_spec';
import { cpu, cuda, type CpuBinding } from '../native';
import { describe } from '../options';

export interface Backend {
  readonly name: string;
  /**
   * A native model of the graph (compiled with `compile` when given). Its memory (every
   * value, gradient and optimizer slot) is allocated off the main thread.
   */
  createModel(spec: GraphSpec, compile?: CompileSpec): Promise<NativeModel>;
}

type ModelClass = CpuBinding['Model'];

async function addonModel(spec: GraphSpec, options: NativeModelOptions, compile: CompileSpec | undefined): Promise<NativeModel> {
  const { binding, file } = cpu();
  return modelOf(binding.Model as ModelClass | undefined, file, spec, options, compile);
}

function modelOf(Model: ModelClass | undefined, file: string, spec: GraphSpec, options: NativeModelOptions, compile: CompileSpec | undefined): Promise<NativeModel> {
  if (typeof Model !== 'function' || typeof Model.create !== 'function') {
    throw new Error(
      `recurrent: the native addon at ${file} has no Model class (the native training graph) or no Model.create; ` +
        'it predates them: rebuild it with npm run build:native',
    );
  }
  return Model.create(spec, options, compile ?? null);
}

/** The CPU: the per-ISA kernels and the thread pool. */
export const cpuBackend: Backend = { name: 'cpu', createModel: (spec, compile) => addonModel(spec, { backend: 'cpu' }, compile) };

/** Every op in its plain form, one thread, sums in double: the oracle the fast kernels are checked against. */
export const referenceBackend: Backend = { name: 'reference', createModel: (spec, compile) => addonModel(spec, { backend: 'reference' }, compile) };

/**
 * The CUDA backend's kernels compiled for the host and run under the SIMT emulation (host
 * memory): very slow; for checking the CUDA kernels and whole training steps on them
 * without a GPU.
 */
export const cudaEmulatedBackend: Backend = {
  name: 'cuda-emulated',
  createModel: (spec, compile) => addonModel(spec, { backend: 'cuda-emulated' }, compile),
};

/**
 * The GPU: the CUDA backend's kernels on device 0, through the CUDA addon
 * (recurrent_cuda.node), which carries the native model too. Where there is no usable
 * device or no CUDA build, making a model fails with the reason (see `npx recurrent info`).
 */
export const cudaBackend: Backend = {
  name: 'cuda',
  createModel: async (spec, compile) => {
    const status = cuda();
    if (!status.binding || !status.file) throw new Error(`recurrent: the CUDA backend cannot run here: ${status.reason ?? 'no CUDA device'}`);
    return modelOf(status.binding.Model, status.file, spec, { backend: 'cuda' }, compile);
  },
};

const BACKENDS: Record<string, Backend> = { cpu: cpuBackend, reference: referenceBackend, 'cuda-emulated': cudaEmulatedBackend, cuda: cudaBackend };

/**
 * The backend models use when none is given: RECURRENT_BACKEND if set ('cpu',
 * 'reference', 'cuda-emulated' or 'cuda'), else the CPU. Any other value is an error, so a typo never trains
 * somewhere else than asked.
 */
export function defaultBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const name = env.RECURRENT_BACKEND;
  if (name === undefined || name === '') return cpuBackend;
  const backend = Object.prototype.hasOwnProperty.call(BACKENDS, name) ? BACKENDS[name] : undefined;
  if (backend) return backend;
  const hint = name === 'gpu' ? ": the GPU backend is called 'cuda'" : '';
  throw new RangeError(`RECURRENT_BACKEND=${describe(name)} is not a backend (known: ${Object.keys(BACKENDS).join(', ')})${hint}`);
}
