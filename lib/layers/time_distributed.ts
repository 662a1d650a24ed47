// TimeDistributed(Dense): Dense applied to every time step, [T, F] -> [T, units]. The native
// graph's Dense already acts on the last axis, so this is a Dense spec on 3-D input.
import type { LayerSpec } from '../graph_spec';
import { Shape } from '../tensor';
import { Dense } from './dense';
import { Layer, LayerConfig, WeightInfo } from './layer';

export interface TimeDistributedConfig extends Omit<LayerConfig, 'trainable'> {
  /** The wrapped layer; Dense is the one supported. */
  layer: Dense;
}

export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  readonly layer: Dense;

  constructor(config: TimeDistributedConfig) {
    super({ ...config, trainable: config.layer?.trainable, inputShape: config.inputShape ?? config.layer?.inputShape }, 'time_distributed');
    if (!(config.layer instanceof Dense)) {
      throw this.error('layer must be a Dense layer (layers.dense); other wrapped layers are not supported');
    }
    this.layer = config.layer;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.requireInputRank(inputShape, 2, 'batch, steps, features');
    return this.layer.computeOutputShape(inputShape);
  }

  override weights(inputShape: Shape): WeightInfo[] {
    this.computeOutputShape(inputShape);
    return this.layer.weights(inputShape);
  }

  toSpec(inputShape: Shape): LayerSpec {
    return this.layer.toSpec(inputShape, this.name);
  }
}

export function timeDistributed(config: TimeDistributedConfig): TimeDistributed {
  return new TimeDistributed(config);
}
