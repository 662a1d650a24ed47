// A model's native side: the NativeModel its Backend made from the model's graph, kept in
// step with the layers' weights. Layers remember whose copy of their weights is current
// (LayerWeightState): before a native call the runtime pulls every stale layer's values
// (from TypeScript, or from another model sharing the layer: an encoder model made from a
// training model's layers sees the trained weights); after a training step it becomes
// the holder of the current values of the layers it trains.
import type { CompileSpec, NativeModel, OptimizerState } from '../graph_spec';
import type { Layer, WeightInfo } from '../layers/layer';
import type { WeightOwner } from '../layers/layer_weight_state';
import { deriveSeed, SeededRandom } from '../random';
import { shapeSize } from '../tensor';
import type { ModelGraph } from './model_graph';
import type { Backend } from './native_model';
import type { MixedPrecisionPolicy } from '../mixed_precision';
import { Pacer } from './event_loop_pieces';

export class NativeRuntime implements WeightOwner {
  private readonly layers: Layer[];
  /** How many weights each layer has (in `layers` order). */
  private readonly counts: number[];
  /** The layers a training step changes. */
  private readonly trainedLayers: Layer[];
  /** The weight-state version of each layer that the native copy holds. */
  private readonly synced = new Map<Layer, number>();
  private disposed = false;

  private constructor(
    readonly graph: ModelGraph,
    private readonly native: NativeModel,
  ) {
    this.layers = graph.weightLayers;
    this.counts = this.layers.map((l) => l.weights().length);
    this.trainedLayers = this.layers.filter((l, i) => l.trainable && this.counts[i] > 0);
  }

  /**
   * The native model of `graph` (compiled with `compile` when given), its memory allocated
   * off the main thread and every layer's current weights written into it piece by piece.
   */
  static async create(graph: ModelGraph, backend: Backend, seed: number, mixedPrecision: MixedPrecisionPolicy, compile?: CompileSpec): Promise<NativeRuntime> {
    const runtime = new NativeRuntime(graph, await backend.createModel(graph.toSpec(seed, mixedPrecision), compile));
    try {
      await runtime.writeStaleWeights();
    } catch (e) {
      runtime.release();
      throw e;
    }
    return runtime;
  }

  private staleLayers(): Layer[] {
    return this.layers.filter((l) => this.synced.get(l) !== l.weightState.version);
  }

  /** Writes every stale layer's current weights piece by piece (current() catches any that change meanwhile). */
  private async writeStaleWeights(): Promise<void> {
    const pacer = new Pacer();
    for (const [i, layer] of this.layers.entries()) {
      const version = layer.weightState.version;
      if (this.synced.get(layer) === version) continue;
      const values = layer.weightState.current(layer);
      if (!values) throw new Error(`internal: layer '${layer.name}' has no weights`);
      const first = this.firstWeight(i);
      for (const [j, v] of values.entries()) {
        await pacer.each(v.length, (start, end) => this.native.writeValues('weight', first + j, start, v.subarray(start, end)));
      }
      this.synced.set(layer, version);
    }
  }

  /** The getWeights index of layer i's first weight. */
  private firstWeight(i: number): number {
    return this.counts.slice(0, i).reduce((a, b) => a + b, 0);
  }

  private layerIndex(layer: object): number {
    const at = this.layers.indexOf(layer as Layer);
    if (at < 0) throw new Error(`internal: layer is not in model ${this.graph.name}`);
    return at;
  }

  /** The NativeModel, with every layer's current weights in place. */
  current(): NativeModel {
    if (this.disposed) throw new Error(`${this.graph.name}: the model was disposed`);
    const stale = this.staleLayers();
    if (stale.length > 0) {
      const mine = stale.length === this.layers.length ? [] : this.native.getWeights();
      const out: Float32Array[] = [];
      let k = 0;
      for (const [i, layer] of this.layers.entries()) {
        const n = this.counts[i];
        if (stale.includes(layer)) {
          const values = layer.weightState.current(layer);
          if (!values) throw new Error(`internal: layer '${layer.name}' has no weights`);
          out.push(...values);
        } else {
          out.push(...mine.slice(k, k + n));
        }
        k += n;
      }
      this.native.setWeights(out);
      for (const layer of stale) this.synced.set(layer, layer.weightState.version);
    }
    return this.native;
  }

  /** After a step that changed the weights: this copy is the current one of every trainable layer. */
  trained(): void {
    for (const layer of this.trainedLayers) {
      layer.weightState.changedBy(this);
      this.synced.set(layer, layer.weightState.version);
    }
  }

  readLayerWeights(layer: object): Float32Array[] {
    const at = this.layerIndex(layer);
    const first = this.firstWeight(at);
    return (layer as Layer).weights().map((info, j) => {
      const out = new Float32Array(shapeSize(info.shape));
      this.native.readValues('weight', first + j, 0, out);
      return out;
    });
  }

  async readLayerWeightsInPieces(layer: object, pacer: Pacer): Promise<Float32Array[]> {
    const at = this.layerIndex(layer);
    const first = this.firstWeight(at);
    const out: Float32Array[] = [];
    for (const [j, info] of (layer as Layer).weights().entries()) {
      const values = new Float32Array(shapeSize(info.shape));
      await pacer.each(values.length, (start, end) => this.native.readValues('weight', first + j, start, values.subarray(start, end)));
      out.push(values);
    }
    return out;
  }

  /** All weights in the model's order (current values). */
  getWeights(): Float32Array[] {
    return this.current().getWeights();
  }

  /** Hands the weights this copy holds back to their layers (before the native model goes away). */
  release(): void {
    if (this.disposed) return;
    for (const l of this.layers) if (l.weightState.owner === this) l.weightState.takeBack(this.readLayerWeights(l));
    this.native.dispose();
    this.disposed = true;
  }

  compile(spec: CompileSpec): void {
    this.native.compile(spec);
  }

  getOptimizerState(): OptimizerState {
    return this.native.getOptimizerState();
  }

  setOptimizerState(state: OptimizerState): void {
    this.native.setOptimizerState(state);
  }

  /** As getOptimizerState, the slots read piece by piece into new arrays. */
  async optimizerStateInPieces(): Promise<OptimizerState> {
    const pacer = new Pacer();
    const { step, iterations } = this.native.optimizerCounters();
    const slots: Float32Array[] = [];
    for (const [i, size] of this.native.slotSizes().entries()) {
      const slot = new Float32Array(size);
      await pacer.each(size, (start, end) => this.native.readValues('slot', i, start, slot.subarray(start, end)));
      slots.push(slot);
    }
    return { step, iterations, slots };
  }

  /** As setOptimizerState, the slots written piece by piece (the counters last). */
  async setOptimizerStateInPieces(state: OptimizerState): Promise<void> {
    const sizes = this.native.slotSizes();
    const op = `${this.graph.name}: setOptimizerState`;
    if (state.slots.length !== sizes.length) throw new RangeError(`${op}: the model's optimizer has ${sizes.length} slots (2 per weight), received ${state.slots.length}`);
    state.slots.forEach((slot, i) => {
      if (slot.length !== sizes[i]) throw new RangeError(`${op}: slot ${i % 2} of weight ${Math.floor(i / 2)}: expected ${sizes[i]} values, received ${slot.length}`);
    });
    const pacer = new Pacer();
    for (const [i, slot] of state.slots.entries()) await pacer.each(slot.length, (start, end) => this.native.writeValues('slot', i, start, slot.subarray(start, end)));
    this.native.setOptimizerCounters({ step: state.step, iterations: state.iterations });
  }
}

/**
 * Gives every layer without weight values its initial ones, drawn from the model's seed
 * and the layer's position (layer i of the model draws from deriveSeed(seed, i + 1)).
 */
export function initializeWeights(layers: readonly Layer[], seed: number): void {
  layers.forEach((layer, i) => {
    const infos = layer.weights();
    if (layer.weightState.values || layer.weightState.owner) return;
    const random = new SeededRandom(deriveSeed(seed, i + 1));
    layer.weightState.setValues(infos.map((w) => w.init(random)));
  });
}

/** The weights of `layers` with their layer, in the model's order. */
export function weightInfos(layers: readonly Layer[]): { layer: Layer; info: WeightInfo }[] {
  return layers.flatMap((layer) => layer.weights().map((info) => ({ layer, info })));
}

export function countParams(layers: readonly Layer[]): number {
  return weightInfos(layers).reduce((n, w) => n + shapeSize(w.info.shape), 0);
}
