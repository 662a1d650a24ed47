// Dense: y = activation(x W + b) on the last axis ([F] -> [units], or [T, F] -> [T, units]).
import type { DenseActivation, LayerSpec, Regularizer } from '../graph_spec';
import { glorotUniform, Initializer, InitializerLike, zeros } from '../initializers';
import { Shape } from '../tensor';
import { Layer, LayerConfig, weight, WeightInfo } from './layer';

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

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: DenseActivation;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;

  constructor(config: DenseConfig) {
    super(config, 'dense');
    this.units = this.positiveInt('units', config.units);
    this.activation = this.oneOf('activation', config.activation, DENSE_ACTIVATIONS, 'linear');
    this.useBias = this.flag('useBias', config.useBias, true);
    this.kernelInitializer = this.initializer('kernelInitializer', config.kernelInitializer, () => glorotUniform());
    this.biasInitializer = this.initializer('biasInitializer', config.biasInitializer, () => zeros());
    this.kernelRegularizer = this.regularizer('kernelRegularizer', config.kernelRegularizer);
    this.biasRegularizer = this.regularizer('biasRegularizer', config.biasRegularizer);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1 && inputShape.length !== 2) {
      throw this.error(`expected input of rank 2 or 3 (batch, [steps,] features), received input shape (None, ${inputShape.map(String).join(', ')})`);
    }
    this.knownLastAxis(inputShape);
    return [...inputShape.slice(0, -1), this.units];
  }

  override weights(inputShape: Shape): WeightInfo[] {
    this.computeOutputShape(inputShape);
    const features = this.knownLastAxis(inputShape);
    const out = [weight('kernel', [features, this.units], this.trainable, this.kernelInitializer)];
    if (this.useBias) out.push(weight('bias', [this.units], this.trainable, this.biasInitializer));
    return out;
  }

  /** The spec under `name` (TimeDistributed reuses it under its own name). */
  toSpec(_inputShape?: Shape, name: string = this.name): LayerSpec {
    return {
      kind: 'dense',
      name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      trainable: this.trainable,
      ...(this.kernelRegularizer ? { kernelRegularizer: this.kernelRegularizer } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: this.biasRegularizer } : {}),
    };
  }
}

export function dense(config: DenseConfig): Dense {
  return new Dense(config);
}
