// Where a NativeModel comes from. A Backend makes native models from a GraphSpec; the CPU
// backend uses the addon's Model class. Everything above this file talks only to the
// NativeModel interface of lib/graph_spec.ts.
import type { GraphSpec, NativeModel, NativeModelOptions } from '../graph_spec';
import { cpu } from '../native';

export interface Backend {
  readonly name: string;
  createModel(spec: GraphSpec): NativeModel;
}

/** A native model on the CPU addon (`new binding.Model(spec, { backend: 'cpu' })`). */
export function createNativeModel(spec: GraphSpec): NativeModel {
  const { binding, file } = cpu();
  const Model = binding.Model as (new (spec: GraphSpec, options: NativeModelOptions) => NativeModel) | undefined;
  if (typeof Model !== 'function') {
    throw new Error(
      `recurrent: the native addon at ${file} has no Model class (the native training graph); ` +
        'it predates the graph or was built without it: rebuild it with npm run build:native',
    );
  }
  return new Model(spec, { backend: 'cpu' });
}

export const cpuBackend: Backend = { name: 'cpu', createModel: createNativeModel };
