// What SimpleRNN, LSTM and GRU share: the Keras recurrent-layer options, input [T, F] ->
// output [T, H] (returnSequences) or [H], optional initial states in (Keras initial_state)
// and final states out (returnState), and weights kernel [F, G*H], recurrent_kernel
// [H, G*H], bias [G*H] (G gates: 1, 4 or 3).
import type { RecurrentActivation, RecurrentSpec, Regularizer } from '../graph_spec';
import { glorotUniform, Initializer, orthogonal, zeros } from '../initializers';
import type { InitializerLike } from '../initializers';
import type { SymbolicTensor } from '../models/symbolic_tensor';
import { biasFromTorch, kernelFromTorch } from '../io/gate_layout';
import { required, TorchModule } from '../io/torch_module';
import { SeededRandom } from '../random';
import { formatShape } from '../tensor';
import { boolean, fraction, initializer, oneOf, option, OptionTable, positiveInt, regularizer, REQUIRED } from './declaration';
import { ApplyOptions, Layer, LayerConfig, TensorType, toSymbolicList, weight, WeightInfo } from './layer';

export type ActivationName = RecurrentActivation | 'hard_sigmoid';

export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['linear', 'tanh', 'sigmoid', 'relu', 'hardSigmoid'];

/** An activation of a recurrent layer; Keras's snake_case and None spellings are accepted. */
export const recurrentActivation = oneOf(RECURRENT_ACTIVATIONS, { hard_sigmoid: 'hardSigmoid', None: 'linear' }, { hardSigmoid: 'hard_sigmoid' });

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
  /** Also return the final states: apply() gives [output, h] ([output, h, c] for LSTM) (default false). */
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

/** The options SimpleRNN, LSTM and GRU share. */
export const RECURRENT_OPTIONS = {
  units: option(positiveInt, REQUIRED, { native: true }),
  activation: option(recurrentActivation, 'tanh', { native: true }),
  useBias: option(boolean, true, { native: true }),
  kernelInitializer: option(initializer, () => glorotUniform()),
  recurrentInitializer: option(initializer, () => orthogonal()),
  biasInitializer: option(initializer, () => zeros()),
  kernelRegularizer: option(regularizer, undefined, { native: true }),
  recurrentRegularizer: option(regularizer, undefined, { native: true }),
  biasRegularizer: option(regularizer, undefined, { native: true }),
  dropout: option(fraction, 0, { native: true }),
  recurrentDropout: option(fraction, 0, { native: true }),
  returnSequences: option(boolean, false, { native: true }),
  returnState: option(boolean, false, { native: true }),
  goBackwards: option(boolean, false, { native: true }),
  stateful: option(boolean, false, { native: true }),
} satisfies OptionTable;

/** LSTM's and GRU's: the gates' activation too. */
export const GATED_OPTIONS = {
  ...RECURRENT_OPTIONS,
  recurrentActivation: option(recurrentActivation, 'sigmoid', { native: true }),
} satisfies OptionTable;

export abstract class RecurrentLayer extends Layer {
  abstract readonly cell: RecurrentSpec['cell'];
  /** Gate blocks in the kernels: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  abstract readonly gates: number;

  get units(): number {
    return this.options.units as number;
  }
  get activation(): RecurrentActivation {
    return this.options.activation as RecurrentActivation;
  }
  get recurrentActivation(): RecurrentActivation {
    return (this.options.recurrentActivation as RecurrentActivation | undefined) ?? 'sigmoid';
  }
  get useBias(): boolean {
    return this.options.useBias as boolean;
  }
  get dropout(): number {
    return this.options.dropout as number;
  }
  get recurrentDropout(): number {
    return this.options.recurrentDropout as number;
  }
  get returnSequences(): boolean {
    return this.options.returnSequences as boolean;
  }
  get returnState(): boolean {
    return this.options.returnState as boolean;
  }
  get goBackwards(): boolean {
    return this.options.goBackwards as boolean;
  }
  get stateful(): boolean {
    return this.options.stateful as boolean;
  }
  get kernelRegularizer(): Regularizer | undefined {
    return this.options.kernelRegularizer as Regularizer | undefined;
  }
  get recurrentRegularizer(): Regularizer | undefined {
    return this.options.recurrentRegularizer as Regularizer | undefined;
  }
  get biasRegularizer(): Regularizer | undefined {
    return this.options.biasRegularizer as Regularizer | undefined;
  }

  /** States a call carries: h, and c for LSTM. */
  get stateCount(): number {
    return this.cell === 'lstm' ? 2 : 1;
  }

  /** A layer like this one with some options changed (Bidirectional's two directions). */
  withOptions(changes: Partial<GatedLayerConfig>): RecurrentLayer {
    const Kind = this.constructor as new (config: object) => RecurrentLayer;
    return new Kind({ ...this.options, trainable: this.trainable, ...(this.inputShape ? { inputShape: this.inputShape } : {}), ...changes });
  }

  protected override callInputs(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions): SymbolicTensor[] {
    const { initialState, ...rest } = options ?? {};
    const list = super.callInputs(inputs, rest);
    if (initialState === undefined) return list;
    if (list.length > 1) throw this.error('apply: give the initial states either in the input list or as initialState, not both');
    return [...list, ...toSymbolicList(`${this.name}: initialState`, initialState)];
  }

  override outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkStates(inputs, this.stateCount);
    const x = inputs[0];
    this.requireRank(x, 2, 'batch, steps, features');
    this.requireFloat(x);
    this.knownLastAxis(x);
    const y: TensorType = { shape: this.returnSequences ? [x.shape[0], this.units] : [this.units], dtype: 'float32' };
    const states: TensorType[] = this.returnState ? Array.from({ length: this.stateCount }, () => ({ shape: [this.units], dtype: 'float32' as const })) : [];
    return [y, ...states];
  }

  /** Checks the initial-state inputs after the first: none, or `count` of shape [units]. */
  checkStates(inputs: readonly TensorType[], count: number): void {
    if (inputs.length !== 1 && inputs.length !== 1 + count) {
      throw this.error(`takes an input and optionally ${count} initial state${count === 1 ? '' : 's'} (${count === 2 ? '[h, c]' : 'h'}), received ${inputs.length} tensors`);
    }
    if (inputs.length > 1 && this.stateful) throw this.error('a stateful layer carries its own states: it takes no initial states');
    inputs.slice(1).forEach((s, i) => {
      if (s.shape.length !== 1 || s.shape[0] !== this.units) {
        throw this.error(`initial state ${i} must have shape ${formatShape([null, this.units])}, received ${formatShape([null, ...s.shape])}`);
      }
      this.requireFloat(s, i + 1);
    });
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInit(random: SeededRandom, shape: number[]): Float32Array {
    return (this.options.biasInitializer as Initializer).generate(shape, random);
  }

  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    const features = this.knownLastAxis(inputs[0]);
    const gh = this.gates * this.units;
    const out = [
      weight('kernel', [features, gh], this.trainable, this.options.kernelInitializer as Initializer),
      weight('recurrent_kernel', [this.units, gh], this.trainable, this.options.recurrentInitializer as Initializer),
    ];
    if (this.useBias) {
      const shape = this.biasShape();
      out.push({ name: 'bias', shape, trainable: this.trainable, init: (random) => this.biasInit(random, shape) });
    }
    return out;
  }

  /**
   * nn.RNN / nn.LSTM / nn.GRU, one level (and with `reverse` its _reverse direction):
   * weight_ih [G*H, F], weight_hh [G*H, H], bias_ih and bias_hh [G*H], gates reordered and
   * biases merged into Keras's layout (lib/io/gate_layout.ts).
   */
  override fromTorch(m: TorchModule, reverse = false): Float32Array[] {
    if (this.goBackwards && !reverse) throw new Error(`${m.where}: the layer has goBackwards; PyTorch has no such layer`);
    const H = this.units;
    const G = this.gates;
    const features = this.knownLastAxis(this.built[0]);
    const out = [
      kernelFromTorch(this.cell, required(m, 'weight_ih', [G * H, features], reverse), features, H),
      kernelFromTorch(this.cell, required(m, 'weight_hh', [G * H, H], reverse), H, H),
    ];
    const bih = m.take('bias_ih', [G * H], { optional: true, reverse });
    const bhh = m.take('bias_hh', [G * H], { optional: true, reverse });
    if (this.useBias) out.push(biasFromTorch(this.cell, bih ?? new Float32Array(G * H), bhh ?? new Float32Array(G * H), H));
    else if (bih || bhh) throw new Error(`${m.where}: the layer has useBias false, but the module has biases`);
    return out;
  }

  /** Keras 3 keeps a recurrent layer's variables under its cell. */
  override kerasVariableGroups(): { path: string; count: number }[] {
    return [{ path: 'cell', count: this.weights().length }];
  }

  toSpec(): RecurrentSpec {
    const spec = {
      kind: 'rnn' as const,
      name: this.name,
      cell: this.cell,
      recurrentActivation: 'sigmoid' as RecurrentActivation,
      resetAfter: false,
      peephole: false,
      trainable: this.trainable,
      ...this.nativeOptions(),
    };
    return spec as RecurrentSpec;
  }
}
