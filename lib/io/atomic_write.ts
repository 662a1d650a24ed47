// Crash-safe file replacement: the bytes go to a temporary file in the same directory,
// which is flushed to disk (fsync) and then renamed over the target, and the directory is
// flushed so the rename itself survives a power cut. A crash at any point leaves either
// the old file or the new one, never a mix; a leftover temporary file is harmless.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Marks temporary files, so a later save can sweep the ones a crash left behind. */
export const TEMPORARY_MARK = '.partial-';

export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}${TEMPORARY_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
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
