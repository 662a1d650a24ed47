// A model's graph: the layer applications (nodes) between its input and output tensors in
// a topological order, its layers in Keras order (inputs first, then by first use), the
// dtype of every input, per-batch shape inference, and the native GraphSpec. Sequential
// models are the chain case: one input, each layer applied to the previous output.
import type { GraphSpec, NodeSpec } from '../graph_spec';
import { InputLayer } from '../layers/input_layer';
import type { Layer, TensorType } from '../layers/layer';
import { DType, formatShape, Shape } from '../tensor';
import { LayerNode, SymbolicTensor } from './symbolic_tensor';
import type { MixedPrecisionPolicy } from '../mixed_precision';

export class ModelGraph {
  /** Nodes in a topological order, input nodes first. */
  readonly nodes: LayerNode[];
  /** Every layer once, InputLayers first, then in the order of their first application. */
  readonly layers: Layer[];
  /** The dtype each input resolves to. */
  readonly inputDtypes: DType[];

  constructor(
    readonly name: string,
    readonly inputs: SymbolicTensor[],
    readonly outputs: SymbolicTensor[],
  ) {
    if (inputs.length === 0) throw new RangeError(`${name}: a model needs at least one input`);
    if (outputs.length === 0) throw new RangeError(`${name}: a model needs at least one output`);
    inputs.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor) || !(t.node.layer instanceof InputLayer)) {
        throw new TypeError(`${name}: inputs[${i}] must be a tensor made by input(), received ${String(t)}`);
      }
    });
    if (new Set(inputs).size !== inputs.length) throw new RangeError(`${name}: an input is listed twice`);
    outputs.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) throw new TypeError(`${name}: outputs[${i}] must be a symbolic tensor, received ${String(t)}`);
    });
    if (new Set(outputs).size !== outputs.length) throw new RangeError(`${name}: an output is listed twice`);
    this.nodes = this.orderNodes();
    this.layers = this.orderLayers();
    const names = new Map<string, Layer>();
    for (const l of this.layers) {
      const other = names.get(l.name);
      if (other && other !== l) throw new RangeError(`${name}: two layers are named '${l.name}'; layer names must be unique in a model`);
      names.set(l.name, l);
    }
    this.inputDtypes = inputs.map((t) => this.resolveDtype(t));
  }

  /** Layers with weights and a native counterpart (all but the InputLayers), in weight order. */
  get weightLayers(): Layer[] {
    return this.layers.filter((l) => !(l instanceof InputLayer));
  }

  /**
   * Nodes as Keras orders them: by depth (the longest path to an output) from the inputs'
   * side, ties in the order they were made; inputs first, in the model's input order.
   */
  private orderNodes(): LayerNode[] {
    const inputNodes = new Set(this.inputs.map((t) => t.node));
    const depth = new Map<LayerNode, number>();
    const state = new Map<LayerNode, 'visiting' | 'done'>();
    const visit = (node: LayerNode, d: number): void => {
      if (state.get(node) === 'visiting') throw new RangeError(`${this.name}: the graph has a cycle through layer '${node.layer.name}'`);
      if (node.layer instanceof InputLayer && !inputNodes.has(node)) {
        throw new RangeError(
          `${this.name}: an output depends on input '${node.layer.name}', which is not among the model's inputs (${this.inputs.map((t) => `'${t.name}'`).join(', ')})`,
        );
      }
      if ((depth.get(node) ?? -1) >= d && state.get(node) === 'done') return;
      depth.set(node, Math.max(d, depth.get(node) ?? 0));
      state.set(node, 'visiting');
      for (const t of node.inputs) visit(t.node, d + 1);
      state.set(node, 'done');
    };
    for (const t of this.outputs) visit(t.node, 0);
    const rest = [...depth.keys()].filter((n) => !inputNodes.has(n));
    rest.sort((a, b) => (depth.get(b) as number) - (depth.get(a) as number) || a.serial - b.serial);
    return [...this.inputs.map((t) => t.node), ...rest];
  }

  private orderLayers(): Layer[] {
    const seen = new Set<Layer>();
    const out: Layer[] = [];
    for (const n of this.nodes) {
      if (seen.has(n.layer)) continue;
      seen.add(n.layer);
      out.push(n.layer);
    }
    return out;
  }

  /** The nodes that read `t`. */
  readers(t: SymbolicTensor): LayerNode[] {
    return this.nodes.filter((n) => n.inputs.includes(t));
  }

  private resolveDtype(t: SymbolicTensor): DType {
    const readers = this.readers(t);
    const embeddings = readers.filter((n) => n.layer.tokenVocabulary !== undefined).length;
    if (t.dtype !== undefined) return t.dtype;
    if (embeddings === 0) return 'float32';
    if (embeddings === readers.length) return 'int32';
    throw new RangeError(
      `${this.name}: input '${t.name}' is read by an Embedding and by other layers: give it dtype 'int32' (token ids) or 'float32' in input({ dtype })`,
    );
  }

  /** Per-sample shapes of the outputs for these concrete per-sample input shapes (a batch's). */
  outputShapesFor(inputShapes: readonly number[][]): number[][] {
    const types = new Map<SymbolicTensor, TensorType>();
    this.inputs.forEach((t, i) => types.set(t, { shape: inputShapes[i], dtype: this.inputDtypes[i] }));
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const out = node.layer.outputTypes(node.inputs.map((t) => types.get(t) as TensorType), node.call);
      node.outputs.forEach((t, i) => types.set(t, out[i]));
    }
    return this.outputs.map((t) => {
      const s = (types.get(t) as TensorType).shape;
      if (s.some((d) => d === null)) throw new Error(`internal: output ${t.name} has shape ${formatShape(s)} for a concrete input`);
      return s as number[];
    });
  }

  /** Where a node sits among the model's nodes of its layer (Keras's node_index within the model). */
  nodeIndex(node: LayerNode): number {
    return this.nodes.filter((n) => n.layer === node.layer).indexOf(node);
  }

  /** The native graph. */
  toSpec(seed: number, mixedPrecision: MixedPrecisionPolicy = 'float32'): GraphSpec {
    const ids = new Map<SymbolicTensor, number>();
    this.inputs.forEach((t, i) => ids.set(t, i));
    const layers = this.weightLayers;
    const layerIndex = new Map(layers.map((l, i) => [l, i]));
    let next = this.inputs.length;
    const nodes: NodeSpec[] = [];
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const inputs = node.inputs.map((t) => ids.get(t) as number);
      const outputs = node.outputs.map((t) => {
        ids.set(t, next);
        return next++;
      });
      const call = node.layer.nodeSpecCall(node.call);
      nodes.push({ layer: layerIndex.get(node.layer) as number, inputs, outputs, ...(call ? { call } : {}) });
    }
    return {
      inputs: this.inputs.map((t, i) => ({ name: t.name, shape: [...t.shape], dtype: this.inputDtypes[i] })),
      layers: layers.map((l) => l.toSpec()),
      nodes,
      outputs: this.outputs.map((t) => ids.get(t) as number),
      seed,
      mixedPrecision,
    };
  }
}

/** The per-sample shape of a tensor as Keras prints it, with the batch axis: (None, 20, 8). */
export function batchShape(shape: Shape): string {
  return formatShape([null, ...shape]);
}
