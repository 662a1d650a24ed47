// readNpy: one NumPy .npy array (format versions 1-3), numeric or pickled object arrays of int lists.
import { unpickleObjectArray } from './pickle_int_lists';

export type NpyArray =
  | { kind: 'numeric'; shape: number[]; data: Int32Array | Float32Array | Float64Array }
  | { kind: 'int-lists'; shape: number[]; items: Int32Array[] };

const MAGIC = '\x93NUMPY';

/**
 * Parses a .npy buffer. Integer and boolean arrays come back as Int32Array (64-bit values
 * must fit in int32), float32 as Float32Array, float64 as Float64Array. Object arrays
 * ('|O') are read only when they are 1-D arrays of int lists, via a restricted unpickler.
 */
export function readNpy(buf: Buffer, name: string): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) fail('not a .npy array (bad magic)');
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) (headerLen = buf.readUInt16LE(8)), (start = 10);
  else if (major === 2 || major === 3) (headerLen = buf.readUInt32LE(8)), (start = 12);
  else return fail(`unsupported .npy format version ${major}`);
  if (start + headerLen > buf.length) fail('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1] ?? fail(`no descr in header ${header}`);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] ?? fail(`no fortran_order in header ${header}`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail(`no shape in header ${header}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`bad shape (${shapeText})`)));
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);

  if (descr === '|O') return { kind: 'int-lists', shape, items: unpickleObjectArray(body, name) };
  if (fortran === 'True' && shape.length > 1) fail('Fortran-order arrays are not supported');

  const m = /^([<>|=])([biuf])(\d+)$/.exec(descr) ?? fail(`unsupported dtype ${descr}`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  if (body.length < count * size) fail(`data has ${body.length} bytes, ${count} x ${descr} needs ${count * size}`);
  const little = order !== '>';
  const view = new DataView(body.buffer, body.byteOffset, count * size);
  const read = readerFor(kind, size, little) ?? fail(`unsupported dtype ${descr}`);
  if (kind === 'f') {
    const data = size === 4 ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = read(view, i * size);
    return { kind: 'numeric', shape, data };
  }
  const data = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = read(view, i * size);
    if (v < -(2 ** 31) || v >= 2 ** 31) fail(`value ${v} at ${i} does not fit in int32`);
    data[i] = v;
  }
  return { kind: 'numeric', shape, data };
}

function readerFor(kind: string, size: number, little: boolean): ((v: DataView, at: number) => number) | undefined {
  const key = `${kind}${size}`;
  switch (key) {
    case 'b1': case 'u1': return (v, at) => v.getUint8(at);
    case 'i1': return (v, at) => v.getInt8(at);
    case 'u2': return (v, at) => v.getUint16(at, little);
    case 'i2': return (v, at) => v.getInt16(at, little);
    case 'u4': return (v, at) => v.getUint32(at, little);
    case 'i4': return (v, at) => v.getInt32(at, little);
    case 'u8': return (v, at) => Number(v.getBigUint64(at, little));
    case 'i8': return (v, at) => Number(v.getBigInt64(at, little));
    case 'f4': return (v, at) => v.getFloat32(at, little);
    case 'f8': return (v, at) => v.getFloat64(at, little);
    default: return undefined;
  }
}
