// Reads safetensors files (the format of test/fixtures/torch): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, __metadata__?},
// then the raw little-endian tensor data, offsets counted from the end of the header.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I64' | 'U8';

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const itemSize: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1 };

// Far above any fixture header; guards against a corrupt length asking for gigabytes.
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function fail(what: string, why: string): never {
  throw new Error(`safetensors ${what}: ${why}`);
}

function isDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && Object.prototype.hasOwnProperty.call(itemSize, d);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function typedArray(dtype: SafetensorsDtype, bytes: Uint8Array): TensorData {
  // A copy into a fresh buffer: the source slice need not be aligned to the element size
  // (and a Node Buffer's slice() would share memory instead of copying).
  const own = new ArrayBuffer(bytes.length);
  new Uint8Array(own).set(bytes);
  switch (dtype) {
    case 'F32': return new Float32Array(own);
    case 'F64': return new Float64Array(own);
    case 'I32': return new Int32Array(own);
    case 'I64': return new BigInt64Array(own);
    case 'U8': return new Uint8Array(own);
  }
}

/** Parses a whole safetensors file held in memory; `what` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, what = 'buffer'): Safetensors {
  if (endianness() !== 'LE') fail(what, 'reading on a big-endian host is not supported');
  if (bytes.length < 8) fail(what, `${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength < 2n || headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(what, `header length ${headerLength} does not fit a file of ${bytes.length} bytes`);
  }
  const dataStart = 8 + Number(headerLength);
  const dataSize = bytes.length - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    fail(what, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(what, 'header is not a JSON object');

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(what, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(what, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const t = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof t !== 'object' || t === null) fail(what, `entry '${name}' is not an object`);
    if (!isDtype(t.dtype)) fail(what, `tensor '${name}' has unsupported dtype ${JSON.stringify(t.dtype)} (F32, F64, I32, I64, U8)`);
    if (!Array.isArray(t.shape) || !t.shape.every(isCount)) fail(what, `tensor '${name}' has shape ${JSON.stringify(t.shape)}, expected non-negative integers`);
    const offsets = t.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(what, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) fail(what, `tensor '${name}' data [${begin}, ${end}) lies outside the ${dataSize} data bytes`);
    const shape = t.shape as number[];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== elements * itemSize[t.dtype]) {
      fail(what, `tensor '${name}' ${t.dtype}[${shape.join(',')}] needs ${elements * itemSize[t.dtype]} bytes, data_offsets hold ${end - begin}`);
    }
    tensors.set(name, { dtype: t.dtype, shape, data: typedArray(t.dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): Safetensors {
  return parseSafetensors(readFileSync(path), path);
}
