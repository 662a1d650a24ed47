// Dense: y = activation(x W + b) on the last axis ([..., F] -> [..., units]; on [T, F] it is
// Keras's TimeDistributed(Dense)). The mask of a sequence passes through.
import type { DenseActivation, LayerSpec, Regularizer } from '../graph_spec';
import { glorotUniform, Initializer, InitializerLike, zeros } from '../initializers';
import { transpose } from '../io/gate_layout';
import { required, TorchModule } from '../io/torch_module';
import { boolean, initializer, oneOf, option, OptionTable, positiveInt, regularizer, REQUIRED } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType, weight, WeightInfo } from './layer';
import { unitsShorthand } from './simple_rnn';

export const DENSE_ACTIVATIONS: readonly DenseActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

export interface DenseConfig extends LayerConfig {
  units: number;
  /** Default 'linear'. */
  activation?: DenseActivation;
  useBias?: boolean;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerLike;
  /** Default zeros. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export const DENSE_OPTIONS = {
  units: option(positiveInt, REQUIRED, { native: true }),
  activation: option(oneOf(DENSE_ACTIVATIONS, { None: 'linear' }), 'linear', { native: true }),
  useBias: option(boolean, true, { native: true }),
  kernelInitializer: option(initializer, () => glorotUniform()),
  biasInitializer: option(initializer, () => zeros()),
  kernelRegularizer: option(regularizer, undefined, { native: true }),
  biasRegularizer: option(regularizer, undefined, { native: true }),
} satisfies OptionTable;

export const DENSE: LayerKindDeclaration = { className: 'Dense', baseName: 'dense', options: DENSE_OPTIONS };

export class Dense extends Layer {
  constructor(config: DenseConfig) {
    super(DENSE, unitsShorthand(config));
  }
  get units(): number {
    return this.options.units as number;
  }
  get activation(): DenseActivation {
    return this.options.activation as DenseActivation;
  }
  get useBias(): boolean {
    return this.options.useBias as boolean;
  }

  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    const x = inputs[0];
    if (x.shape.length < 1) throw this.error('expected input of rank 2 or more (batch, ..., features)');
    this.requireFloat(x);
    this.knownLastAxis(x);
    return [{ shape: [...x.shape.slice(0, -1), this.units], dtype: 'float32' }];
  }

  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    const features = this.knownLastAxis(inputs[0]);
    const out = [weight('kernel', [features, this.units], this.trainable, this.options.kernelInitializer as Initializer)];
    if (this.useBias) out.push(weight('bias', [this.units], this.trainable, this.options.biasInitializer as Initializer));
    return out;
  }

  /** nn.Linear: weight [units, F] (transposed to Keras's kernel [F, units]), bias [units]. */
  override fromTorch(m: TorchModule): Float32Array[] {
    const features = this.weights()[0].shape[0];
    const out = [transpose(required(m, 'weight', [this.units, features]), this.units, features)];
    const bias = m.take('bias', [this.units], { optional: true });
    if (this.useBias) out.push(bias ?? new Float32Array(this.units));
    else if (bias) throw new Error(`${m.where}: the layer has useBias false, but the module has a bias`);
    return out;
  }

  /** The spec under `name` (TimeDistributed uses it under its own name). */
  toSpec(name: string = this.name): LayerSpec {
    return { kind: 'dense', name, trainable: this.trainable, ...this.nativeOptions() } as LayerSpec;
  }
}

export function dense(config: DenseConfig | number): Dense {
  return new Dense(unitsShorthand(config) as DenseConfig);
}
