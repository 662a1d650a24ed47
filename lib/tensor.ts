// A small dense tensor (row-major data plus a shape) and the conversion of user inputs:
// typed arrays with a shape, or nested number arrays (checked for raggedness).

export type DType = 'float32' | 'int32';

/** A shape where null marks an axis whose size is not fixed (the batch, or a free time axis). */
export type Shape = (number | null)[];

export type NestedNumbers = number | NestedNumbers[];

type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;

/** What the API accepts where it wants a tensor. */
export type TensorLike = Tensor | { data: AnyTypedArray | number[]; shape: number[] } | NestedNumbers[] | AnyTypedArray;

export class Tensor {
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;

  constructor(data: Float32Array | Int32Array, shape: number[]) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: shape ${formatShape(shape)} has an invalid dimension ${String(d)}`);
    }
    const size = shapeSize(shape);
    if (size !== data.length) {
      throw new RangeError(`tensor: shape ${formatShape(shape)} needs ${size} values, received ${data.length}`);
    }
    this.data = data;
    this.shape = [...shape];
  }

  get dtype(): DType {
    return this.data instanceof Int32Array ? 'int32' : 'float32';
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedNumbers {
    const build = (axis: number, offset: number): NestedNumbers => {
      if (axis === this.shape.length) return this.data[offset];
      const stride = shapeSize(this.shape.slice(axis + 1));
      const out: NestedNumbers[] = [];
      for (let i = 0; i < this.shape[axis]; i++) out.push(build(axis + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Keras-style shape text: (None, 32). */
export function formatShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

function isTypedArray(v: unknown): v is AnyTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isIntegerTyped(v: AnyTypedArray): boolean {
  return !(v instanceof Float32Array || v instanceof Float64Array);
}

/** Infers the shape of nested arrays, naming the first ragged or non-numeric position. */
function nestedShape(value: NestedNumbers[], what: string): number[] {
  const shape: number[] = [];
  let probe: NestedNumbers = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const check = (v: NestedNumbers, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        throw new TypeError(`${what}${path} must be a number, received ${Array.isArray(v) ? 'an array' : typeof v}`);
      }
      return;
    }
    if (!Array.isArray(v)) {
      throw new TypeError(`${what}: ragged nested array: ${what}${path} is a number where an array of ${shape[axis]} was expected`);
    }
    if (v.length !== shape[axis]) {
      const first = `${what}${'[0]'.repeat(axis)}`;
      throw new RangeError(
        `${what}: ragged nested array: ${what}${path} has ${v.length} elements, but ${first} has ${shape[axis]}`,
      );
    }
    for (let i = 0; i < v.length; i++) check(v[i], axis + 1, `${path}[${i}]`);
  };
  check(value, 0, '');
  return shape;
}

function flattenNested(value: NestedNumbers[], size: number, out: Float32Array | Int32Array | Float64Array): void {
  let k = 0;
  const walk = (v: NestedNumbers): void => {
    if (typeof v === 'number') out[k++] = v;
    else for (const e of v) walk(e);
  };
  walk(value);
  if (k !== size) throw new Error('internal: nested array flattening size mismatch');
}

/**
 * Builds a Tensor from nested arrays or a flat typed array and a shape. Without a dtype,
 * integer typed arrays become int32 and everything else float32.
 */
export function tensor(values: NestedNumbers[] | AnyTypedArray | number[], shape?: number[], dtype?: DType): Tensor {
  return toTensor(shape ? { data: values as AnyTypedArray | number[], shape } : (values as TensorLike), 'tensor', dtype);
}

/**
 * Converts user input to a Tensor; `what` names the argument in errors ("x", "y").
 * Float data requested as int32 must hold integers.
 */
export function toTensor(value: TensorLike, what: string, dtype?: DType): Tensor {
  if (value instanceof Tensor) return dtype === undefined || value.dtype === dtype ? value : castTensor(value, dtype, what);
  if (isTypedArray(value)) return toTensor({ data: value, shape: [value.length] }, what, dtype);
  if (Array.isArray(value)) {
    const shape = nestedShape(value, what);
    const size = shapeSize(shape);
    const tmp = new Float64Array(size);
    flattenNested(value, size, tmp);
    return toTensor({ data: tmp, shape }, what, dtype ?? 'float32');
  }
  if (value !== null && typeof value === 'object' && 'data' in value && 'shape' in value) {
    const { data, shape } = value;
    if (!Array.isArray(shape)) throw new TypeError(`${what}.shape must be an array of integers`);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new RangeError(`${what}: shape ${formatShape(shape)} needs ${size} values, received ${data.length}`);
    }
    const target: DType = dtype ?? (isTypedArray(data) && isIntegerTyped(data) ? 'int32' : 'float32');
    if (target === 'float32') {
      if (data instanceof Float32Array) return new Tensor(data, shape);
      return new Tensor(Float32Array.from(data as ArrayLike<number>), shape);
    }
    if (data instanceof Int32Array) return new Tensor(data, shape);
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new TypeError(`${what}: expected int32 values, but ${what}${indexText(shape, i)} is ${String(v)}`);
      }
      out[i] = v;
    }
    return new Tensor(out, shape);
  }
  throw new TypeError(`${what} must be a Tensor, nested number arrays, or { data, shape }`);
}

function castTensor(t: Tensor, dtype: DType, what: string): Tensor {
  return toTensor({ data: t.data, shape: t.shape }, what, dtype);
}

/** "[3][17]": the position of flat index `i` in a tensor of `shape`. */
export function indexText(shape: readonly number[], i: number): string {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(i % shape[a]);
    i = Math.floor(i / shape[a]);
  }
  return idx.map((k) => `[${k}]`).join('');
}
