// HDF5 files read and written safely, as plain data: HDF5 itself (h5wasm, the HDF5 library
// compiled to WebAssembly) runs in a worker thread (lib/io/hdf5_worker.ts), so reading a large
// file never stops the event loop and a file that breaks HDF5 breaks only the worker. There:
//   - each object is visited once (objects are told apart by their address, so a group
//     linked twice from each level of a chain is one object, not 2^depth paths), the depth
//     and the number of objects are capped, and cycles end;
//   - soft and external links and virtual datasets are refused, and HDF5 may open no file
//     but the one asked for (so external raw storage cannot read another file either);
//   - HDF5's diagnostics are caught instead of printed to stderr, and become one line that
//     names the file;
//   - after any failure the worker is replaced, so no half-closed HDF5 state or file
//     descriptor outlives it.
// The layouts of Keras weight files are read on top of this (keras3_weights_file.ts,
// keras2_weights_file.ts).
import { unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import { getMemoryLimit } from '../memory_limit';
import { commitTemporaryFile, temporaryPathFor } from './atomic_write';
import { openRegularFile } from './regular_file';

/** An attribute's value as HDF5 holds it: numbers, strings (byte strings decoded), or arrays of them. */
export type Hdf5Value = string | number | bigint | boolean | null | Hdf5Value[];

export interface Hdf5Group {
  kind: 'group';
  /** The first path by which the reader reached the group. */
  path: string;
  attributes: Record<string, Hdf5Value>;
  /** Links in HDF5's order (by name unless the file tracks creation order): [name, path of the object]. */
  children: [string, string][];
}

export interface Hdf5Dataset {
  kind: 'dataset';
  path: string;
  attributes: Record<string, Hdf5Value>;
  shape: number[];
  /** 'float32', 'float64', 'int64', 'uint8', 'string', ... as stored. */
  dtype: string;
  /** The values as float32, for float datasets under the paths asked for. */
  data?: Float32Array;
}

export type Hdf5Object = Hdf5Group | Hdf5Dataset;

export interface Hdf5Tree {
  file: string;
  /** Every object once, by its first path; '/' is the root group. */
  objects: Map<string, Hdf5Object>;
}

export interface Hdf5ReadOptions {
  /** Float datasets whose path starts with one of these are read (default ['/']: all)... */
  readPrefixes?: string[];
  /** ...unless it starts with one of these (default none). */
  skipPrefixes?: string[];
  /** Groups deeper than this are refused (default 64). */
  maxDepth?: number;
  /** Objects beyond this count are refused (default 100,000). */
  maxObjects?: number;
  /** Bytes of dataset values read (default: getMemoryLimit()). */
  maxBytes?: number;
  /** The read fails after this long (default: 60 s plus 1 s per 10 MB of file). */
  timeoutMs?: number;
}

/** One dataset to write: float32 values under a path like 'layers/dense/vars/0'. */
export interface Hdf5DatasetToWrite {
  path: string;
  shape: number[];
  data: Float32Array;
}

export interface Hdf5WriteRequest {
  /** Groups to create even when empty, e.g. 'vars'. */
  groups: string[];
  datasets: Hdf5DatasetToWrite[];
}

export const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What the worker receives and answers (hdf5_worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'read'; file: string; what: string; options: Required<Omit<Hdf5ReadOptions, 'timeoutMs'>> }
  | { id: number; op: 'write'; file: string; what: string; request: Hdf5WriteRequest };
/** A failed request's reply, or one with `exiting`, means the worker is about to exit. */
export type WorkerReply = { id: number; ok: true; tree?: Hdf5Tree; exiting: boolean } | { id: number; ok: false; message: string };

interface Pending {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
  timeoutMs: number;
  resolve: (tree: Hdf5Tree | undefined) => void;
  reject: (err: Error) => void;
}

// One worker at a time serves the requests in order. After a failure it closes what HDF5
// left open and exits (its reply says so), and the next request starts a new one.
let worker: Worker | undefined;
let current: (Pending & { worker: Worker; timer: NodeJS.Timeout }) | undefined;
const queue: Pending[] = [];
let nextId = 1;

function startWorker(): Worker {
  const w = new Worker(resolve(__dirname, 'hdf5_worker.js'));
  const retire = () => {
    if (worker === w) worker = undefined;
  };
  w.on('message', (reply: WorkerReply) => {
    if (!reply.ok || reply.exiting) retire();
    if (current?.worker !== w || reply.id !== current.request.id) return;
    finish(reply.ok ? undefined : new Error(reply.message), reply.ok ? reply.tree : undefined);
  });
  w.on('error', (err) => {
    retire();
    if (current?.worker === w) finish(new Error(`${current.request.what}: the HDF5 reader failed (${(err as Error).message})`));
  });
  w.on('exit', (code) => {
    retire();
    if (current?.worker === w) finish(new Error(`${current.request.what}: the HDF5 reader stopped (exit code ${code}) before it answered`));
  });
  return w;
}

function finish(err: Error | undefined, tree?: Hdf5Tree): void {
  const job = current!;
  clearTimeout(job.timer);
  current = undefined;
  if (err) job.reject(err);
  else job.resolve(tree);
  next();
}

function next(): void {
  if (current) return;
  const job = queue.shift();
  if (!job) {
    worker?.unref();
    return;
  }
  if (!worker) worker = startWorker();
  const w = worker;
  w.ref();
  const timer = setTimeout(() => {
    if (worker === w) worker = undefined;
    void w.terminate();
    if (current?.request.id === job.request.id) finish(new Error(`${job.request.what}: HDF5 did not finish within ${job.timeoutMs} ms (a corrupt or hostile file?)`));
  }, job.timeoutMs);
  current = { ...job, worker: w, timer };
  w.postMessage(job.request, job.transfer);
}

function submit(request: WorkerRequest, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<Hdf5Tree | undefined> {
  return new Promise((resolvePromise, reject) => {
    queue.push({ request, transfer, timeoutMs, resolve: resolvePromise, reject });
    next();
  });
}

/**
 * Reads the structure of an HDF5 file (every group and dataset, their attributes) and the
 * values of its float datasets under `readPrefixes`, within the limits of `options`. `what`
 * names the caller in errors, e.g. "readKeras2Weights('model.h5')".
 */
export async function readHdf5(path: string, what: string, options: Hdf5ReadOptions = {}): Promise<Hdf5Tree> {
  const { handle, size } = await openRegularFile(path, what);
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    if (!head.equals(HDF5_SIGNATURE)) throw new Error(`${what}: not an HDF5 file (no HDF5 signature at its start)`);
  } finally {
    await handle.close();
  }
  const request: WorkerRequest = {
    id: nextId++,
    op: 'read',
    file: resolve(path),
    what,
    options: {
      readPrefixes: options.readPrefixes ?? ['/'],
      skipPrefixes: options.skipPrefixes ?? [],
      maxDepth: options.maxDepth ?? 64,
      maxObjects: options.maxObjects ?? 100_000,
      maxBytes: options.maxBytes ?? getMemoryLimit(),
    },
  };
  const tree = await submit(request, options.timeoutMs ?? 60_000 + Math.ceil(size / 1e7) * 1000);
  return tree!;
}

/**
 * Writes a new HDF5 file at `path` with the given groups and float32 datasets, intermediate
 * groups created as needed, crash-safely (a temporary file in the same directory, flushed
 * and renamed over `path`). An array that owns its whole buffer is transferred to the
 * worker, not copied, so it is detached when this returns; views into a larger buffer are
 * copied.
 */
export async function writeHdf5(path: string, what: string, request: Hdf5WriteRequest, timeoutMs = 600_000): Promise<void> {
  const buffers = new Set<ArrayBuffer>();
  for (const d of request.datasets) {
    const b = d.data.buffer;
    if (b instanceof ArrayBuffer && d.data.byteOffset === 0 && d.data.byteLength === b.byteLength) buffers.add(b);
  }
  const tmp = temporaryPathFor(resolve(path));
  try {
    await submit({ id: nextId++, op: 'write', file: tmp, what, request }, timeoutMs, [...buffers]);
    await commitTemporaryFile(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** The object at `path` (following the tree's links by name), or undefined. */
export function hdf5Lookup(tree: Hdf5Tree, path: string): Hdf5Object | undefined {
  let object = tree.objects.get('/');
  for (const name of path.split('/').filter((p) => p.length > 0)) {
    if (object?.kind !== 'group') return undefined;
    const link = object.children.find(([n]) => n === name);
    object = link ? tree.objects.get(link[1]) : undefined;
  }
  return object;
}
