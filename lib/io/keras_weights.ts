// Keras 3 weight files onto a model of the same architecture: `.weights.h5` (HDF5, read
// with h5wasm, the HDF5 library compiled to WebAssembly: no native HDF5 needed) and `.keras`
// (a zip of config.json, metadata.json and model.weights.h5). Keras 3 stores a Sequential
// model's variables as layers/<snake_case class name, _1, _2, ...>/.../vars/<index>, with a
// recurrent layer's under cell/, Bidirectional's under forward_layer/ and backward_layer/
// and TimeDistributed's under layer/ (keras/src/saving/saving_lib.py, H5IOStore). Both GRU
// conventions map directly: reset_after keeps its [2, 3H] bias, reset_after=False a [3H] one.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readZipArchive } from '../data/zip_archive';
import type { Model } from '../models/model';
import { formatShape, shapeSize } from '../tensor';
import { weightEntries } from './weight_manifest';

const MAX_FILE_BYTES = 8 * 1024 ** 3;
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

type H5 = typeof import('h5wasm', { with: { 'resolution-mode': 'import' } });
let h5Module: Promise<H5> | undefined;

async function h5wasm(): Promise<H5> {
  if (!h5Module) {
    h5Module = (async () => {
      const mod = (await import('h5wasm/node')) as unknown as H5 & { default?: H5 };
      const h5 = (mod.default ?? mod) as H5;
      await h5.ready;
      return h5;
    })();
  }
  return h5Module;
}

/** Keras's naming.to_snake_case of a class name: SimpleRNN -> simple_rnn, TimeDistributed -> time_distributed. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Children visited first under a layer's group, in this order; others follow alphabetically. */
const CHILD_ORDER = ['vars', 'cell', 'layer', 'forward_layer', 'backward_layer'];

type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

/** The datasets under a layer's group, in Keras variable order. */
function collectDatasets(h5: H5, group: H5Group, path: string, out: { path: string; ds: H5Dataset }[], depth = 0): void {
  if (depth > 8) throw new Error(`${path}: groups nest too deep`);
  const keys = group.keys();
  const rank = (k: string) => (CHILD_ORDER.includes(k) ? CHILD_ORDER.indexOf(k) : CHILD_ORDER.length);
  const sorted = [...keys].sort((a, b) => rank(a) - rank(b) || (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  for (const k of sorted) {
    const child = group.get(k);
    if (child instanceof h5.Dataset) out.push({ path: `${path}/${k}`, ds: child });
    else if (child instanceof h5.Group) collectDatasets(h5, child, `${path}/${k}`, out, depth + 1);
  }
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
  const h5 = await h5wasm();
  const expected = weightEntries(model.weightLayers());
  const signature = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, signature, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (!signature.equals(HDF5_SIGNATURE)) throw new Error(`${what}: not an HDF5 file (no HDF5 signature)`);
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new Error(`${what}: not a readable HDF5 file (${(e as Error).message})`);
  }
  if (f.file_id < 0n) throw new Error(`${what}: HDF5 could not open the file (truncated or corrupt)`);
  try {
    const layersGroup = f.get('layers');
    if (!(layersGroup instanceof h5.Group)) throw new Error(`${what}: no 'layers' group: not a Keras 3 weights file (Keras 2 .h5 files are not supported)`);
    const names = kerasLayerNames(model);
    const datasets: { path: string; ds: H5Dataset }[] = [];
    model.weightLayers().forEach((layer, i) => {
      const found: { path: string; ds: H5Dataset }[] = [];
      const g = layersGroup.get(names[i]);
      if (g instanceof h5.Group) collectDatasets(h5, g, `layers/${names[i]}`, found);
      const own = expected.filter((e) => e.name.startsWith(`${layer.name}/`)).length;
      if (found.length !== own) {
        throw new Error(`${what}: layer '${layer.name}' (${layer.className}) has ${own} weights, the file has ${found.length} under layers/${names[i]} (does the architecture match?)`);
      }
      datasets.push(...found);
    });
    const values = expected.map((e, i) => {
      const { path, ds } = datasets[i];
      const shape = ds.shape ?? [];
      if (shape.length !== e.shape.length || shape.some((d, k) => d !== e.shape[k])) {
        throw new Error(`${what}: ${path} has shape ${formatShape(shape)}, the model's ${e.name} expects ${formatShape(e.shape)}`);
      }
      const meta = ds.metadata as { type?: number; size?: number };
      if (meta.type !== 1 /* H5T_FLOAT */ || (meta.size !== 4 && meta.size !== 8)) {
        throw new Error(`${what}: ${path} is not a float32 or float64 dataset`);
      }
      const raw = ds.value as ArrayLike<number> | null;
      if (!raw || raw.length !== shapeSize(e.shape)) throw new Error(`${what}: ${path} could not be read`);
      const out = Float32Array.from(raw);
      for (let j = 0; j < out.length; j++) {
        if (!Number.isFinite(out[j])) throw new Error(`${what}: ${path} holds a non-finite value at element ${j}`);
      }
      return out;
    });
    model.setWeights(values);
  } finally {
    f.close();
  }
}

function checkKerasConfig(model: Model, configText: string, what: string): void {
  let config: { class_name?: unknown; config?: { layers?: { class_name?: unknown }[] } };
  try {
    config = JSON.parse(configText);
  } catch {
    throw new Error(`${what}: config.json is not valid JSON`);
  }
  if (config.class_name !== 'Sequential') throw new Error(`${what}: the saved model is a ${JSON.stringify(config.class_name)}, not a Sequential model`);
  const theirs = (config.config?.layers ?? []).map((l) => l.class_name).filter((c) => c !== 'InputLayer');
  const mine = model.weightLayers().map((l) => l.className);
  if (theirs.join(',') !== mine.join(',')) {
    throw new Error(`${what}: the saved model's layers are ${theirs.join(', ')}; this model's are ${mine.join(', ')}`);
  }
}

/**
 * Loads the weights of a Keras 3 model (`.weights.h5` or `.keras`) into `model`, which must
 * have the same architecture (layer classes, units, options). Shapes are checked weight by
 * weight; a mismatch names the layer and both shapes.
 */
export async function importKerasWeights(model: Model, path: string): Promise<void> {
  const what = `importKerasWeights(${path})`;
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) throw new Error(`${what}: the file has ${size} bytes, more than the ${MAX_FILE_BYTES} allowed`);
  if (!path.endsWith('.keras')) return importH5(model, path, what);
  const entries = readZipArchive(readFileSync(path), what);
  const weights = entries.get('model.weights.h5');
  if (!weights) throw new Error(`${what}: the archive has no model.weights.h5`);
  const config = entries.get('config.json');
  if (config) checkKerasConfig(model, config.toString('utf8'), what);
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-keras-'));
  try {
    const file = join(dir, 'model.weights.h5');
    writeFileSync(file, weights);
    await importH5(model, file, what);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
