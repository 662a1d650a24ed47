// loadModel(dir): a Sequential model from a directory written by model.save(),
// callbacks.modelCheckpoint or TensorFlow.js (model.json + weights file).
import { Sequential } from '../models/sequential';
import type { Backend } from '../models/native_model';
import { readModelFiles } from './model_files';
import { sequentialFromJson } from './topology';

export interface LoadModelOptions {
  /** Where the native graph runs (default: the CPU addon). */
  backend?: Backend;
}

/**
 * Reads a saved model: architecture, weights, and (when saved) compile settings, optimizer
 * state and training position. Every file is checked (format version, shapes against the
 * architecture, byte lengths, checksums, finite values); a bad one is a clear Error.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Sequential> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('loadModel(dir): dir must be a non-empty path');
  const what = `loadModel(${dir})`;
  const files = readModelFiles(dir);
  const topology = sequentialFromJson(files.topology, what);
  const model = new Sequential(topology.layers, {
    name: topology.name,
    ...(files.seed !== undefined ? { seed: files.seed } : {}),
    ...(topology.inputShape && !topology.layers[0].inputShape ? { inputShape: topology.inputShape } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  });
  model.restore(files, what);
  return model;
}
