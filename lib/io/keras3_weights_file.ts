// The Keras 3 `.weights.h5` layout (keras/src/saving/saving_lib.py, H5IOStore): each
// trackable object's variables are the datasets "0", "1", ... of a `vars` group at its path;
// a model's layers sit under layers/<snake_case class name>[_k], a recurrent layer's variables
// under cell/, Bidirectional's under forward_layer/ and backward_layer/, TimeDistributed's
// under layer/. This reads such a file into plain arrays, one entry per layer group, and
// writes one; mapping them onto a model is the caller's part.
import { describe } from '../options';
import { hdf5Lookup, readHdf5, writeHdf5, type Hdf5Dataset, type Hdf5Group, type Hdf5ReadOptions, type Hdf5Tree } from './hdf5_file';

export interface Keras3Variable {
  /** Where the dataset lies, e.g. '/layers/lstm/cell/vars/0'. */
  path: string;
  shape: number[];
  data: Float32Array;
}

export interface Keras3LayerWeights {
  /** The group's name under layers/, e.g. 'lstm_1'. */
  layerName: string;
  /** The layer's variables in Keras's order (see CHILD_ORDER). */
  variables: Keras3Variable[];
}

/** Children visited first under a layer's group, in this order; others follow by name (numbers numerically). */
const CHILD_ORDER = ['vars', 'cell', 'layer', 'forward_layer', 'backward_layer'];

function childRank(name: string): number {
  const i = CHILD_ORDER.indexOf(name);
  return i < 0 ? CHILD_ORDER.length : i;
}

function compareChildren(a: string, b: string): number {
  const byRank = childRank(a) - childRank(b);
  if (byRank !== 0) return byRank;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A float dataset's values as a variable, checked to be finite. */
export function floatValues(d: Hdf5Dataset, what: string): Float32Array {
  if (!d.data) throw new Error(`${what}: ${d.path} is a ${d.dtype} dataset; weights must be float32 or float64`);
  for (let i = 0; i < d.data.length; i++) {
    if (!Number.isFinite(d.data[i])) throw new Error(`${what}: ${d.path} holds a non-finite value (${d.data[i]}) at element ${i}`);
  }
  return d.data;
}

/** The datasets under a layer's group in Keras variable order; each object once, however often it is linked. */
function layerVariables(tree: Hdf5Tree, group: Hdf5Group, what: string): Keras3Variable[] {
  const out: Keras3Variable[] = [];
  const seen = new Set<string>();
  const visit = (g: Hdf5Group): void => {
    for (const [, path] of [...g.children].sort((a, b) => compareChildren(a[0], b[0]))) {
      if (seen.has(path)) continue;
      seen.add(path);
      const child = tree.objects.get(path)!;
      if (child.kind === 'group') visit(child);
      else out.push({ path: child.path, shape: child.shape, data: floatValues(child, what) });
    }
  };
  seen.add(group.path);
  visit(group);
  return out;
}

/**
 * Reads a Keras 3 `.weights.h5` file: for each group under layers/ (in the file's order,
 * which h5py makes alphabetical), its variables in Keras's order. A file without a layers
 * group (a Keras 2 `.h5`, say) is an error that says so.
 */
export async function readKeras3Weights(path: string, options: Hdf5ReadOptions & { what?: string } = {}): Promise<Keras3LayerWeights[]> {
  const what = options.what ?? `readKeras3Weights('${path}')`;
  const tree = await readHdf5(path, what, { readPrefixes: ['/layers/'], ...options });
  const layers = hdf5Lookup(tree, 'layers');
  if (layers?.kind !== 'group') {
    const keras2 = hdf5Lookup(tree, '/')?.attributes.layer_names !== undefined || hdf5Lookup(tree, 'model_weights') !== undefined;
    throw new Error(`${what}: no 'layers' group: not a Keras 3 weights file${keras2 ? ' (it is a Keras 2 .h5 file: read it with readKeras2Weights)' : ''}`);
  }
  return layers.children.map(([layerName, p]) => {
    const g = tree.objects.get(p)!;
    return { layerName, variables: g.kind === 'group' ? layerVariables(tree, g, what) : [] };
  });
}

export interface Keras3WeightsToWrite {
  /** The trackable's path, e.g. 'layers/lstm/cell' or 'layers/dense'. */
  layerPath: string;
  /** Its variables in Keras's order: written as vars/0, vars/1, ... */
  arrays: { shape: number[]; data: Float32Array }[];
}

const PATH_PART = /^[^/\s.][^/]*$/;

/**
 * Writes a Keras 3 `.weights.h5` file: for each entry, `<layerPath>/vars/<i>` as float32,
 * and the empty `vars` groups Keras keeps for the file's root and for every level between
 * layers/ and each entry. The arrays' buffers are transferred to the HDF5 worker (an array
 * that owns its whole buffer is detached when this returns). The write is crash-safe.
 */
export async function writeKeras3Weights(path: string, entries: readonly Keras3WeightsToWrite[]): Promise<void> {
  const what = `writeKeras3Weights('${path}')`;
  if (!Array.isArray(entries)) throw new TypeError(`${what}: entries must be an array of { layerPath, arrays }, received ${describe(entries)}`);
  const groups = new Set<string>(['vars']);
  const datasets: { path: string; shape: number[]; data: Float32Array }[] = [];
  const seenPaths = new Set<string>();
  entries.forEach((e, k) => {
    const parts: string[] = typeof e?.layerPath === 'string' ? e.layerPath.split('/') : [];
    if (parts.length === 0 || !parts.every((p) => PATH_PART.test(p))) {
      throw new TypeError(`${what}: entries[${k}].layerPath must be a path like 'layers/dense', received ${describe(e?.layerPath)}`);
    }
    if (seenPaths.has(e.layerPath)) throw new Error(`${what}: layerPath '${e.layerPath}' appears twice`);
    seenPaths.add(e.layerPath);
    for (let depth = parts[0] === 'layers' ? 2 : 1; depth <= parts.length; depth++) groups.add(`${parts.slice(0, depth).join('/')}/vars`);
    const arrays: Keras3WeightsToWrite['arrays'] = e.arrays;
    if (!Array.isArray(arrays)) throw new TypeError(`${what}: entries[${k}].arrays must be an array, received ${describe(arrays)}`);
    arrays.forEach((a, i) => {
      if (!(a?.data instanceof Float32Array)) throw new TypeError(`${what}: ${e.layerPath} array ${i} must hold a Float32Array, received ${describe(a?.data)}`);
      const shape = a.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || shape.reduce((x, y) => x * y, 1) !== a.data.length) {
        throw new RangeError(`${what}: ${e.layerPath} array ${i} has ${a.data.length} values, its shape ${JSON.stringify(shape)} does not describe them`);
      }
      datasets.push({ path: `${e.layerPath}/vars/${i}`, shape: [...shape], data: a.data });
    });
  });
  await writeHdf5(path, what, { groups: [...groups], datasets });
}
