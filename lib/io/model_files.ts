// A saved model's directory, laid out as a TensorFlow.js layers model so that tfjs loads it:
//   model.json             format, modelTopology (Keras JSON), weightsManifest, trainingConfig,
//                          userDefinedMetadata.recurrent (our own state; tfjs ignores it)
//   weights.<hash>.bin     float32 weights, little-endian, in manifest order
//   optimizer.<hash>.bin   optional: the optimizer's slots (two per weight), for resuming
// model.json is written last and is the commit point of a save: the binary files are named
// by their content's hash, so writing them never touches the files the old model.json
// names, and a crash before model.json is replaced leaves the old model whole. Files no
// longer named are removed after the commit.
import { createHash } from 'node:crypto';
import { closeSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LossName, OptimizerSpec, OptimizerState } from '../graph_spec';
import type { SampledSoftmaxSpec } from '../training/losses';
import { syncDirectory, TEMPORARY_MARK, writeFileAtomic } from './atomic_write';
import { checkJsonDepth } from './json_depth';
import { makeDirectorySync } from './make_directory';
import { openRegularFileSync, readExactlySync } from './regular_file';
import { decodeFloat32, encodeFloat32, readManifest, WeightEntry } from './weight_manifest';

export const MODEL_FILE = 'model.json';
/** Our part of model.json's userDefinedMetadata; bumped when its meaning changes. */
export const FORMAT_VERSION = 1;
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const OWN_BINARY = /^(weights|optimizer)\.[0-9a-f]{16}\.bin$/;

export interface SavedCompile {
  /** The first output with a loss: its loss, fromLogits and metrics (what TensorFlow.js reads). */
  loss: LossName;
  fromLogits: boolean;
  /** The metric names as compile received them. */
  metrics: string[];
  optimizer: OptimizerSpec;
  /** The first output's sampled softmax (training), when compiled with it. */
  sampledSoftmax?: SampledSoftmaxSpec;
  /** With several outputs: each output's loss (null: none), loss weight and metric names. */
  outputs?: ({ loss: LossName; fromLogits: boolean; weight: number; metrics: string[]; sampledSoftmax?: SampledSoftmaxSpec } | null)[];
}

export interface SavedOptimizer {
  /** The native optimizer state (slots two per weight, in getWeights order). */
  state: OptimizerState;
  /** The TypeScript optimizer's step count (the learning-rate schedule's argument). */
  iterations: number;
}

/** Where training stands: the next epoch to run and the next batch in it. */
export interface TrainingPosition {
  epoch: number;
  batch: number;
}

export interface ModelFiles {
  topology: unknown;
  /** The weights as the manifest lists them (file order). */
  entries: WeightEntry[];
  values: Float32Array[];
  seed: number | undefined;
  compile: SavedCompile | undefined;
  optimizer: SavedOptimizer | undefined;
  position: TrainingPosition | undefined;
  generatedBy: string | undefined;
}

export interface ModelFilesToWrite {
  topology: unknown;
  entries: WeightEntry[];
  values: Float32Array[];
  seed: number;
  compile?: SavedCompile;
  optimizer?: SavedOptimizer;
  position?: TrainingPosition;
  generatedBy: string;
}

const LOSS_KERAS: Record<LossName, string> = {
  meanSquaredError: 'mean_squared_error',
  meanAbsoluteError: 'mean_absolute_error',
  binaryCrossentropy: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
};
const OPTIMIZER_CLASS: Record<OptimizerSpec['kind'], string> = { sgd: 'SGD', adam: 'Adam', rmsprop: 'RMSprop', adadelta: 'Adadelta', adagrad: 'Adagrad' };

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function binaryName(kind: 'weights' | 'optimizer', hash: string): string {
  return `${kind}.${hash.slice(0, 16)}.bin`;
}

/** Writes the model directory (creating it), crash-safely; see the file comment. */
export function writeModelFiles(dir: string, m: ModelFilesToWrite): void {
  makeDirectorySync(dir, `save(${dir})`);
  const weightBytes = encodeFloat32(m.values);
  const weightsHash = sha256(weightBytes);
  const weightsPath = binaryName('weights', weightsHash);
  writeFileAtomic(join(dir, weightsPath), weightBytes);

  const recurrent: Record<string, unknown> = { formatVersion: FORMAT_VERSION, seed: m.seed, weightsSha256: weightsHash };
  if (m.compile) recurrent.compile = m.compile;
  if (m.position) recurrent.position = m.position;
  if (m.optimizer) {
    const optimizerBytes = encodeFloat32(m.optimizer.state.slots);
    const hash = sha256(optimizerBytes);
    const path = binaryName('optimizer', hash);
    writeFileAtomic(join(dir, path), optimizerBytes);
    recurrent.optimizer = {
      path,
      sha256: hash,
      step: m.optimizer.state.step,
      nativeIterations: m.optimizer.state.iterations,
      iterations: m.optimizer.iterations,
      slotLengths: m.optimizer.state.slots.map((s) => s.length),
    };
  }
  const json: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: m.generatedBy,
    convertedBy: null,
    modelTopology: m.topology,
    weightsManifest: [{ paths: [weightsPath], weights: m.entries }],
  };
  if (m.compile) {
    const { optimizer, loss, metrics } = m.compile;
    json.trainingConfig = {
      loss: LOSS_KERAS[loss],
      metrics,
      optimizer_config: {
        class_name: OPTIMIZER_CLASS[optimizer.kind],
        config: { learning_rate: optimizer.learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2, epsilon: optimizer.epsilon, momentum: optimizer.momentum, rho: optimizer.rho },
      },
    };
  }
  json.userDefinedMetadata = { recurrent };
  writeFileAtomic(join(dir, MODEL_FILE), Buffer.from(JSON.stringify(json, null, 1)));
  removeUnnamed(dir, new Set([weightsPath, (recurrent.optimizer as { path?: string } | undefined)?.path ?? '']));
}

/** Removes our binary files that model.json no longer names, and temporary files of dead saves. */
function removeUnnamed(dir: string, keep: Set<string>): void {
  for (const f of readdirSync(dir)) {
    const stale = (OWN_BINARY.test(f) && !keep.has(f)) || (f.startsWith('.') && f.includes(TEMPORARY_MARK) && !isOurs(f));
    if (!stale) continue;
    try {
      unlinkSync(join(dir, f));
    } catch {
      // Another process may have removed it already.
    }
  }
  syncDirectory(dir);
}

/** A temporary file being written by a live process (this one or another) is left alone. */
function isOurs(f: string): boolean {
  const pid = Number(/\.partial-(\d+)-/.exec(f)?.[1]);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readBounded(path: string, what: string, expectedBytes?: number, maxBytes?: number): Buffer {
  const { fd, size } = openRegularFileSync(path, what, maxBytes);
  try {
    if (expectedBytes !== undefined && size !== expectedBytes) {
      throw new Error(`${what}: ${path} has ${size} bytes, the manifest describes ${expectedBytes} (truncated or not this model's file)`);
    }
    return readExactlySync(fd, size, 0, what, path);
  } finally {
    closeSync(fd);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown, what: string, key: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what}: ${key} must be a non-negative integer, received ${JSON.stringify(v)}`);
  return v;
}

function readCompile(v: unknown, what: string): SavedCompile | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v) || typeof v.loss !== 'string' || typeof v.fromLogits !== 'boolean' || !Array.isArray(v.metrics) || !v.metrics.every((m) => typeof m === 'string') || !isRecord(v.optimizer)) {
    throw new Error(`${what}: userDefinedMetadata.recurrent.compile is malformed`);
  }
  const o = v.optimizer;
  if (typeof o.kind !== 'string' || !Object.prototype.hasOwnProperty.call(OPTIMIZER_CLASS, o.kind)) throw new Error(`${what}: unknown optimizer kind ${JSON.stringify(o.kind)}`);
  for (const key of ['learningRate', 'momentum', 'beta1', 'beta2', 'epsilon', 'rho', 'initialAccumulatorValue', 'clipvalue', 'clipnorm', 'globalClipnorm']) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key] as number)) throw new Error(`${what}: optimizer ${key} must be a finite number, received ${JSON.stringify(o[key])}`);
  }
  if (typeof o.nesterov !== 'boolean') throw new Error(`${what}: optimizer nesterov must be a boolean`);
  const sampledOk = (s: unknown) =>
    s === undefined || (isRecord(s) && typeof s.numSampled === 'number' && Number.isSafeInteger(s.numSampled) && s.numSampled >= 1 && typeof s.removeAccidentalHits === 'boolean');
  if (!sampledOk(v.sampledSoftmax)) throw new Error(`${what}: userDefinedMetadata.recurrent.compile.sampledSoftmax is malformed`);
  if (v.outputs !== undefined) {
    const ok = (e: unknown) =>
      e === null ||
      (isRecord(e) && typeof e.loss === 'string' && Object.prototype.hasOwnProperty.call(LOSS_KERAS, e.loss) && typeof e.fromLogits === 'boolean' &&
        typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight >= 0 && Array.isArray(e.metrics) && e.metrics.every((m) => typeof m === 'string') &&
        sampledOk(e.sampledSoftmax));
    if (!Array.isArray(v.outputs) || v.outputs.length > 10_000 || !v.outputs.every(ok)) throw new Error(`${what}: userDefinedMetadata.recurrent.compile.outputs is malformed`);
  }
  return v as unknown as SavedCompile;
}

/** Reads and checks a model directory written by writeModelFiles or by TensorFlow.js. */
export function readModelFiles(dir: string): ModelFiles {
  const what = `loadModel(${dir})`;
  const text = readBounded(join(dir, MODEL_FILE), what, undefined, MAX_MODEL_JSON_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (e) {
    throw new Error(`${what}: model.json is not valid UTF-8 JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (!isRecord(json)) throw new Error(`${what}: model.json is not a JSON object`);
  checkJsonDepth(json, `${what}: model.json`);
  if (json.format !== undefined && json.format !== 'layers-model') throw new Error(`${what}: format ${JSON.stringify(json.format)} is not a layers model`);
  if (!isRecord(json.modelTopology)) throw new Error(`${what}: model.json has no modelTopology`);
  // TensorFlow.js nests the topology under model_config when Keras wrote it.
  const topology = isRecord(json.modelTopology.model_config) ? json.modelTopology.model_config : json.modelTopology;
  const { path, entries } = readManifest(json.weightsManifest, what);
  const total = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  if (!Number.isSafeInteger(total * 4)) throw new Error(`${what}: the manifest's sizes overflow`);

  const meta = isRecord(json.userDefinedMetadata) ? json.userDefinedMetadata.recurrent : undefined;
  if (meta !== undefined && !isRecord(meta)) throw new Error(`${what}: userDefinedMetadata.recurrent is not an object`);
  if (meta && meta.formatVersion !== FORMAT_VERSION) {
    throw new Error(`${what}: saved with format version ${JSON.stringify(meta.formatVersion)}; this version of recurrent reads version ${FORMAT_VERSION}`);
  }
  const bytes = readBounded(join(dir, path), what, total * 4);
  if (meta && meta.weightsSha256 !== undefined && sha256(bytes) !== meta.weightsSha256) {
    throw new Error(`${what}: ${path} does not match the checksum in model.json (corrupted)`);
  }
  const values = decodeFloat32(bytes, entries.map((e) => e.shape.reduce((a, b) => a * b, 1)), `${what}: ${path}`, entries.map((e) => e.name));

  let seed: number | undefined;
  let position: TrainingPosition | undefined;
  let compile: SavedCompile | undefined;
  let optimizer: SavedOptimizer | undefined;
  if (meta) {
    if (meta.seed !== undefined) seed = count(meta.seed, what, 'seed');
    if (meta.position !== undefined) {
      const p = meta.position as Record<string, unknown>;
      if (!isRecord(p)) throw new Error(`${what}: position must be an object`);
      position = { epoch: count(p.epoch, what, 'position.epoch'), batch: count(p.batch, what, 'position.batch') };
    }
    compile = readCompile(meta.compile, what);
    if (meta.optimizer !== undefined) {
      const o = meta.optimizer;
      if (!isRecord(o) || typeof o.path !== 'string' || !OWN_BINARY.test(o.path) || !Array.isArray(o.slotLengths) || o.slotLengths.length !== 2 * entries.length) {
        throw new Error(`${what}: the optimizer entry is malformed (it needs a file name and two slot lengths per weight)`);
      }
      const lengths = o.slotLengths.map((l, i) => {
        const n = count(l, what, `optimizer slotLengths[${i}]`);
        const size = values[i >> 1].length;
        if (n !== 0 && n !== size) throw new Error(`${what}: optimizer slot ${i} has ${n} values, its weight ${entries[i >> 1].name} has ${size}`);
        return n;
      });
      const optBytes = readBounded(join(dir, o.path), what, lengths.reduce((a, b) => a + b, 0) * 4);
      if (o.sha256 !== undefined && sha256(optBytes) !== o.sha256) throw new Error(`${what}: ${o.path} does not match the checksum in model.json (corrupted)`);
      const slots = decodeFloat32(optBytes, lengths, `${what}: ${o.path}`, lengths.map((_, i) => `slot ${i & 1} of ${entries[i >> 1].name}`));
      optimizer = {
        state: { step: count(o.step, what, 'optimizer step'), iterations: count(o.nativeIterations, what, 'optimizer nativeIterations'), slots },
        iterations: count(o.iterations, what, 'optimizer iterations'),
      };
    }
  }
  return { topology, entries, values, seed, compile, optimizer, position, generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : undefined };
}
