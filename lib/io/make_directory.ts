// Creating the directory a save writes into, one level at a time from the nearest one that
// exists. Node's mkdir({ recursive: true }) loops forever where a parent exists but refuses
// children with ENOENT (as /proc does: model.save('/proc/nope/x') never returned); here the
// nearest existing ancestor is found first, must be a directory, and every refusal is an
// error that names the directory.
import { mkdirSync, promises as fsp, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

function failure(what: string, dir: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`${what}: cannot create the directory '${dir}' (${e.code ?? e.message})`);
}

/** A path that is absent, or lies under a file (ENOTDIR), has no stats. */
function absent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Walks up from `dir` to the nearest path that exists (stat gives its stats) and returns the
 * missing levels below it, outermost first.
 */
function missingLevels(dir: string, what: string, existing: Stats | undefined, p: string, missing: string[]): string[] | undefined {
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`${what}: '${p}' is not a directory, so '${dir}' cannot be created in it`);
    return missing.reverse();
  }
  if (dirname(p) === p) throw new Error(`${what}: no part of '${dir}' exists`);
  missing.push(p);
  return undefined;
}

/** Creates `dir` and its missing parents; an existing directory is fine. */
export function makeDirectorySync(dir: string, what: string): void {
  const missing: string[] = [];
  let levels: string[] | undefined;
  for (let p = resolve(dir); !levels; p = dirname(p)) {
    let st: Stats | undefined;
    try {
      st = statSync(p);
    } catch (err) {
      if (!absent(err)) throw failure(what, p, err);
    }
    levels = missingLevels(dir, what, st, p, missing);
  }
  for (const level of levels) {
    try {
      mkdirSync(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // made meanwhile by a concurrent save
      throw failure(what, level, err);
    }
  }
}

/** makeDirectorySync off the main thread (stat and mkdir run on libuv's pool). */
export async function makeDirectory(dir: string, what: string): Promise<void> {
  const missing: string[] = [];
  let levels: string[] | undefined;
  for (let p = resolve(dir); !levels; p = dirname(p)) {
    let st: Stats | undefined;
    try {
      st = await fsp.stat(p);
    } catch (err) {
      if (!absent(err)) throw failure(what, p, err);
    }
    levels = missingLevels(dir, what, st, p, missing);
  }
  for (const level of levels) {
    try {
      await fsp.mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw failure(what, level, err);
    }
  }
}
