// Keras 3 weight files onto a model of the same architecture: `.weights.h5` (read
// by keras3_weights_file.ts, HDF5 in a worker thread) and `.keras` (a zip of config.json,
// metadata.json and model.weights.h5). The layer groups are named as Keras names them,
// layers/<snake_case class name, _1, _2, ...>. Both GRU conventions map directly:
// reset_after keeps its [2, 3H] bias, reset_after=False a [3H] one.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readZipArchiveAsync, type ZipLimits } from '../data/zip_archive';
import { getMemoryLimit } from '../memory_limit';
import type { Model } from '../models/model';
import { formatShape } from '../tensor';
import { readKeras2Weights } from './keras2_weights_file';
import { Keras3WeightsToWrite, readKeras3Weights, writeKeras3Weights } from './keras3_weights_file';
import { readRegularFile } from './regular_file';
import { weightEntries } from './weight_manifest';

const MAX_FILE_BYTES = 8 * 1024 ** 3;

/** Keras's naming.to_snake_case of a class name: SimpleRNN -> simple_rnn, TimeDistributed -> time_distributed. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The file name of each layer group (snake case of the class, counted per class). */
function kerasLayerNames(model: Model): string[] {
  const counts = new Map<string, number>();
  return model.weightLayers().map((layer) => {
    const base = kerasSnakeCase(layer.className);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
}

async function importH5(model: Model, file: string, what: string): Promise<void> {
  const expected = weightEntries(model.weightLayers());
  const groups = new Map((await readKeras3Weights(file, { what })).map((g) => [g.layerName, g.variables]));
  const names = kerasLayerNames(model);
  const variables = model.weightLayers().flatMap((layer, i) => {
    const found = groups.get(names[i]) ?? [];
    const own = expected.filter((e) => e.name.startsWith(`${layer.name}/`)).length;
    if (found.length !== own) {
      throw new Error(`${what}: layer '${layer.name}' (${layer.className}) has ${own} weights, the file has ${found.length} under layers/${names[i]} (does the architecture match?)`);
    }
    return found;
  });
  const values = expected.map((e, i) => {
    const { path, shape, data } = variables[i];
    if (shape.length !== e.shape.length || shape.some((d, k) => d !== e.shape[k])) {
      throw new Error(`${what}: ${path} has shape ${formatShape(shape)}, the model's ${e.name} expects ${formatShape(e.shape)}`);
    }
    return data;
  });
  model.setWeights(values);
}

function checkKerasConfig(model: Model, configText: string, what: string): void {
  let config: { class_name?: unknown; config?: { layers?: { class_name?: unknown }[] } };
  try {
    config = JSON.parse(configText);
  } catch {
    throw new Error(`${what}: config.json is not valid JSON`);
  }
  if (config.class_name !== 'Sequential' && config.class_name !== 'Functional' && config.class_name !== 'Model') throw new Error(`${what}: the saved model is a ${JSON.stringify(config.class_name)}, not a Sequential or Functional model`);
  const theirs = (config.config?.layers ?? []).map((l) => l.class_name).filter((c) => c !== 'InputLayer');
  const mine = model.weightLayers().map((l) => l.className);
  if (theirs.join(',') !== mine.join(',')) {
    throw new Error(`${what}: the saved model's layers are ${theirs.join(', ')}; this model's are ${mine.join(', ')}`);
  }
}

/**
 * Loads the weights of a Keras 3 model (`.weights.h5` or `.keras`) into `model`, which must
 * have the same architecture (layer classes, units, options). Shapes are checked weight by
 * weight; a mismatch names the layer and both shapes. Of a `.keras` archive only
 * config.json and model.weights.h5 are inflated, within `limits.maxInflatedBytes` (default:
 * getMemoryLimit()).
 */
export async function importKerasWeights(model: Model, path: string, limits: ZipLimits = {}): Promise<void> {
  const what = `importKerasWeights(${path})`;
  if (!path.endsWith('.keras')) return importH5(model, path, what);
  const archive = await readRegularFile(path, what, Math.min(MAX_FILE_BYTES, limits.maxInflatedBytes ?? getMemoryLimit()));
  const entries = await readZipArchiveAsync(archive, what, { ...limits, entries: ['model.weights.h5', 'config.json'] });
  const weights = entries.get('model.weights.h5');
  if (!weights) throw new Error(`${what}: the archive has no model.weights.h5`);
  const config = entries.get('config.json');
  if (config) checkKerasConfig(model, config.toString('utf8'), what);
  const dir = await mkdtemp(join(tmpdir(), 'recurrent-keras-'));
  try {
    const file = join(dir, 'model.weights.h5');
    await writeFile(file, weights);
    await importH5(model, file, what);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the model's weights as a Keras 3 `.weights.h5` file (what Keras's
 * `model.save_weights` writes): layers/<snake_case class name, _1, ...>/[cell/]vars/<i>.
 */
export async function exportKerasWeights(model: Model, path: string): Promise<void> {
  if (typeof path !== 'string' || !path.endsWith('.weights.h5')) throw new RangeError(`saveWeights(${JSON.stringify(path)}): the file name must end in .weights.h5 (Keras 3's weights format)`);
  const names = kerasLayerNames(model);
  const values = model.getWeights();
  const entries: Keras3WeightsToWrite[] = [];
  let k = 0;
  model.weightLayers().forEach((layer, i) => {
    for (const g of layer.kerasVariableGroups()) {
      const arrays = values.slice(k, k + g.count).map((t) => ({ shape: t.shape, data: t.data as Float32Array }));
      k += g.count;
      if (arrays.length > 0) entries.push({ layerPath: g.path ? `layers/${names[i]}/${g.path}` : `layers/${names[i]}`, arrays });
    }
  });
  await writeKeras3Weights(path, entries);
}

/**
 * Loads a Keras 2 `.h5` weight file (`model.save_weights('x.h5')`, or a whole model saved as
 * .h5) into `model`: its layers by name when every layer with weights is there by name,
 * else by position (as Keras 2's load_weights); counts and shapes must agree.
 */
export async function importKeras2Weights(model: Model, path: string): Promise<void> {
  const what = `loadWeights(${path})`;
  const found = (await readKeras2Weights(path, { what })).filter((l) => l.weights.length > 0);
  const layers = model.weightLayers().filter((l) => l.weights().length > 0);
  const byName = new Map(found.map((l) => [l.layerName, l]));
  const named = layers.every((l) => byName.has(l.name));
  if (!named && found.length !== layers.length) {
    throw new Error(`${what}: the file has ${found.length} layers with weights (${found.map((l) => l.layerName).join(', ')}), the model ${layers.length} (${layers.map((l) => l.name).join(', ')})`);
  }
  const values = layers.flatMap((layer, i) => {
    const entry = named ? (byName.get(layer.name) as (typeof found)[number]) : found[i];
    const infos = layer.weights();
    if (entry.weights.length !== infos.length) {
      throw new Error(`${what}: layer '${layer.name}' (${layer.className}) has ${infos.length} weights, the file's '${entry.layerName}' has ${entry.weights.length}`);
    }
    return entry.weights.map((w, j) => {
      if (w.shape.length !== infos[j].shape.length || w.shape.some((d, q) => d !== infos[j].shape[q])) {
        throw new Error(`${what}: ${w.name} has shape ${formatShape(w.shape)}, the model's ${layer.name}/${infos[j].name} expects ${formatShape(infos[j].shape)}`);
      }
      return w.data;
    });
  });
  model.setWeights(values);
}
