// A model's architecture as Keras / TensorFlow.js layers JSON (modelTopology). Sequential:
// { class_name: 'Sequential', config: { name, layers: [{ class_name, config }] } }, the first
// layer carrying batch_input_shape. Functional: { class_name: 'Functional', config: { name,
// layers: [{ class_name, config, name, inbound_nodes }], input_layers, output_layers } } with
// Keras 2's node lists [[layer_name, node_index, tensor_index, {}], ...], which TensorFlow.js
// writes and reads. Each layer's JSON comes from its kind's declaration (lib/layers); reading
// accepts what Keras and TensorFlow.js write for the layers we have (also Keras 3's node
// form { args, kwargs } with keras_history) and refuses anything else with an error that
// names the layer and the key.
import { InputLayer } from '../layers/input_layer';
import type { Layer, LayerJson } from '../layers/layer';
import { layerFromKerasJson } from '../layers/registry';
import type { ModelGraph } from '../models/model_graph';
import type { SymbolicTensor } from '../models/symbolic_tensor';
import type { DType, Shape } from '../tensor';

export type { LayerJson };

const MAX_LAYERS = 10_000;
const MAX_DEPTH = 32;

export interface SequentialTopology {
  class_name: 'Sequential';
  config: { name: string; layers: LayerJson[] };
  backend: string;
}

/** One tensor of a node list: [layer name, node index, tensor index, kwargs]. */
type TensorRef = [string, number, number, Record<string, unknown>];

interface FunctionalLayerJson extends LayerJson {
  name: string;
  inbound_nodes: TensorRef[][];
}

export interface FunctionalTopology {
  class_name: 'Functional';
  config: { name: string; layers: FunctionalLayerJson[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
  backend: string;
}

/** The Sequential topology of `layers` (the first carries the model's input shape). */
export function sequentialToJson(name: string, layers: readonly Layer[], inputShape: Shape): SequentialTopology {
  const out = layers.map((layer, i) => {
    const json = layer.toJson();
    if (i === 0) json.config = { batch_input_shape: [null, ...inputShape], ...json.config };
    return json;
  });
  return { class_name: 'Sequential', config: { name, layers: out }, backend: 'tensor_flow.js' };
}

/** The functional topology of a model's graph. */
export function functionalToJson(name: string, graph: ModelGraph): FunctionalTopology {
  const ref = (t: SymbolicTensor): [string, number, number] => [t.node.layer.name, graph.nodeIndex(t.node), t.outputIndex];
  const layers = graph.layers.map((layer): FunctionalLayerJson => {
    const json = layer.toJson();
    const input = graph.inputs.findIndex((t) => t.node.layer === layer);
    if (input >= 0) json.config = { ...json.config, dtype: graph.inputDtypes[input] };
    const nodes = graph.nodes.filter((n) => n.layer === layer && !(layer instanceof InputLayer));
    return { ...json, name: layer.name, inbound_nodes: nodes.map((n) => n.inputs.map((t) => [...ref(t), layer.callKwargs(n.call)] as TensorRef)) };
  });
  return {
    class_name: 'Functional',
    config: { name, layers, input_layers: graph.inputs.map(ref), output_layers: graph.outputs.map(ref) },
    backend: 'tensor_flow.js',
  };
}

// ---- Reading.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLayerJson(v: unknown): v is LayerJson {
  return isRecord(v) && typeof v.class_name === 'string' && isRecord(v.config);
}

/** Refuses configs nested deeper than any model we write (a hostile file cannot exhaust the stack). */
function checkDepth(v: unknown, what: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw new Error(`${what}: the topology nests deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) for (const e of v) checkDepth(e, what, depth + 1);
  else if (isRecord(v)) for (const e of Object.values(v)) checkDepth(e, what, depth + 1);
}

/** A per-sample shape from a Keras batch shape [null, ...]. */
function batchShape(v: unknown, where: string): Shape | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length < 2 || v.length > 9 || !v.slice(1).every((d) => d === null || (Number.isSafeInteger(d) && d > 0 && d <= 2 ** 24))) {
    throw new Error(`${where}: the batch shape must be [null, ...positive integers or null], received ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return v.slice(1) as Shape;
}

function readLayer(json: unknown, where: string): Layer {
  return layerFromKerasJson(json, where, readLayer);
}

export interface ParsedSequential {
  kind: 'sequential';
  name: string;
  layers: Layer[];
  /** From an InputLayer or the first layer's batch_input_shape. */
  inputShape: Shape | undefined;
}

export interface ParsedFunctional {
  kind: 'functional';
  name: string;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

function modelNameOf(config: unknown, fallback: string): string {
  const raw = isRecord(config) ? config.name : undefined;
  return typeof raw === 'string' && raw.length > 0 && raw.length <= 256 ? raw : fallback;
}

function readSequential(t: Record<string, unknown>, what: string): ParsedSequential {
  const config = t.config;
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LAYERS) throw new Error(`${what}: the Sequential config has no layer list`);
  let inputShape: Shape | undefined;
  let entries = list;
  if (isLayerJson(list[0]) && list[0].class_name === 'InputLayer') {
    const c = list[0].config;
    inputShape = batchShape(c.batch_input_shape ?? c.batch_shape, `${what}: layer 0 (InputLayer)`);
    entries = list.slice(1);
    if (entries.length === 0) throw new Error(`${what}: the model has only an InputLayer`);
  }
  const offset = list.length - entries.length;
  const layers = entries.map((json, i) => {
    const where = `${what}: layer ${i + offset}`;
    const shape = i === 0 && inputShape === undefined && isLayerJson(json) ? batchShape(json.config.batch_input_shape ?? json.config.batch_shape, where) : undefined;
    return layerFromKerasJson(json, where, readLayer, shape ? { inputShape: shape } : {});
  });
  return { kind: 'sequential', name: modelNameOf(config, 'sequential'), layers, inputShape: inputShape ?? layers[0].inputShape };
}

interface InboundNode {
  refs: [string, number, number][];
  /** The call's keyword arguments (Keras 2: each tensor's fourth element; Keras 3: kwargs). */
  kwargs: Record<string, unknown>;
}

/** The tensors a Keras node reads, and its call kwargs: Keras 2's list form, or Keras 3's { args, kwargs }. */
function inboundNode(node: unknown, where: string): InboundNode {
  if (Array.isArray(node)) {
    const refs = node.map((r, i): [string, number, number] => {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isSafeInteger(r[1]) || !Number.isSafeInteger(r[2])) throw new Error(`${where}: inbound tensor ${i} must be [layer name, node index, tensor index, {}]`);
      return [r[0], r[1], r[2]];
    });
    const first = node[0] as unknown[] | undefined;
    return { refs, kwargs: first && isRecord(first[3]) ? first[3] : {} };
  }
  if (isRecord(node) && Array.isArray(node.args)) {
    const refs: [string, number, number][] = [];
    const collect = (v: unknown, depth: number): void => {
      if (depth > 4) return;
      if (Array.isArray(v)) v.forEach((e) => collect(e, depth + 1));
      else if (isRecord(v) && v.class_name === '__keras_tensor__' && isRecord(v.config) && Array.isArray(v.config.keras_history)) {
        const h = v.config.keras_history;
        if (typeof h[0] !== 'string' || !Number.isSafeInteger(h[1]) || !Number.isSafeInteger(h[2])) throw new Error(`${where}: a keras_history must be [layer name, node index, tensor index]`);
        refs.push([h[0], h[1] as number, h[2] as number]);
      }
    };
    collect(node.args, 0);
    const kwargs = isRecord(node.kwargs) ? node.kwargs : {};
    if (kwargs.initial_state !== undefined) collect(kwargs.initial_state, 0);
    return { refs, kwargs };
  }
  throw new Error(`${where}: an inbound node must be a list of tensors or { args, kwargs }`);
}

function readFunctional(t: Record<string, unknown>, what: string): ParsedFunctional {
  const config = t.config;
  if (!isRecord(config) || !Array.isArray(config.layers) || config.layers.length === 0 || config.layers.length > MAX_LAYERS) {
    throw new Error(`${what}: the functional config has no layer list`);
  }
  const name = modelNameOf(config, 'functional');
  /** Output tensors of each layer's nodes, as they are made. */
  const made = new Map<string, SymbolicTensor[][]>();
  const layers = new Map<string, { layer: Layer; nodes: InboundNode[] }>();
  config.layers.forEach((entry, i) => {
    const where = `${what}: layer ${i}`;
    if (!isLayerJson(entry)) throw new Error(`${where}: expected { class_name, config, inbound_nodes }`);
    const own = (entry as unknown as { name?: unknown }).name;
    const layerName = typeof own === 'string' ? own : entry.config.name;
    if (typeof layerName !== 'string' || layerName.length === 0) throw new Error(`${where}: the layer has no name`);
    if (layers.has(layerName)) throw new Error(`${where}: two layers are named '${layerName}'`);
    if (entry.class_name === 'InputLayer') {
      const c = entry.config;
      const shape = batchShape(c.batch_input_shape ?? c.batch_shape, `${where} (InputLayer)`);
      if (!shape) throw new Error(`${where} (InputLayer): no batch_input_shape`);
      // Token ids are int32; any other input is float32, as its readers resolve it.
      const input = new InputLayer({ shape, ...(c.dtype === 'int32' ? { dtype: 'int32' as DType } : {}), name: layerName });
      made.set(layerName, [[input.output()]]);
      layers.set(layerName, { layer: input, nodes: [] });
      return;
    }
    const inbound = (entry as { inbound_nodes?: unknown }).inbound_nodes;
    if (!Array.isArray(inbound)) throw new Error(`${where} (${entry.class_name}): inbound_nodes must be a list`);
    const layer = layerFromKerasJson({ ...entry, config: { ...entry.config, name: layerName } }, where, readLayer);
    layers.set(layerName, { layer, nodes: inbound.map((n, k) => inboundNode(n, `${where} (${entry.class_name}) node ${k}`)) });
    made.set(layerName, []);
  });
  // Apply nodes as their inputs become available (a shared layer's later node may read layers listed after it).
  const pending: { layerName: string; node: number }[] = [];
  for (const [layerName, { nodes }] of layers) nodes.forEach((_, k) => pending.push({ layerName, node: k }));
  const tensor = (r: [string, number, number]): SymbolicTensor | undefined => made.get(r[0])?.[r[1]]?.[r[2]];
  while (pending.length > 0) {
    let progressed = false;
    for (let i = 0; i < pending.length; i++) {
      const { layerName, node } = pending[i];
      const entry = layers.get(layerName) as { layer: Layer; nodes: InboundNode[] };
      if ((made.get(layerName) as SymbolicTensor[][]).length !== node) continue;
      const { refs, kwargs } = entry.nodes[node];
      for (const r of refs) if (!layers.has(r[0])) throw new Error(`${what}: layer '${layerName}' reads layer '${r[0]}', which the model does not have`);
      const inputs = refs.map(tensor);
      if (inputs.some((x) => x === undefined)) continue;
      let out: SymbolicTensor | SymbolicTensor[];
      try {
        out = entry.layer.apply(inputs as SymbolicTensor[], entry.layer.applyOptionsFromKwargs(kwargs));
      } catch (err) {
        throw new Error(`${what}: layer '${layerName}' node ${node}: ${(err as Error).message}`);
      }
      (made.get(layerName) as SymbolicTensor[][]).push(Array.isArray(out) ? out : [out]);
      pending.splice(i, 1);
      i--;
      progressed = true;
    }
    if (!progressed) throw new Error(`${what}: the nodes of ${pending.map((p) => `'${p.layerName}'`).join(', ')} read tensors that are never made (a cycle or a missing node)`);
  }
  const refList = (v: unknown, key: string): SymbolicTensor[] => {
    if (!Array.isArray(v) || v.length === 0) throw new Error(`${what}: ${key} must be a non-empty list of [layer name, node index, tensor index]`);
    return v.map((r, i) => {
      const t = Array.isArray(r) ? tensor([r[0], r[1], r[2]] as [string, number, number]) : undefined;
      if (!t) throw new Error(`${what}: ${key}[${i}] names no tensor of the model (${JSON.stringify(r)?.slice(0, 80)})`);
      return t;
    });
  };
  return { kind: 'functional', name, inputs: refList(config.input_layers, 'input_layers'), outputs: refList(config.output_layers, 'output_layers') };
}

/** A model's layers and graph from a modelTopology (TensorFlow.js model.json or Keras config.json). */
export function modelFromJson(topology: unknown, what: string): ParsedSequential | ParsedFunctional {
  checkDepth(topology, what);
  if (!isRecord(topology)) throw new Error(`${what}: modelTopology must be an object`);
  const cls = topology.class_name;
  if (cls === 'Sequential') return readSequential(topology, what);
  if (cls === 'Functional' || cls === 'Model') return readFunctional(topology, what);
  throw new Error(`${what}: modelTopology must be a Sequential or a Functional model, received class ${JSON.stringify(cls)?.slice(0, 80)}`);
}
