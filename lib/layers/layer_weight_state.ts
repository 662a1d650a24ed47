// Where a layer's current weights are. Models that share a layer (a training model and the
// encoder and decoder models made from its layers) each hold a copy in their native model;
// the layer remembers which copy is current: its own `values` (before any native model, or
// after setWeights), or the native model of the model that changed them last (`owner`).
// `version` counts the changes, so a model can tell whether its copy is stale.
import type { Pacer } from '../models/event_loop_pieces';

export interface WeightOwner {
  /** The layer's current values, read from the owner's native model. */
  readLayerWeights(layer: object): Float32Array[];
  /** The same, read piece by piece (the event loop runs between pieces). */
  readLayerWeightsInPieces(layer: object, pacer: Pacer): Promise<Float32Array[]>;
}

export class LayerWeightState {
  values: Float32Array[] | undefined;
  owner: WeightOwner | undefined;
  version = 0;

  /** New values set from TypeScript (setWeights, initialization, a loaded file). */
  setValues(values: Float32Array[]): void {
    this.values = values;
    this.owner = undefined;
    this.version++;
  }

  /** A model's native copy changed (a training step): it holds the current values now. */
  changedBy(owner: WeightOwner): void {
    this.values = undefined;
    this.owner = owner;
    this.version++;
  }

  /** The owner is going away: its current values come back here (the version stays: they are the same values). */
  takeBack(values: Float32Array[]): void {
    this.values = values;
    this.owner = undefined;
  }

  /** The current values (read from the owner when it holds them), or undefined before initialization. */
  current(layer: object): Float32Array[] | undefined {
    if (this.owner) return this.owner.readLayerWeights(layer);
    return this.values;
  }

  /** New arrays holding the current values, copied piece by piece (for a save: its writer takes them). */
  async copyInPieces(layer: object, pacer: Pacer): Promise<Float32Array[] | undefined> {
    if (this.owner) return this.owner.readLayerWeightsInPieces(layer, pacer);
    if (!this.values) return undefined;
    const out: Float32Array[] = [];
    for (const v of this.values) out.push(await pacer.copy(v));
    return out;
  }
}
