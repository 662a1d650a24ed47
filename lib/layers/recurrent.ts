// What SimpleRNN, LSTM and GRU share: the Keras recurrent-layer options, input [T, F] ->
// output [T, H] (returnSequences) or [H], and weights kernel [F, G*H], recurrent_kernel
// [H, G*H], bias [G*H] (G gates: 1, 4 or 3).
import type { RecurrentActivation, RecurrentSpec, Regularizer } from '../graph_spec';
import { glorotUniform, Initializer, InitializerLike, orthogonal, zeros } from '../initializers';
import { SeededRandom } from '../random';
import { Shape } from '../tensor';
import { Layer, LayerConfig, weight, WeightInfo } from './layer';

export type ActivationName = RecurrentActivation | 'hard_sigmoid';

export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['linear', 'tanh', 'sigmoid', 'relu', 'hardSigmoid'];

export interface RecurrentLayerConfig extends LayerConfig {
  units: number;
  /** Default 'tanh'. */
  activation?: ActivationName;
  useBias?: boolean;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerLike;
  /** Default orthogonal. */
  recurrentInitializer?: InitializerLike;
  /** Default zeros. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** Fraction of input units dropped in training (one mask per sequence). */
  dropout?: number;
  /** Fraction of recurrent state units dropped in training (one mask per sequence). */
  recurrentDropout?: number;
  /** Output every step [T, H] instead of the last [H] (default false). */
  returnSequences?: boolean;
  /** Also return the final states (functional API; a Sequential model passes on only the output). */
  returnState?: boolean;
  /** Process the sequence in reverse (default false). */
  goBackwards?: boolean;
  /** Carry the final states into the next batch until resetStates() (default false). */
  stateful?: boolean;
}

export interface GatedLayerConfig extends RecurrentLayerConfig {
  /** Activation of the gates (default 'sigmoid'). */
  recurrentActivation?: ActivationName;
}

export abstract class RecurrentLayer extends Layer {
  abstract readonly cell: RecurrentSpec['cell'];
  /** Gate blocks in the kernels: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  abstract readonly gates: number;
  readonly units: number;
  readonly activation: RecurrentActivation;
  readonly recurrentActivation: RecurrentActivation;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | undefined;
  readonly recurrentRegularizer: Regularizer | undefined;
  readonly biasRegularizer: Regularizer | undefined;

  protected constructor(protected readonly config: GatedLayerConfig, kind: string) {
    super(config, kind);
    this.units = this.positiveInt('units', config.units);
    this.activation = this.oneOf('activation', config.activation, RECURRENT_ACTIVATIONS, 'tanh');
    this.recurrentActivation = this.oneOf('recurrentActivation', config.recurrentActivation, RECURRENT_ACTIVATIONS, 'sigmoid');
    this.useBias = this.flag('useBias', config.useBias, true);
    this.dropout = this.fraction('dropout', config.dropout, true);
    this.recurrentDropout = this.fraction('recurrentDropout', config.recurrentDropout, true);
    this.returnSequences = this.flag('returnSequences', config.returnSequences, false);
    this.returnState = this.flag('returnState', config.returnState, false);
    this.goBackwards = this.flag('goBackwards', config.goBackwards, false);
    this.stateful = this.flag('stateful', config.stateful, false);
    this.kernelInitializer = this.initializer('kernelInitializer', config.kernelInitializer, () => glorotUniform());
    this.recurrentInitializer = this.initializer('recurrentInitializer', config.recurrentInitializer, () => orthogonal());
    this.biasInitializer = this.initializer('biasInitializer', config.biasInitializer, () => zeros());
    this.kernelRegularizer = this.regularizer('kernelRegularizer', config.kernelRegularizer);
    this.recurrentRegularizer = this.regularizer('recurrentRegularizer', config.recurrentRegularizer);
    this.biasRegularizer = this.regularizer('biasRegularizer', config.biasRegularizer);
  }

  /** A layer like this one with some options changed (Bidirectional's backward copy). */
  abstract withOptions(changes: Partial<GatedLayerConfig>): RecurrentLayer;

  computeOutputShape(inputShape: Shape): Shape {
    this.requireInputRank(inputShape, 2, 'batch, steps, features');
    this.knownLastAxis(inputShape);
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInit(random: SeededRandom, shape: number[]): Float32Array {
    return this.biasInitializer.generate(shape, random);
  }

  override weights(inputShape: Shape): WeightInfo[] {
    this.computeOutputShape(inputShape);
    const features = this.knownLastAxis(inputShape);
    const gh = this.gates * this.units;
    const out = [
      weight('kernel', [features, gh], this.trainable, this.kernelInitializer),
      weight('recurrent_kernel', [this.units, gh], this.trainable, this.recurrentInitializer),
    ];
    if (this.useBias) {
      const shape = this.biasShape();
      out.push({ name: 'bias', shape, trainable: this.trainable, init: (random) => this.biasInit(random, shape) });
    }
    return out;
  }

  protected resetAfterFlag(): boolean {
    return false;
  }

  toSpec(): RecurrentSpec {
    return {
      kind: 'rnn',
      name: this.name,
      cell: this.cell,
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      resetAfter: this.resetAfterFlag(),
      peephole: false,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      stateful: this.stateful,
      trainable: this.trainable,
      ...(this.kernelRegularizer ? { kernelRegularizer: this.kernelRegularizer } : {}),
      ...(this.recurrentRegularizer ? { recurrentRegularizer: this.recurrentRegularizer } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: this.biasRegularizer } : {}),
    };
  }
}
