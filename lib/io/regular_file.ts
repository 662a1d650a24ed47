// Opening a file that a loader is about to read: it must be a regular file. A FIFO would make
// a plain open() or read() wait forever for a writer, /dev/zero never ends, and a directory
// or a device is no weights file: each is refused with a message that says what the path is.
// The file is opened without blocking (O_NONBLOCK: a FIFO opens at once), checked with
// fstat on the open descriptor (so a path swapped after the check cannot slip through), and
// read for exactly the size fstat declared: a file that grows meanwhile is not read further,
// one that shrinks is an error.
import * as fs from 'node:fs';

import { formatBytes } from '../memory_limit';

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function cannotOpen(what: string, path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`${what}: cannot read '${path}' (${e.code ?? e.message})`);
}

function checkStats(what: string, path: string, st: fs.Stats, maxBytes: number): number {
  if (!st.isFile()) throw new Error(`${what}: '${path}' is ${kindOf(st)}, expected a regular file`);
  if (st.size > maxBytes) throw new RangeError(`${what}: '${path}' has ${st.size} bytes (${formatBytes(st.size)}), more than the ${maxBytes} allowed`);
  return st.size;
}

export interface RegularFile {
  fd: number;
  size: number;
}

/** Opens `path` for reading if it is a regular file of at most maxBytes; the caller closes fd. */
export function openRegularFileSync(path: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): RegularFile {
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw cannotOpen(what, path, err);
  }
  try {
    return { fd, size: checkStats(what, path, fs.fstatSync(fd), maxBytes) };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Reads `length` bytes at `position` of an open file, failing if the file ends first. */
export function readExactlySync(fd: number, length: number, position: number, what: string, path: string): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let at = 0; at < length; ) {
    const n = fs.readSync(fd, out, at, length - at, position + at);
    if (n === 0) throw new Error(`${what}: '${path}' ended after ${at + position} bytes, it declared ${position + length} (changed while read?)`);
    at += n;
  }
  return out;
}

/** The whole of a regular file of at most maxBytes, read synchronously. */
export function readRegularFileSync(path: string, what: string, maxBytes?: number): Buffer {
  const { fd, size } = openRegularFileSync(path, what, maxBytes);
  try {
    return readExactlySync(fd, size, 0, what, path);
  } finally {
    fs.closeSync(fd);
  }
}

/** The open handle of a regular file of at most maxBytes; the caller closes it. */
export async function openRegularFile(path: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, OPEN_FLAGS);
  } catch (err) {
    throw cannotOpen(what, path, err);
  }
  try {
    return { handle, size: checkStats(what, path, await handle.stat(), maxBytes) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Reads are issued in pieces of this size, so no single one holds a thread-pool thread long. */
const READ_PIECE_BYTES = 8 * 2 ** 20;

/** The whole of a regular file of at most maxBytes, read off the main thread (libuv's pool). */
export async function readRegularFile(path: string, what: string, maxBytes?: number): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, what, maxBytes);
  try {
    const out = Buffer.allocUnsafe(size);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(out, at, Math.min(READ_PIECE_BYTES, size - at), at);
      if (bytesRead === 0) throw new Error(`${what}: '${path}' ended after ${at} bytes, it declared ${size} (changed while read?)`);
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
