// The Keras 2 HDF5 weight layout (keras/saving/legacy/hdf5_format.py): what
// `model.save_weights('x.h5')` writes and `load_weights` reads, and the model_weights/ group of
// a full-model `model.save('x.h5')`. The group holds the attribute layer_names; each named
// layer has a group whose attribute weight_names lists its weights in order, each a dataset
// at that path inside the layer's group (e.g. lstm/lstm_cell/kernel:0). Attributes too large
// for one HDF5 attribute are split by Keras into layer_names0, layer_names1, ...
import { hdf5Lookup, readHdf5, type Hdf5Group, type Hdf5ReadOptions, type Hdf5Tree } from './hdf5_file';
import { floatValues } from './keras3_weights_file';

export interface Keras2Weight {
  /** As weight_names lists it, e.g. 'lstm/lstm_cell/kernel:0'. */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Keras2LayerWeights {
  layerName: string;
  /** In the order of the layer's weight_names (Keras's get_weights order). */
  weights: Keras2Weight[];
}

/** A string-list attribute, joined from its numbered chunks when Keras split it. */
function stringList(group: Hdf5Group, name: string, what: string): string[] | undefined {
  let value = group.attributes[name];
  if (value === undefined && group.attributes[`${name}0`] !== undefined) {
    value = [];
    for (let k = 0; group.attributes[`${name}${k}`] !== undefined; k++) value.push(...([] as unknown[]).concat(group.attributes[`${name}${k}`]) as string[]);
  }
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string')) throw new Error(`${what}: attribute ${name} of ${group.path} must hold strings`);
  return list;
}

function layerWeights(tree: Hdf5Tree, root: Hdf5Group, layerName: string, what: string): Keras2LayerWeights {
  const group = hdf5Lookup(tree, `${root.path}/${layerName}`);
  if (group?.kind !== 'group') throw new Error(`${what}: layer_names lists '${layerName}' but ${root.path === '/' ? '' : root.path}/${layerName} is no group`);
  const names = stringList(group, 'weight_names', what);
  if (names === undefined) throw new Error(`${what}: ${group.path} has no weight_names attribute`);
  return {
    layerName,
    weights: names.map((name) => {
      const d = hdf5Lookup(tree, `${group.path}/${name}`);
      if (d?.kind !== 'dataset') throw new Error(`${what}: weight_names of ${group.path} lists '${name}' but there is no such dataset`);
      return { name, shape: d.shape, data: floatValues(d, what) };
    }),
  };
}

/**
 * Reads a Keras 2 weights file (`save_weights('x.h5')`) or full-model file (`save('x.h5')`,
 * whose weights sit under model_weights/): the layers in layer_names order, each with its
 * weights in weight_names order. The optimizer's weights of a full-model file are not read.
 */
export async function readKeras2Weights(path: string, options: Hdf5ReadOptions & { what?: string } = {}): Promise<Keras2LayerWeights[]> {
  const what = options.what ?? `readKeras2Weights('${path}')`;
  const tree = await readHdf5(path, what, { skipPrefixes: ['/optimizer_weights/'], ...options });
  const top = hdf5Lookup(tree, '/') as Hdf5Group;
  const modelWeights = hdf5Lookup(tree, 'model_weights');
  const root = modelWeights?.kind === 'group' ? modelWeights : top;
  const layerNames = stringList(root, 'layer_names', what);
  if (layerNames === undefined) {
    const keras3 = hdf5Lookup(tree, 'layers')?.kind === 'group';
    throw new Error(`${what}: no layer_names attribute: not a Keras 2 weights file${keras3 ? ' (it is a Keras 3 .weights.h5 file: read it with readKeras3Weights)' : ''}`);
  }
  return layerNames.map((name) => layerWeights(tree, root, name, what));
}
