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

export class NativeRuntime implements WeightOwner {
  private readonly native: NativeModel;
  private readonly layers: Layer[];
  /** How many weights each layer has (in `layers` order). */
  private readonly counts: number[];
  /** The layers a training step changes. */
  private readonly trainedLayers: Layer[];
  /** The weight-state version of each layer that the native copy holds. */
  private readonly synced = new Map<Layer, number>();
  private disposed = false;

  constructor(
    readonly graph: ModelGraph,
    backend: Backend,
    seed: number,
    mixedPrecision: MixedPrecisionPolicy,
  ) {
    this.layers = graph.weightLayers;
    this.counts = this.layers.map((l) => l.weights().length);
    this.trainedLayers = this.layers.filter((l, i) => l.trainable && this.counts[i] > 0);
    this.native = backend.createModel(graph.toSpec(seed, mixedPrecision));
  }

  /** The NativeModel, with every layer's current weights in place. */
  current(): NativeModel {
    if (this.disposed) throw new Error(`${this.graph.name}: the model was disposed`);
    const stale = this.layers.filter((l) => this.synced.get(l) !== l.weightState.version);
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
    const at = this.layers.indexOf(layer as Layer);
    if (at < 0) throw new Error(`internal: layer is not in model ${this.graph.name}`);
    const start = this.counts.slice(0, at).reduce((a, b) => a + b, 0);
    return this.native.getWeights().slice(start, start + this.counts[at]);
  }

  /** All weights in the model's order (current values). */
  getWeights(): Float32Array[] {
    return this.current().getWeights();
  }

  /** Hands the weights this copy holds back to their layers (before the native model goes away). */
  release(): void {
    if (this.disposed) return;
    const all = this.native.getWeights();
    let k = 0;
    for (const [i, l] of this.layers.entries()) {
      if (l.weightState.owner === this) l.weightState.takeBack(all.slice(k, k + this.counts[i]));
      k += this.counts[i];
    }
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
