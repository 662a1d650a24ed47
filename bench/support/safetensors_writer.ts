// Writes the safetensors format (8-byte little-endian header length, JSON header, raw
// little-endian data, each tensor 8-byte aligned): how the benchmark hands weights and
// inputs to the Python peers.
import * as fs from 'node:fs';

export type WritableTensor = { shape: number[]; data: Float32Array | Float64Array | Int32Array };

const DTYPE = (d: WritableTensor['data']) => (d instanceof Float32Array ? 'F32' : d instanceof Float64Array ? 'F64' : 'I32');

export function writeSafetensors(file: string, tensors: Record<string, WritableTensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const parts: Buffer[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const padded = Math.ceil(bytes.length / 8) * 8;
    header[name] = { dtype: DTYPE(t.data), shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes, Buffer.alloc(padded - bytes.length));
    offset += padded;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([length, Buffer.from(json), ...parts]));
}
