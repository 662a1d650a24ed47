// What fit, evaluate and predict take, made into what the native steps need, checked
// before native code sees it: x as one array (one input), a list (one per input) or
// { inputName: array }; y the same per output; sample weights per output; explicit masks
// or per-sequence lengths per input (a float sequence whose padding is a genuine value).
// Every value is checked: shapes against the model's per-sample shapes (null axes take
// any size), token ids against the Embedding's vocabulary, targets against the loss,
// weights and targets finite.
import { describe, ownEntry } from '../options';
import { formatShape, indexText, Tensor, toTensor, TensorLike } from '../tensor';
import { prepareTargets } from '../training/losses';
import type { Compiled } from './compile_config';
import type { ModelGraph } from './model_graph';

export type PerName<T> = T | T[] | Record<string, T>;
export type SampleWeightLike = Float32Array | number[];
/** A mask [N, T] of 1 (valid step) and 0 (padding): nested arrays, a Uint8Array with a shape, or a Tensor. */
export type MaskLike = TensorLike;

/** Everything one call brings, per input and output, with the same first axis N. */
export interface ModelData {
  n: number;
  inputs: Tensor[];
  /** [N, T] per input (undefined: no explicit mask). */
  masks: (Uint8Array | undefined)[];
  /** Per output; null for outputs without a loss (and for predict). */
  targets: (Tensor | null)[];
  /** [N] per output. */
  sampleWeights: (Float32Array | undefined)[];
}

function isTensorObject(v: unknown): boolean {
  return v instanceof Tensor || ArrayBuffer.isView(v) || (typeof v === 'object' && v !== null && !Array.isArray(v) && 'data' in v && 'shape' in v);
}

/** A plain object keyed by name (not a tensor given as { data, shape }). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensorObject(value);
}

/**
 * Splits a per-input (or per-output) value into one per name. With one name: the value
 * itself, a one-element list holding a tensor, or { name: value }. With several: a list
 * of `names.length` or an object by name (`optional`: names may be missing).
 */
export function byName<T>(what: string, value: PerName<T>, names: readonly string[], optional = false): (T | undefined)[] {
  if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      if (!names.includes(key)) throw new RangeError(`${what}: '${key}' is not one of ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    return names.map((n) => {
      const v = ownEntry(value as Record<string, T>, n);
      if (v === undefined && !optional) throw new RangeError(`${what}: '${n}' is missing`);
      return v;
    });
  }
  if (names.length === 1) return [Array.isArray(value) && value.length === 1 && isTensorObject(value[0]) ? (value[0] as T) : (value as T)];
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new RangeError(`${what}: the model has ${names.length} (${names.join(', ')}), received a list of ${value.length}`);
    return value as T[];
  }
  throw new TypeError(`${what}: the model has ${names.length} (${names.join(', ')}): give a list of ${names.length} or an object by name, received ${describe(value)}`);
}

function shapeFits(want: readonly (number | null)[], got: readonly number[]): boolean {
  return want.length === got.length && want.every((d, i) => d === null || d === got[i]);
}

/** The smallest vocabulary among the Embeddings that read input `k` (their ids must fit all). */
function vocabulary(graph: ModelGraph, k: number): { size: number; layer: string } | undefined {
  let best: { size: number; layer: string } | undefined;
  for (const node of graph.readers(graph.inputs[k])) {
    const size = node.layer.tokenVocabulary;
    if (size !== undefined && (!best || size < best.size)) best = { size, layer: node.layer.name };
  }
  return best;
}

/** The inputs of a call: converted to their dtypes and checked against the model's shapes. */
export function prepareInputs(graph: ModelGraph, x: PerName<TensorLike>, what: string): Tensor[] {
  const names = graph.inputs.map((t) => t.name);
  const list = byName(what, x, names);
  const tensors = list.map((v, k) => {
    const label = names.length === 1 ? what : `${what}['${names[k]}']`;
    const dtype = graph.inputDtypes[k];
    const t = toTensor(v as TensorLike, label, dtype === 'int32' ? undefined : 'float32');
    const want = graph.inputs[k].shape;
    const per = t.shape.slice(1);
    if (t.rank === 0 || !shapeFits(want, per)) {
      const reader = graph.readers(graph.inputs[k])[0]?.layer.name;
      const who = graph.inputs.length === 1 && reader ? `${reader} (the first layer) expects` : `input '${names[k]}' expects`;
      throw new RangeError(`${who} input of shape ${formatShape([null, ...want])}, but ${label} has shape ${formatShape(t.shape)}`);
    }
    if (dtype === 'int32') return tokenIds(graph, k, t, label);
    for (let i = 0; i < t.size; i++) {
      if (!Number.isFinite(t.data[i])) throw new RangeError(`${label}${indexText(t.shape, i)} is ${t.data[i]}; inputs must be finite`);
    }
    return t;
  });
  const n = tensors[0].shape[0];
  tensors.forEach((t, k) => {
    if (t.shape[0] !== n) throw new RangeError(`${what}: input '${names[k]}' has ${t.shape[0]} samples, input '${names[0]}' has ${n}`);
  });
  return tensors;
}

function tokenIds(graph: ModelGraph, k: number, t: Tensor, label: string): Tensor {
  const vocab = vocabulary(graph, k);
  const ids = t.data instanceof Int32Array ? t.data : new Int32Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (!Number.isInteger(v)) throw new TypeError(`${vocab?.layer ?? label}: token ids must be integers, but ${label}${indexText(t.shape, i)} is ${v}`);
    if (vocab && (v < 0 || v >= vocab.size)) throw new RangeError(`${vocab.layer}: token id ${v} at ${label}${indexText(t.shape, i)} is out of range [0, ${vocab.size})`);
    ids[i] = v;
  }
  return ids === t.data ? t : new Tensor(ids, t.shape);
}

/**
 * Explicit masks per input from `mask` ([N, T] of 0/1) or `lengths` ([N] valid steps from
 * the start): only inputs with a time axis take them.
 */
export function prepareMasks(graph: ModelGraph, inputs: Tensor[], mask: PerName<MaskLike> | undefined, lengths: PerName<ArrayLike<number>> | undefined, what: string): (Uint8Array | undefined)[] {
  const names = graph.inputs.map((t) => t.name);
  if (mask !== undefined && lengths !== undefined) throw new RangeError(`${what}: give mask or lengths, not both`);
  const out: (Uint8Array | undefined)[] = names.map(() => undefined);
  if (mask === undefined && lengths === undefined) return out;
  const list = mask !== undefined ? byName(`${what}: mask`, mask, names, true) : byName(`${what}: lengths`, lengths as PerName<ArrayLike<number>>, names, true);
  list.forEach((v, k) => {
    if (v === undefined) return;
    const x = inputs[k];
    const label = `${what}: ${mask !== undefined ? 'mask' : 'lengths'}${names.length > 1 ? `['${names[k]}']` : ''}`;
    if (x.rank < 3 && !(x.rank === 2 && graph.inputDtypes[k] === 'int32')) {
      throw new RangeError(`${label}: input '${names[k]}' of shape ${formatShape(x.shape)} has no time axis to mask`);
    }
    const [n, T] = x.shape;
    const m = new Uint8Array(n * T);
    if (mask !== undefined) {
      const t = toTensor(v as MaskLike, label);
      if (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== T) throw new RangeError(`${label} must have shape ${formatShape([n, T])}, received ${formatShape(t.shape)}`);
      for (let i = 0; i < t.size; i++) {
        const b = t.data[i];
        if (b !== 0 && b !== 1) throw new RangeError(`${label}${indexText(t.shape, i)} is ${b}; a mask holds 0 (padding) and 1 (a valid step)`);
        m[i] = b;
      }
    } else {
      const lens = v as ArrayLike<number>;
      if (lens === null || typeof lens !== 'object' || typeof lens.length !== 'number' || lens.length !== n) {
        throw new RangeError(`${label} must hold ${n} lengths (one per sample), received ${describe(lens)}`);
      }
      for (let b = 0; b < n; b++) {
        const len = lens[b];
        if (!Number.isInteger(len) || len < 0 || len > T) throw new RangeError(`${label}[${b}] is ${describe(len)}; a length is an integer in [0, ${T}]`);
        m.fill(1, b * T, b * T + len);
      }
    }
    out[k] = m;
  });
  return out;
}

/** Per-output sample weights [N], checked. */
export function prepareSampleWeights(graph: ModelGraph, names: readonly string[], w: PerName<SampleWeightLike> | undefined, n: number, what: string): (Float32Array | undefined)[] {
  if (w === undefined) return names.map(() => undefined);
  const list = byName(what, w, names, true);
  return list.map((v, k) => {
    if (v === undefined) return undefined;
    if (!(v instanceof Float32Array) && !Array.isArray(v)) throw new TypeError(`${what}: expected a Float32Array or an array of numbers, received ${describe(v)}`);
    const a = v instanceof Float32Array ? v : Float32Array.from(v as number[]);
    const label = names.length > 1 ? `${what}['${names[k]}']` : what;
    if (a.length !== n) throw new RangeError(`${graph.name}: ${label} has ${a.length} values, but there are ${n} samples`);
    for (let i = 0; i < a.length; i++) {
      if (!(a[i] >= 0) || !Number.isFinite(a[i])) throw new RangeError(`${graph.name}: ${label}[${i}] must be a non-negative finite number, received ${a[i]}`);
    }
    return a;
  });
}

/** Targets per output with a loss, checked against its loss and its shape for these inputs. */
export function prepareTargetList(graph: ModelGraph, compiled: Compiled, names: readonly string[], y: PerName<TensorLike>, inputs: Tensor[], what: string): (Tensor | null)[] {
  const withLoss = names.filter((_, k) => compiled.outputs[k] !== null);
  const list = byName(what, y, withLoss);
  const shapes = graph.outputShapesFor(inputs.map((t) => t.shape.slice(1)));
  const n = inputs[0].shape[0];
  let j = 0;
  return names.map((name, k) => {
    const out = compiled.outputs[k];
    if (!out) return null;
    const label = withLoss.length > 1 ? `${what}['${name}']` : what;
    return prepareTargets(list[j++] as TensorLike, out.loss, shapes[k], n, label);
  });
}
