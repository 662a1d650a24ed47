// A model to and from its saved directory (lib/io/model_files.ts): the topology, the
// weights matched by name or order, the compile settings, the optimizer state and the
// training position, and resuming a fit from a checkpoint.
import type { LossName, OptimizerState } from '../graph_spec';
import type { Loss, SampledSoftmaxSpec } from '../training/losses';
import type { Layer } from '../layers/layer';
import { ModelFiles, ModelFilesToWrite, SavedCompile } from '../io/model_files';
import { readModelFilesAsync, writeModelFilesAsync } from '../io/model_files_async';
import { optimizerFromSpec } from '../io/optimizer_config';
import { packageVersion } from '../io/package_version';
import { matchManifest, weightEntries } from '../io/weight_manifest';
import { describe } from '../options';
import type { Compiled, CompileConfig } from './compile_config';

/** What saving and loading read from a model and restore into it. */
export interface Persistence {
  name: string;
  seed: number;
  /** Layers with weights, in getWeights order. */
  layers: Layer[];
  topology(): unknown;
  /** New arrays of the current weights (the writer transfers them to its worker), read piece by piece. */
  weights(): Promise<Float32Array[]>;
  setWeights(values: Float32Array[]): void;
  compiled: Compiled | undefined;
  compile(config: CompileConfig): void;
  position: { epoch: number; batch: number };
  /** The optimizer state in new arrays (as weights()), or undefined before compile. */
  optimizer(): Promise<{ state: OptimizerState; iterations: number } | undefined>;
  restoreOptimizer(saved: { state: OptimizerState; iterations: number } | undefined): void;
  reseed(seed: number): void;
}

export interface SaveOptions {
  /** Also save the optimizer state and the training position, for resuming (default true). */
  includeOptimizer?: boolean;
}

function savedCompile(c: Compiled): SavedCompile {
  const first = c.outputs.find((o) => o !== null);
  if (!first) throw new Error('internal: a compiled model without losses');
  const sampled = (l: Loss) => (l.sampledSoftmax ? { sampledSoftmax: { ...l.sampledSoftmax } } : {});
  const outputs = c.outputs.map((o) => (o ? { loss: o.loss.name, fromLogits: o.loss.fromLogits, weight: o.weight, metrics: o.metrics.map((m) => m.key), ...sampled(o.loss) } : null));
  return {
    loss: first.loss.name,
    fromLogits: first.loss.fromLogits,
    metrics: first.metrics.map((m) => m.key),
    optimizer: c.optimizer.spec(),
    ...sampled(first.loss),
    ...(c.outputs.length > 1 ? { outputs } : {}),
  };
}

export async function modelFiles(m: Persistence, includeOptimizer: boolean): Promise<ModelFilesToWrite> {
  const files: ModelFilesToWrite = {
    topology: m.topology(),
    entries: weightEntries(m.layers),
    values: await m.weights(),
    seed: m.seed,
    generatedBy: `recurrent ${packageVersion()}`,
  };
  if (m.compiled) files.compile = savedCompile(m.compiled);
  if (includeOptimizer && m.compiled) {
    files.position = { ...m.position };
    const snapshot = await m.optimizer();
    if (snapshot) files.optimizer = snapshot;
  }
  return files;
}

/**
 * Saves the model to directory `dir` (created if needed) in the TensorFlow.js layers format
 * (model.json and a weights file), with the compile settings and, unless includeOptimizer
 * is false, the optimizer state and training position. The save is crash-safe: until it
 * completes, `dir` holds the previous model whole.
 */
export async function saveModel(m: Persistence, dir: string, options: SaveOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`${m.name}: save(dir): dir must be a non-empty path, received ${describe(dir)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${m.name}: save: options must be an object`);
  for (const k of Object.keys(options)) if (k !== 'includeOptimizer') throw new RangeError(`${m.name}: save: unknown option '${k}' (known options: includeOptimizer)`);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
    throw new TypeError(`${m.name}: save: includeOptimizer must be a boolean, received ${describe(options.includeOptimizer)}`);
  }
  // Off the main thread: a large model's write does not stop the event loop.
  await writeModelFilesAsync(dir, await modelFiles(m, options.includeOptimizer ?? true));
}

function compileFromSaved(c: SavedCompile): CompileConfig {
  const outputs = c.outputs;
  const loss = (name: LossName, fromLogits: boolean, sampledSoftmax: SampledSoftmaxSpec | undefined): Loss => ({ name, fromLogits, ...(sampledSoftmax ? { sampledSoftmax } : {}) });
  if (!outputs) return { optimizer: optimizerFromSpec(c.optimizer), loss: loss(c.loss, c.fromLogits, c.sampledSoftmax), metrics: c.metrics as CompileConfig['metrics'] };
  return {
    optimizer: optimizerFromSpec(c.optimizer),
    loss: outputs.map((o) => (o ? loss(o.loss, o.fromLogits, o.sampledSoftmax) : null)),
    lossWeights: outputs.map((o) => o?.weight ?? 1),
    metrics: outputs.map((o) => (o?.metrics ?? []) as never),
  };
}

/**
 * Takes over what lib/io read from a saved model: weights (matched by name or order and
 * checked against this model's shapes), compile settings (when this model has none),
 * optimizer state and training position.
 */
export function restoreModel(m: Persistence, files: ModelFiles, what: string): void {
  const order = matchManifest(weightEntries(m.layers), files.entries, what);
  m.setWeights(order.map((j) => files.values[j]));
  if (files.compile && !m.compiled) m.compile(compileFromSaved(files.compile));
  m.restoreOptimizer(undefined);
  if (files.optimizer && m.compiled) {
    const slots = files.optimizer.state.slots;
    m.restoreOptimizer({ ...files.optimizer, state: { ...files.optimizer.state, slots: order.flatMap((j) => [slots[2 * j], slots[2 * j + 1]]) } });
  }
  m.position.epoch = files.position?.epoch ?? 0;
  m.position.batch = files.position?.batch ?? 0;
}

/** The architecture without the names (automatic names count per process) or input shapes. */
function anonymous(topology: unknown): string {
  const names = new Map<string, string>();
  const anon = (n: unknown): unknown => {
    if (typeof n !== 'string') return n;
    if (!names.has(n)) names.set(n, `#${names.size}`);
    return names.get(n);
  };
  return JSON.stringify(topology, function (key, value) {
    if (key === 'batch_input_shape' || key === 'backend') return undefined;
    if (key === 'name') return anon(value);
    // Node references [layer name, node index, tensor index, ...] name layers too.
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'number' && (key === '' || /^\d+$/.test(key) || key === 'input_layers' || key === 'output_layers')) {
      return [anon(value[0]), ...value.slice(1)];
    }
    return value;
  });
}

/** Restores a checkpoint for fit({ resumeFrom }); returns where training goes on. */
export async function resumeModel(m: Persistence, dir: string): Promise<{ epoch: number; batch: number }> {
  const what = `${m.name}: fit: resumeFrom ${dir}`;
  const files = await readModelFilesAsync(dir);
  if (!files.position || !files.optimizer) {
    throw new Error(`${what}: the directory holds no training state (it was saved with includeOptimizer false, before compiling, or by another tool)`);
  }
  const mine = m.topology() as { config?: unknown };
  const theirs = files.topology as { config?: unknown };
  if (anonymous(mine.config) !== anonymous(theirs.config)) {
    throw new Error(`${what}: the checkpoint's layers differ from this model's (build the same architecture, or use loadModel(dir))`);
  }
  // Dropout draws from the seed the native graph was made with: remake it with the checkpoint's.
  if (files.seed !== undefined) m.reseed(files.seed);
  restoreModel(m, files, what);
  return { ...m.position };
}
