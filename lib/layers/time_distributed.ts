// TimeDistributed(Dense): Dense applied to every time step, [T, F] -> [T, units]. The native
// graph's Dense already acts on the last axis, so this is a Dense spec on [T, F] input.
import type { LayerSpec } from '../graph_spec';
import type { TorchModule } from '../io/torch_module';
import { describe } from '../options';
import { Dense } from './dense';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType, WeightInfo } from './layer';

export interface TimeDistributedConfig extends Omit<LayerConfig, 'trainable'> {
  /** The wrapped layer; Dense is the one supported. */
  layer: Dense;
}

export const TIME_DISTRIBUTED: LayerKindDeclaration = { className: 'TimeDistributed', baseName: 'time_distributed', options: {}, extraKeys: ['layer'] };

export class TimeDistributed extends Layer {
  readonly layer: Dense;

  constructor(config: TimeDistributedConfig) {
    const inner = config !== null && typeof config === 'object' ? config.layer : undefined;
    super(TIME_DISTRIBUTED, inner instanceof Dense ? { ...config, trainable: inner.trainable, inputShape: config.inputShape ?? inner.inputShape } : config);
    if (!(inner instanceof Dense)) throw this.error(`layer must be a Dense layer (layers.dense); other wrapped layers are not supported, received ${describe(inner)}`);
    this.layer = inner;
  }

  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireRank(inputs[0], 2, 'batch, steps, features');
    return this.layer.outputTypes(inputs);
  }

  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    return this.layer.weightsFor(inputs);
  }

  toSpec(): LayerSpec {
    return this.layer.toSpec(this.name);
  }

  override kerasVariableGroups(): { path: string; count: number }[] {
    return [{ path: 'layer', count: this.weights().length }];
  }

  override fromTorch(m: TorchModule): Float32Array[] {
    if (!this.layer.isBuilt) this.layer.build(this.built);
    return this.layer.fromTorch(m);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, layer: { class_name: 'Dense', config: this.layer.getConfig() } };
  }
}

export function timeDistributed(config: TimeDistributedConfig): TimeDistributed {
  return new TimeDistributed(config);
}
