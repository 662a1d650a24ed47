// The memory limit: the most bytes one operation of the library may ask for at once (a
// layer op's workspace, a matrix a loader builds, the bytes a zip entry inflates to). An
// operation estimates what it needs before it allocates and refuses more with a RangeError
// that states the estimate, instead of a multi-gigabyte allocation that kills the process.
import { totalmem } from 'node:os';

import { describe } from './options';

/** Default: 4 GiB, or half the machine's memory where that is less. */
export const DEFAULT_MEMORY_LIMIT_BYTES = Math.min(4 * 2 ** 30, Math.floor(totalmem() / 2));

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

let limit: number | undefined;

/** Parses RECURRENT_MEMORY_LIMIT: bytes, or a number with K, M, G or T (powers of 1024), e.g. '8G'. */
export function parseMemoryLimit(text: string, name = 'RECURRENT_MEMORY_LIMIT'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new RangeError(`${name} must be a positive number of bytes, optionally with K, M, G or T (e.g. '8G'), received '${text}'`);
  }
  return bytes;
}

/** The limit in force: setMemoryLimit's, else RECURRENT_MEMORY_LIMIT, else the default. */
export function getMemoryLimit(): number {
  if (limit === undefined) {
    const env = process.env.RECURRENT_MEMORY_LIMIT;
    limit = env === undefined || env === '' ? DEFAULT_MEMORY_LIMIT_BYTES : parseMemoryLimit(env);
  }
  return limit;
}

/** Sets the limit in bytes (0 restores the default); returns the previous one. */
export function setMemoryLimit(bytes: number): number {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`setMemoryLimit: expected a non-negative integer number of bytes, received ${describe(bytes)}`);
  }
  const previous = getMemoryLimit();
  limit = bytes === 0 ? undefined : bytes;
  return previous;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/**
 * Throws a RangeError when `bytes` exceeds the limit: `what` names the operation and its
 * arguments, `detail` how the estimate is made up (e.g. '400000 rows x 300 float32').
 */
export function checkMemory(what: string, bytes: number, detail?: string, limitBytes: number = getMemoryLimit()): void {
  if (bytes <= limitBytes) return;
  throw new RangeError(
    `${what} needs about ${formatBytes(bytes)}${detail ? ` (${detail})` : ''}, more than the memory limit of ${formatBytes(limitBytes)} ` +
      '(raise it with setMemoryLimit(bytes) or RECURRENT_MEMORY_LIMIT)',
  );
}
