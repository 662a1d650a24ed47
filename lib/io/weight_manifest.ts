// The weights of a model as one little-endian float32 file and its manifest
// (TensorFlow.js weightsManifest: names, shapes, dtypes; offsets follow from the order).
// Names are Keras paths: layer/kernel, bidirectional/forward_lstm/kernel, ... Reading
// checks the manifest against the model's own weights (count, shapes) and the file's
// length before it allocates, and every value for finiteness.
import type { Layer } from '../layers/layer';
import { formatShape } from '../tensor';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The model's weights in getWeights order, with Keras names (layer/weight, bidirectional/forward_lstm/kernel). */
export function weightEntries(layers: readonly Layer[]): WeightEntry[] {
  return layers.flatMap((layer) => layer.weights().map((w): WeightEntry => ({ name: `${layer.name}/${w.name}`, shape: w.shape, dtype: 'float32' })));
}

/** Float32 arrays concatenated, little-endian. */
export function encodeFloat32(arrays: readonly Float32Array[]): Buffer {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = Buffer.alloc(total * 4);
  let at = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i], at + 4 * i);
    at += 4 * a.length;
  }
  return out;
}

/** Splits `bytes` into float32 arrays of `lengths` elements; the lengths must cover it exactly. */
export function decodeFloat32(bytes: Uint8Array, lengths: readonly number[], what: string, names: readonly string[]): Float32Array[] {
  const total = lengths.reduce((n, l) => n + l, 0);
  if (total * 4 !== bytes.length) {
    throw new Error(`${what}: the manifest describes ${total * 4} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  return lengths.map((n, k) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getFloat32(at + 4 * i, true);
      if (!Number.isFinite(v)) throw new Error(`${what}: ${names[k]} holds a non-finite value (${v}) at element ${i}`);
      a[i] = v;
    }
    at += 4 * n;
    return a;
  });
}

/** Parses and checks a TensorFlow.js weightsManifest: one group, one file, float32 entries. */
export function readManifest(manifest: unknown, what: string): { path: string; entries: WeightEntry[] } {
  if (!Array.isArray(manifest) || manifest.length !== 1) {
    throw new Error(`${what}: weightsManifest must hold one group, received ${Array.isArray(manifest) ? manifest.length : typeof manifest}`);
  }
  const group = manifest[0] as { paths?: unknown; weights?: unknown };
  if (!Array.isArray(group?.paths) || group.paths.length !== 1 || typeof group.paths[0] !== 'string') {
    throw new Error(`${what}: weightsManifest[0].paths must name one weights file (sharded weights are not supported)`);
  }
  const path = group.paths[0] as string;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(path) || path.startsWith('.')) {
    throw new Error(`${what}: weights file name ${JSON.stringify(path)} must be a plain file name in the model's directory`);
  }
  if (!Array.isArray(group.weights) || group.weights.length > 100_000) throw new Error(`${what}: weightsManifest[0].weights must be an array`);
  const entries = group.weights.map((w: unknown, i: number): WeightEntry => {
    const e = w as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown };
    if (typeof e?.name !== 'string') throw new Error(`${what}: weight ${i} has no name`);
    if (e.dtype !== 'float32') throw new Error(`${what}: weight ${i} (${e.name}) has dtype ${JSON.stringify(e.dtype)}; only float32 is supported`);
    if (e.quantization !== undefined) throw new Error(`${what}: weight ${i} (${e.name}) is quantized; quantized weights are not supported`);
    if (!Array.isArray(e.shape) || e.shape.length > 8 || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0 && d <= 2 ** 31)) {
      throw new Error(`${what}: weight ${i} (${e.name}) has shape ${JSON.stringify(e.shape)?.slice(0, 80)}`);
    }
    return { name: e.name, shape: e.shape as number[], dtype: 'float32' };
  });
  return { path, entries };
}

/**
 * For each of the model's weights, the index of its manifest entry: by name when every
 * name matches (the order TensorFlow.js writes may differ from ours, e.g. frozen weights
 * last), else by position. Shapes must agree.
 */
export function matchManifest(expected: readonly WeightEntry[], found: readonly WeightEntry[], what: string): number[] {
  if (found.length !== expected.length) {
    throw new Error(`${what}: the file holds ${found.length} weights, the model has ${expected.length} (${expected.map((e) => e.name).join(', ')})`);
  }
  const byName = new Map(found.map((e, i) => [e.name.replace(/:0$/, ''), i]));
  const named = expected.every((e) => byName.has(e.name)) ? expected.map((e) => byName.get(e.name) as number) : undefined;
  const order = named ?? expected.map((_, i) => i);
  order.forEach((j, i) => {
    const e = expected[i];
    const f = found[j];
    if (f.shape.length !== e.shape.length || f.shape.some((d, k) => d !== e.shape[k])) {
      throw new Error(`${what}: weight '${f.name}' has shape ${formatShape(f.shape)}, the model's ${e.name} expects ${formatShape(e.shape)}`);
    }
  });
  return order;
}
