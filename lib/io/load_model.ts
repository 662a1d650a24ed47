// loadModel(dir): a model from a directory written by model.save(),
// callbacks.modelCheckpoint or TensorFlow.js (model.json + weights file): a Sequential
// model for a Sequential topology, a functional one otherwise.
import type { MixedPrecisionPolicy } from '../mixed_precision';
import { Functional } from '../models/functional';
import type { Model } from '../models/model';
import type { Backend } from '../models/native_model';
import { Sequential } from '../models/sequential';
import { checkedOptions } from '../options';
import { readModelFilesAsync } from './model_files_async';
import { modelFromJson } from './topology';

export interface LoadModelOptions {
  /** Where the native graph runs (default: the CPU addon, or RECURRENT_BACKEND). */
  backend?: Backend;
  /** The loaded model's mixed-precision policy (default: setMixedPrecision's); it is not saved. */
  mixedPrecision?: MixedPrecisionPolicy;
}

/**
 * Reads a saved model: architecture, weights, and (when saved) compile settings, optimizer
 * state and training position. Every file is checked (format version, shapes against the
 * architecture, byte lengths, checksums, finite values); a bad one is a clear Error.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('loadModel(dir): dir must be a non-empty path');
  const o = checkedOptions('loadModel', options, ['backend', 'mixedPrecision']);
  const what = `loadModel(${dir})`;
  const files = await readModelFilesAsync(dir);
  const parsed = modelFromJson(files.topology, what);
  const common = { name: parsed.name, ...(files.seed !== undefined ? { seed: files.seed } : {}), ...(o.backend ? { backend: o.backend } : {}), ...(o.mixedPrecision !== undefined ? { mixedPrecision: o.mixedPrecision } : {}) };
  const model =
    parsed.kind === 'sequential'
      ? new Sequential(parsed.layers, { ...common, ...(parsed.inputShape && !parsed.layers[0].inputShape ? { inputShape: parsed.inputShape } : {}) })
      : new Functional({ ...common, inputs: parsed.inputs, outputs: parsed.outputs });
  model.restore(files, what);
  return model;
}
