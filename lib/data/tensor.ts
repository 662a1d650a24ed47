// The minimal tensor the data utilities hand back: a shape and a flat row-major buffer.
// Kept structural so the layers can take it as it is, whatever tensor type they grow.

/** A dense row-major array: `data.length === shape.reduce((a, b) => a * b, 1)`. */
export interface DataTensor<D extends Int32Array | Float32Array = Int32Array | Float32Array> {
  shape: number[];
  data: D;
}

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export function isDataTensor(x: unknown): x is DataTensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    Array.isArray((x as DataTensor).shape) &&
    ArrayBuffer.isView((x as DataTensor).data)
  );
}

export function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, received ${String(value)}`);
  }
}

export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, received ${String(value)}`);
  }
}

export function checkFraction(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(`${name} must be a number in [0, 1], received ${String(value)}`);
  }
}
