// Crash-safe file replacement: the bytes go to a temporary file in the same directory,
// which is flushed to disk (fsync) and then renamed over the target, and the directory is
// flushed so the rename itself survives a power cut. A crash at any point leaves either
// the old file or the new one, never a mix; a leftover temporary file is harmless.
// Each step has a synchronous form and an asynchronous one (fs.promises: the writing and
// flushing run on libuv's thread pool, off the main thread).
import { closeSync, fsyncSync, openSync, promises as fsp, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Marks temporary files, so a later save can sweep the ones a crash left behind. */
export const TEMPORARY_MARK = '.partial-';

/** A fresh temporary name beside `path` (hidden, marked, with this process's id). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMPORARY_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = temporaryPathFor(path);
  let fd = openSync(tmp, 'wx', 0o644);
  try {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // It may never have been created, or the rename may have happened.
    }
    throw err;
  }
  syncDirectory(dirname(path));
}

/** Writes are issued in pieces of this size, so that no single one holds a pool thread long. */
const WRITE_PIECE_BYTES = 8 * 2 ** 20;

/**
 * writeFileAtomic off the main thread. `data` may be several pieces, written in order (so a
 * caller need not concatenate large arrays first).
 */
export async function writeFileAtomicAsync(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const pieces = data instanceof Uint8Array ? [data] : data;
  const tmp = temporaryPathFor(path);
  const handle = await fsp.open(tmp, 'wx', 0o644);
  try {
    try {
      for (const piece of pieces) {
        for (let at = 0; at < piece.length; ) {
          const { bytesWritten } = await handle.write(piece, at, Math.min(WRITE_PIECE_BYTES, piece.length - at));
          at += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectoryAsync(dirname(path));
}

/** Flushes a finished temporary file and renames it over `path` (the commit of an atomic write). */
export async function commitTemporaryFile(tmp: string, path: string): Promise<void> {
  const handle = await fsp.open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, path);
  await syncDirectoryAsync(dirname(path));
}

/** Flushes a directory's entries (renames, unlinks); a no-op where directories cannot be opened (Windows). */
export function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    closeSync(fd);
  }
}

export async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // As in syncDirectory.
  } finally {
    await handle.close();
  }
}
