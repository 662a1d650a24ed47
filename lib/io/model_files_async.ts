// The asynchronous forms of writeModelFiles and readModelFiles: the whole of either (creating
// the directory, encoding, hashing, writing and flushing, or reading, checking and decoding)
// runs in a worker thread, so saving or loading a model of hundreds of megabytes leaves the
// event loop free. Weights go to the worker and come back as transferred buffers, not
// copies: an array handed to writeModelFilesAsync that owns its whole buffer is detached when
// the call returns (pass copies, as getWeights() gives).
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { ModelFiles, ModelFilesToWrite } from './model_files';
import type { ModelFilesRequest } from './model_files_worker';

type Reply = { ok: true; files?: ModelFiles } | { ok: false; message: string; name: string };

function errorOf(reply: Extract<Reply, { ok: false }>): Error {
  const make = reply.name === 'RangeError' ? RangeError : reply.name === 'TypeError' ? TypeError : Error;
  return new make(reply.message);
}

function run(request: ModelFilesRequest, transfer: ArrayBuffer[]): Promise<ModelFiles | undefined> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(resolve(__dirname, 'model_files_worker.js'), { workerData: request, transferList: transfer });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) resolvePromise(reply.files);
      else reject(errorOf(reply));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new Error(`${request.op === 'write' ? 'save' : 'loadModel'}(${request.dir}): the file worker failed (${(err as Error).message})`));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`${request.op === 'write' ? 'save' : 'loadModel'}(${request.dir}): the file worker stopped (exit code ${code}) before it answered`));
    });
  });
}

/** Buffers that the arrays own whole (a view into a larger buffer is copied instead). */
function ownedBuffers(arrays: readonly Float32Array[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  }
  return [...out];
}

/** writeModelFiles in a worker thread; see the file comment for what happens to `files`' arrays. */
export async function writeModelFilesAsync(dir: string, files: ModelFilesToWrite): Promise<void> {
  await run({ op: 'write', dir, files }, ownedBuffers([...files.values, ...(files.optimizer?.state.slots ?? [])]));
}

/** readModelFiles in a worker thread. */
export async function readModelFilesAsync(dir: string): Promise<ModelFiles> {
  return (await run({ op: 'read', dir }, []))!;
}
