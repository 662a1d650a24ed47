// Zip archives (what NumPy's .npz and Keras's .keras are), stored or deflated, read from
// memory. Only the entries a reader asks for are inflated; the sizes the central directory
// declares for them are added up and checked against a limit before anything is inflated,
// and each entry is inflated with its declared size as the output cap, so a small archive
// that inflates to gigabytes (a zip bomb) is an error, not an exhausted machine.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

import { checkMemory, getMemoryLimit } from '../memory_limit';

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const CENTRAL_HEADER_BYTES = 46;

/** More entries than this in one archive is refused unless a reader raises it. */
export const DEFAULT_MAX_ZIP_ENTRIES = 10_000;

export interface ZipLimits {
  /** Total inflated bytes of the entries read (default: getMemoryLimit()). */
  maxInflatedBytes?: number;
  /** Entries in the central directory (default DEFAULT_MAX_ZIP_ENTRIES). */
  maxEntries?: number;
}

export interface ReadZipOptions extends ZipLimits {
  /** The entries to inflate (default: all). Names not in the archive are simply absent from the result. */
  entries?: readonly string[];
}

/** One entry of the central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's compressed bytes. */
  dataStart: number;
}

function failer(name: string) {
  return (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
}

/** The entries of the central directory, checked against the archive's bounds; nothing is inflated. */
export function listZipEntries(buf: Buffer, name = 'zip archive', limits: ZipLimits = {}): ZipEntry[] {
  const fail = failer(name);
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES;
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
  if (count > maxEntries) fail(`${count} entries, more than the ${maxEntries} allowed`);
  if (count * CENTRAL_HEADER_BYTES > cdSize) fail(`the central directory of ${cdSize} bytes cannot hold ${count} entries`);

  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = cdOffset;
  for (let e = 0; e < count; e++) {
    if (p + CENTRAL_HEADER_BYTES > buf.length || buf.readUInt32LE(p) !== CENTRAL) fail(`bad central directory entry ${e}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    if (p + CENTRAL_HEADER_BYTES + nameLen + extraLen > buf.length) fail(`central directory entry ${e} is truncated`);
    const entryName = buf.toString('utf8', p + CENTRAL_HEADER_BYTES, p + CENTRAL_HEADER_BYTES + nameLen);
    // Zip64 sizes live in extra field 0x0001, in this order, only for the fields set to 0xffffffff.
    const extraEnd = p + CENTRAL_HEADER_BYTES + nameLen + extraLen;
    for (let x = p + CENTRAL_HEADER_BYTES + nameLen; x + 4 <= extraEnd; ) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        const field = (): number => {
          if (q + 8 > extraEnd) fail(`${JSON.stringify(entryName)}: truncated zip64 extra field`);
          const v = Number(buf.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = field();
        if (compressedSize === 0xffffffff) compressedSize = field();
        if (localOffset === 0xffffffff) localOffset = field();
      }
      x += 4 + len;
    }
    if (flags & 0x1) fail(`${JSON.stringify(entryName)} is encrypted`);
    if (seen.has(entryName)) fail(`${JSON.stringify(entryName)} appears twice`);
    seen.add(entryName);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL) fail(`bad local header for ${JSON.stringify(entryName)}`);
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > buf.length) fail(`${JSON.stringify(entryName)} runs past the end of the file`);
    if (method !== 0 && method !== 8) {
      fail(`${JSON.stringify(entryName)} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    }
    if (method === 0 && compressedSize !== size) fail(`${JSON.stringify(entryName)} is stored with ${compressedSize} bytes, the directory says ${size}`);
    entries.push({ name: entryName, method, compressedSize, size, dataStart });
    p += CENTRAL_HEADER_BYTES + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The entries wanted, with their declared total checked against the inflate limit. */
function selectEntries(buf: Buffer, name: string, options: ReadZipOptions): ZipEntry[] {
  const all = listZipEntries(buf, name, options);
  const wanted = options.entries ? all.filter((e) => options.entries!.includes(e.name)) : all;
  const total = wanted.reduce((n, e) => n + e.size, 0);
  checkMemory(`${name}: inflating ${wanted.map((e) => JSON.stringify(e.name)).join(', ') || 'no entries'}`, total,
    `${total} bytes declared by the zip directory`, options.maxInflatedBytes ?? getMemoryLimit());
  return wanted;
}

function checkInflated(name: string, entry: ZipEntry, data: Buffer): Buffer {
  if (data.length !== entry.size) throw new Error(`${name}: ${JSON.stringify(entry.name)} inflates to ${data.length} bytes, the directory says ${entry.size}`);
  return data;
}

function inflateError(name: string, entry: ZipEntry, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ERR_BUFFER_TOO_LARGE') return new Error(`${name}: ${JSON.stringify(entry.name)} inflates to more than the ${entry.size} bytes the directory declares`);
  return new Error(`${name}: ${JSON.stringify(entry.name)} is not valid deflate data (${e.message})`);
}

const inflateRaw = promisify(zlib.inflateRaw) as (buf: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * Reads the entries of a zip archive held in memory (`options.entries`, default all). Bad or
 * unsupported archives, and entries whose declared sizes exceed the limits, throw.
 */
export function readZipArchive(buf: Buffer, name = 'zip archive', options: ReadZipOptions = {}): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of selectEntries(buf, name, options)) {
    const raw = buf.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
    let data: Buffer;
    try {
      data = entry.method === 0 ? raw : zlib.inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (err) {
      throw inflateError(name, entry, err);
    }
    out.set(entry.name, checkInflated(name, entry, data));
  }
  return out;
}

/** readZipArchive with the inflating done on libuv's thread pool, off the main thread. */
export async function readZipArchiveAsync(buf: Buffer, name = 'zip archive', options: ReadZipOptions = {}): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of selectEntries(buf, name, options)) {
    const raw = buf.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
    let data: Buffer;
    try {
      data = entry.method === 0 ? raw : await inflateRaw(raw, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (err) {
      throw inflateError(name, entry, err);
    }
    out.set(entry.name, checkInflated(name, entry, data));
  }
  return out;
}
