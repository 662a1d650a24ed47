// readZipArchive: the entries of a zip file (what NumPy's .npz is), stored or deflated.
import * as zlib from 'node:zlib';

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Reads every entry of a zip archive held in memory. Bad or unsupported archives throw. */
export function readZipArchive(buf: Buffer, name = 'zip archive'): Map<string, Buffer> {
  const fail = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (buf.readUInt32LE(p) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('not a zip file (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== EOCD64_LOCATOR) fail('zip64 archive without its locator');
    const e64 = Number(buf.readBigUInt64LE(loc + 8));
    if (e64 + 56 > buf.length || buf.readUInt32LE(e64) !== EOCD64) fail('bad zip64 end record');
    count = Number(buf.readBigUInt64LE(e64 + 32));
    cdSize = Number(buf.readBigUInt64LE(e64 + 40));
    cdOffset = Number(buf.readBigUInt64LE(e64 + 48));
  }
  if (cdOffset + cdSize > buf.length) fail('central directory lies outside the file');

  const entries = new Map<string, Buffer>();
  let p = cdOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) fail(`bad central directory entry ${e}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen > buf.length) fail(`central directory entry ${e} is truncated`);
    const entryName = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // Zip64 sizes live in extra field 0x0001, in this order, only for the fields set to 0xffffffff.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === 0xffffffff) (size = Number(buf.readBigUInt64LE(q))), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = Number(buf.readBigUInt64LE(q))), (q += 8);
        if (localOffset === 0xffffffff) localOffset = Number(buf.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    if (flags & 0x1) fail(`${entryName} is encrypted`);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL) fail(`bad local header for ${entryName}`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressedSize > buf.length) fail(`${entryName} runs past the end of the file`);
    const raw = buf.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
    else data = fail(`${entryName} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    if (data.length !== size) fail(`${entryName} has ${data.length} bytes, the directory says ${size}`);
    entries.set(entryName, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
