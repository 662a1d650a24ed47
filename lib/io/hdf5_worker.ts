// The worker thread that runs HDF5 (h5wasm) for hdf5_file.ts: it reads a file's groups,
// datasets and attributes into plain data, or writes float32 datasets, and answers one
// request at a time. See hdf5_file.ts for the rules it keeps; this file is how:
//   - fs is wrapped before any request, so HDF5 (which reaches files through Node's fs)
//     may open the one file of the request and nothing else, and every descriptor it opens
//     is known: after a failure the worker closes them and exits;
//   - HDF5's error handler is the one that throws (h5wasm's), so its diagnostics become an
//     exception here instead of lines on the process's stderr.
import { resolve } from 'node:path';
import { parentPort } from 'node:worker_threads';

import { checkMemory } from '../memory_limit';
import type { Hdf5Dataset, Hdf5Object, Hdf5Tree, Hdf5Value, Hdf5WriteRequest, WorkerReply, WorkerRequest } from './hdf5_file';

type H5 = typeof import('h5wasm', { with: { 'resolution-mode': 'import' } });
type H5Module = H5['Module'] & { activate_throwing_error_handler(): number };

// The fs module object itself, whose functions h5wasm looks up on every call.
const fsModule = require('node:fs') as Record<string, (...args: unknown[]) => unknown> & { constants: Record<string, number> };

/** Attributes larger than this are refused (Keras's largest, model_config, is kilobytes). */
const MAX_ATTRIBUTE_BYTES = 16 * 2 ** 20;

let allowed: { path: string; write: boolean } | undefined;
const refused: string[] = [];
const opened = new Set<number>();

function denied(path: string): Error {
  refused.push(path);
  return Object.assign(new Error(`EACCES: opening '${path}' is not allowed`), { code: 'EACCES' });
}

/**
 * The C library's tmpfile(), which HDF5's throwing error handler prints its diagnostics
 * into: created new (O_EXCL) and unlinked at once, so no existing file can be reached this way.
 */
const TMPFILE = /^\/tmp\/tmpfile_\w+$/;

function confineFileSystem(): void {
  const { O_ACCMODE = 3, O_RDONLY = 0, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000 } = fsModule.constants;
  const realOpen = fsModule.openSync;
  const realClose = fsModule.closeSync;
  const realUnlink = fsModule.unlinkSync;
  fsModule.openSync = (path: unknown, flags: unknown, mode?: unknown) => {
    const target = resolve(String(path));
    const f = typeof flags === 'number' ? flags : -1;
    const readOnly = f >= 0 && (f & O_ACCMODE) === O_RDONLY && (f & (O_CREAT | O_TRUNC)) === 0;
    const newTmpfile = f >= 0 && (f & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL) && TMPFILE.test(target);
    if (!newTmpfile && (!allowed || target !== allowed.path || (!allowed.write && !readOnly))) throw denied(target);
    const fd = realOpen(path, flags, mode) as number;
    opened.add(fd);
    return fd;
  };
  fsModule.closeSync = (fd: unknown) => {
    opened.delete(fd as number);
    return realClose(fd);
  };
  fsModule.unlinkSync = (path: unknown) => {
    const target = resolve(String(path));
    if (!TMPFILE.test(target) && (!allowed?.write || target !== allowed.path)) throw denied(target);
    return realUnlink(path);
  };
  // Nothing HDF5 does for one file needs to change or read another.
  for (const name of ['readFileSync', 'writeFileSync', 'renameSync', 'rmdirSync', 'mkdirSync', 'symlinkSync', 'truncateSync', 'chmodSync', 'chownSync', 'utimesSync']) {
    const real = fsModule[name];
    fsModule[name] = (path: unknown, ...rest: unknown[]) => {
      const target = resolve(String(path));
      if (!allowed?.write || target !== allowed.path) throw denied(target);
      return real(path, ...rest);
    };
  }
}

let h5Loaded: Promise<{ h5: H5; module: H5Module }> | undefined;

function loadH5(): Promise<{ h5: H5; module: H5Module }> {
  if (!h5Loaded) {
    h5Loaded = (async () => {
      const h5 = (await import('h5wasm/node')) as H5;
      await h5.ready;
      // h5wasm sets its Module binding once ready; read it from the namespace only then.
      const module = h5.Module as H5Module;
      module.activate_throwing_error_handler();
      confineFileSystem();
      return { h5, module };
    })();
  }
  return h5Loaded;
}

/** One line from HDF5's diagnostic stack: the deepest cause, and the call that failed if it differs. */
function summarizeHdf5Error(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const calls = text
    .split('\n')
    .map((l) => /#\d+: .* in [^(]+\(\): (.*)$/.exec(l)?.[1]?.trim())
    .filter((m): m is string => !!m);
  if (calls.length === 0) return text.split('\n')[0].slice(0, 300) || 'unknown error';
  const [first, last] = [calls[0], calls[calls.length - 1]];
  return first === last ? last : `${last} (${first})`;
}

/** What the reader itself refuses (a link kind, a limit), as opposed to what HDF5 throws. */
class Refusal extends Error {}

function shortPath(path: string): string {
  const parts = path.split('/');
  return parts.length <= 8 ? path : [...parts.slice(0, 4), '...', ...parts.slice(-3)].join('/');
}

function dtypeName(meta: { type: number; size: number; signed: boolean }): string {
  if (meta.type === 1) return `float${meta.size * 8}`;
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`;
  if (meta.type === 3) return 'string';
  return `HDF5 class ${meta.type}`;
}

function plainValue(v: unknown): Hdf5Value {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>) as Hdf5Value[];
  if (Array.isArray(v)) return v.map(plainValue);
  return null;
}

interface Walk {
  tree: Hdf5Tree;
  byAddress: Map<string, string>;
  links: number;
  /** The object being looked at, for error messages. */
  at: string;
}

function readTree(h5: H5, module: H5Module, req: Extract<WorkerRequest, { op: 'read' }>): Hdf5Tree {
  const { maxDepth, maxObjects, maxBytes, readPrefixes, skipPrefixes } = req.options;
  let file: InstanceType<H5['File']>;
  try {
    file = new h5.File(req.file, 'r');
    if (file.file_id < 0n) throw new Error('no file id');
  } catch (err) {
    throw new Error(`${req.what}: HDF5 cannot open the file (truncated or corrupt: ${summarizeHdf5Error(err)})`);
  }
  const id = file.file_id;
  const walk: Walk = { tree: { file: req.file, objects: new Map() }, byAddress: new Map(), links: 0, at: '/' };
  try {
    const attributes = (path: string): Record<string, Hdf5Value> => {
      const out: Record<string, Hdf5Value> = {};
      for (const name of module.get_attribute_names(id, path) as string[]) {
        walk.at = `${path} attribute '${name}'`;
        const attr = new h5.Attribute(id, path, name);
        const bytes = attr.metadata.size * attr.metadata.total_size;
        if (bytes > MAX_ATTRIBUTE_BYTES) throw new Refusal(`attribute '${name}' of ${path} holds ${bytes} bytes, more than ${MAX_ATTRIBUTE_BYTES}`);
        out[name] = plainValue(attr.value);
      }
      return out;
    };
    const address = (path: string): string => (module.create_object_reference(id, path) as unknown as number[]).join(',');
    const visit = (path: string, depth: number): void => {
      walk.at = path;
      if (depth > maxDepth) throw new Refusal(`groups nest deeper than ${maxDepth} levels (at ${shortPath(path)})`);
      const children: [string, string][] = [];
      walk.tree.objects.set(path, { kind: 'group', path, attributes: attributes(path), children });
      const names = module.get_names(id, path, false) as string[];
      for (const name of names) {
        const child = path === '/' ? `/${name}` : `${path}/${name}`;
        walk.at = child;
        if (++walk.links > maxObjects) throw new Refusal(`more than ${maxObjects} objects and links`);
        const external = module.get_external_link(id, child) as { filename?: string; obj_path?: string };
        if (external.filename !== undefined) throw new Refusal(`${child} is an external link to '${external.filename}:${external.obj_path}' (refused)`);
        const soft = module.get_symbolic_link(id, child) as string | null;
        if (soft !== null) throw new Refusal(`${child} is a soft link to '${soft}' (refused: weight files hold hard links only)`);
        const type = module.get_type(id, child);
        const key = address(child);
        const seen = walk.byAddress.get(key);
        if (seen !== undefined) {
          children.push([name, seen]);
          continue;
        }
        walk.byAddress.set(key, child);
        children.push([name, child]);
        if (type === module.H5G_GROUP) visit(child, depth + 1);
        else if (type === module.H5G_DATASET) walk.tree.objects.set(child, datasetOf(child));
        else throw new Refusal(`${child} is neither a group nor a dataset (HDF5 type ${type})`);
      }
    };
    const datasetOf = (path: string): Hdf5Dataset => {
      const meta = new h5.Dataset(id, path).metadata;
      if (meta.virtual_sources?.length) {
        throw new Refusal(`${path} is a virtual dataset whose data lies in '${meta.virtual_sources[0].file_name}' (refused)`);
      }
      return { kind: 'dataset', path, attributes: attributes(path), shape: meta.shape ?? [], dtype: dtypeName(meta) };
    };
    walk.byAddress.set(address('/'), '/');
    visit('/', 0);

    // Values: float datasets under the prefixes asked for, their total checked first.
    const wanted = [...walk.tree.objects.values()].filter(
      (o): o is Hdf5Dataset => o.kind === 'dataset' && (o.dtype === 'float32' || o.dtype === 'float64') &&
        readPrefixes.some((p) => o.path.startsWith(p)) && !skipPrefixes.some((p) => o.path.startsWith(p)),
    );
    const bytes = wanted.reduce((n, d) => n + d.shape.reduce((a, b) => a * b, 1) * (4 + (d.dtype === 'float64' ? 8 : 4)), 0);
    try {
      checkMemory(`reading ${wanted.length} datasets`, bytes, `their values and a float32 copy of each`, maxBytes);
    } catch (err) {
      throw new Refusal((err as Error).message);
    }
    for (const d of wanted) {
      walk.at = d.path;
      const raw = new h5.Dataset(id, d.path).value as Float32Array | Float64Array | null;
      const n = d.shape.reduce((a, b) => a * b, 1);
      if (!raw || raw.length !== n) throw new Refusal(`${d.path} could not be read (${raw ? raw.length : 'no'} values for shape [${d.shape.join(', ')}])`);
      d.data = raw instanceof Float32Array && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Float32Array.from(raw);
    }
    return walk.tree;
  } catch (err) {
    throw new Error(`${req.what}: ${err instanceof Refusal ? err.message : `HDF5 cannot read ${walk.at}: ${summarizeHdf5Error(err)}`}`);
  } finally {
    try {
      file.close();
    } catch {
      // The worker exits after a failure anyway, closing what is left.
    }
  }
}

function writeTree(h5: H5, req: { file: string; request: Hdf5WriteRequest }): void {
  const file = new h5.File(req.file, 'w');
  try {
    const ensureGroup = (path: string): InstanceType<H5['Group']> => {
      let group: InstanceType<H5['Group']> = file;
      for (const name of path.split('/').filter((p) => p.length > 0)) {
        const existing = group.get(name);
        group = existing instanceof h5.Group ? existing : group.create_group(name);
      }
      return group;
    };
    for (const g of req.request.groups) ensureGroup(g);
    for (const d of req.request.datasets) {
      const cut = d.path.lastIndexOf('/');
      ensureGroup(d.path.slice(0, Math.max(cut, 0))).create_dataset({ name: d.path.slice(cut + 1), data: d.data, shape: d.shape, dtype: '<f' });
    }
  } finally {
    file.close();
  }
}

function transferables(tree: Hdf5Tree): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const o of tree.objects.values() as IterableIterator<Hdf5Object>) {
    if (o.kind === 'dataset' && o.data && o.data.buffer instanceof ArrayBuffer) out.push(o.data.buffer);
  }
  return out;
}

/** Closes what HDF5 left open after a failure and ends the worker. */
function exitAfterFailure(): never {
  for (const fd of opened) {
    try {
      fsModule.closeSync(fd);
    } catch {
      // Already closed.
    }
  }
  process.exit(0);
}

parentPort!.on('message', (req: WorkerRequest) => {
  void (async () => {
    try {
      const { h5, module } = await loadH5();
      refused.length = 0;
      allowed = { path: req.file, write: req.op === 'write' };
      try {
        const tree = req.op === 'read' ? readTree(h5, module, req) : (writeTree(h5, req), undefined);
        // A descriptor still open after a success would leak: end this worker as after a failure.
        const reply: WorkerReply = { id: req.id, ok: true, tree, exiting: opened.size > 0 };
        parentPort!.postMessage(reply, tree ? transferables(tree) : []);
        if (reply.exiting) exitAfterFailure();
      } finally {
        allowed = undefined;
      }
    } catch (err) {
      let message = err instanceof Error ? err.message : String(err);
      if (!message.startsWith(req.what)) message = `${req.what}: ${req.op === 'write' ? 'HDF5 cannot write the file' : 'HDF5 cannot read the file'}: ${summarizeHdf5Error(err)}`;
      if (refused.length) message += ` (HDF5 tried to open '${refused[0]}', another file: refused)`;
      parentPort!.postMessage({ id: req.id, ok: false, message } satisfies WorkerReply);
      exitAfterFailure();
    }
  })();
});
