// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } },
// then the tensors' raw little-endian bytes, offsets counted from the end of the header.
// Reading checks every declared size against the file before allocating anything, so a
// truncated or hostile file is an error, never a huge allocation.
import { endianness } from 'node:os';

/** The dtypes read as weights (converted to float32); only F32 is written. */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContents {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** Headers of real weight files are kilobytes; this bounds what a corrupt length can make us parse. */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024;
const MAX_TENSORS = 100_000;
const MAX_RANK = 8;

function fail(what: string, why: string): never {
  throw new Error(`safetensors ${what}: ${why}`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function toFloat32(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        word.setUint32(0, view.getUint16(2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      break;
    }
  }
  return out;
}

/** Parses a whole safetensors file held in memory; `what` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, what = 'buffer'): SafetensorsContents {
  if (bytes.length < 8) fail(what, `${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength < 2n || headerLength > BigInt(Math.min(MAX_SAFETENSORS_HEADER_BYTES, bytes.length - 8))) {
    fail(what, `header length ${headerLength} does not fit a file of ${bytes.length} bytes (at most ${MAX_SAFETENSORS_HEADER_BYTES})`);
  }
  const dataStart = 8 + Number(headerLength);
  const dataSize = bytes.length - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    fail(what, `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(what, 'the header is not a JSON object');
  const entries = Object.entries(header as Record<string, unknown>);
  if (entries.length > MAX_TENSORS) fail(what, `${entries.length} header entries is more than ${MAX_TENSORS}`);

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedTensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of entries) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(what, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(what, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const t = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(what, `entry '${name}' is not an object`);
    if (typeof t.dtype !== 'string' || !Object.prototype.hasOwnProperty.call(ITEM_SIZE, t.dtype)) {
      fail(what, `tensor '${name}' has dtype ${JSON.stringify(t.dtype)}; weights must be F32, F64, F16 or BF16`);
    }
    const dtype = t.dtype as SafetensorsDtype;
    if (!Array.isArray(t.shape) || t.shape.length > MAX_RANK || !t.shape.every(isCount)) {
      fail(what, `tensor '${name}' has shape ${JSON.stringify(t.shape)}, expected at most ${MAX_RANK} non-negative integers`);
    }
    const offsets = t.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(what, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) fail(what, `tensor '${name}' data [${begin}, ${end}) lies outside the ${dataSize} data bytes`);
    const shape = t.shape as number[];
    const elements = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== elements * ITEM_SIZE[dtype]) {
      fail(what, `tensor '${name}' ${dtype}[${shape.join(', ')}] needs ${elements * ITEM_SIZE[dtype]} bytes, data_offsets hold ${end - begin}`);
    }
    ranges.push([begin, end, name]);
    tensors.set(name, { shape, data: toFloat32(dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) fail(what, `tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
  }
  return { tensors, metadata };
}

/** A safetensors file of float32 tensors (in the given order) and string metadata. */
export function serializeSafetensors(tensors: [string, NamedTensor][], metadata: Record<string, string> = {}): Buffer {
  if (endianness() !== 'LE') throw new Error('safetensors: writing on a big-endian host is not supported');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || Object.prototype.hasOwnProperty.call(header, name)) throw new Error(`safetensors: duplicate or reserved tensor name '${name}'`);
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const [, t] of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}
