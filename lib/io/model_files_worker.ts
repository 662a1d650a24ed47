// The worker thread of model_files_async.ts: runs writeModelFiles or readModelFiles (the
// synchronous functions, unchanged) for one request and posts the result back, the read
// weights transferred rather than copied.
import { parentPort, workerData } from 'node:worker_threads';

import { readModelFiles, writeModelFiles, type ModelFilesToWrite } from './model_files';

export type ModelFilesRequest = { op: 'write'; dir: string; files: ModelFilesToWrite } | { op: 'read'; dir: string };

const request = workerData as ModelFilesRequest;
try {
  if (request.op === 'write') {
    writeModelFiles(request.dir, request.files);
    parentPort!.postMessage({ ok: true });
  } else {
    const files = readModelFiles(request.dir);
    const buffers = [...files.values, ...(files.optimizer?.state.slots ?? [])].map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ ok: true, files }, [...new Set(buffers)]);
  }
} catch (err) {
  parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' });
}
