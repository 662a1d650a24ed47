// Bidirectional: a recurrent layer run forward and a copy run backward over the same
// input, outputs merged (or both returned with mergeMode null). With returnState the
// final states follow the output: the forward layer's h (c), then the backward layer's.
import type { LayerSpec } from '../graph_spec';
import type { SymbolicTensor } from '../models/symbolic_tensor';
import type { TorchModule } from '../io/torch_module';
import { describe } from '../options';
import { oneOf, option, OptionTable } from './declaration';
import { ApplyOptions, Layer, LayerConfig, LayerKindDeclaration, TensorType, toSymbolicList, WeightInfo } from './layer';
import { RecurrentLayer } from './recurrent';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalConfig extends LayerConfig {
  /** The forward layer (SimpleRNN, LSTM or GRU); its backward twin is made with goBackwards flipped. */
  layer: RecurrentLayer;
  /** How the two outputs combine (default 'concat'); null or 'none' returns both. */
  mergeMode?: MergeMode | 'none' | null;
}

const MERGE_MODE = oneOf<MergeMode | 'none'>(['concat', 'sum', 'mul', 'ave', 'none']);

export const BIDIRECTIONAL: LayerKindDeclaration = {
  className: 'Bidirectional',
  baseName: 'bidirectional',
  options: {
    mergeMode: option({ ...MERGE_MODE, check: (v) => (v === null ? 'none' : MERGE_MODE.check(v)), toJson: (v) => (v === 'none' ? null : v) }, 'concat'),
  } satisfies OptionTable,
  extraKeys: ['layer'],
};

export class Bidirectional extends Layer {
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;

  constructor(config: BidirectionalConfig) {
    const inner = config !== null && typeof config === 'object' ? config.layer : undefined;
    super(BIDIRECTIONAL, inner && config.inputShape === undefined && inner.inputShape ? { ...config, inputShape: inner.inputShape } : config);
    if (!(inner instanceof RecurrentLayer)) {
      throw this.error(`layer must be a recurrent layer (layers.simpleRNN, layers.lstm or layers.gru), received ${describe(inner)}`);
    }
    const trainable = this.trainable && inner.trainable;
    this.forwardLayer = inner.withOptions({ name: `forward_${inner.name}`, trainable });
    this.backwardLayer = inner.withOptions({ name: `backward_${inner.name}`, goBackwards: !inner.goBackwards, trainable });
  }

  /** null: the two directions are separate outputs. */
  get mergeMode(): MergeMode | null {
    const m = this.options.mergeMode as MergeMode | 'none';
    return m === 'none' ? null : m;
  }

  protected override callInputs(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions): SymbolicTensor[] {
    const { initialState, ...rest } = options ?? {};
    const list = super.callInputs(inputs, rest);
    if (initialState === undefined) return list;
    if (list.length > 1) throw this.error('apply: give the initial states either in the input list or as initialState, not both');
    return [...list, ...toSymbolicList(`${this.name}: initialState`, initialState)];
  }

  outputTypes(inputs: TensorType[]): TensorType[] {
    const f = this.forwardLayer;
    f.checkStates(inputs, 2 * f.stateCount);
    const [y, ...states] = f.outputTypes([inputs[0]]);
    const last = y.shape[y.shape.length - 1] as number;
    const merged: TensorType[] = this.mergeMode === null ? [y, { ...y }] : [{ shape: [...y.shape.slice(0, -1), this.mergeMode === 'concat' ? 2 * last : last], dtype: 'float32' }];
    return [...merged, ...states, ...states.map((s) => ({ ...s }))];
  }

  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    const named = (l: RecurrentLayer) => l.weightsFor([inputs[0]]).map((w) => ({ ...w, name: `${l.name}/${w.name}` }));
    return [...named(this.forwardLayer), ...named(this.backwardLayer)];
  }

  /** A bidirectional nn.LSTM / nn.GRU / nn.RNN level: the forward tensors, then the _reverse ones. */
  override fromTorch(m: TorchModule): Float32Array[] {
    for (const l of [this.forwardLayer, this.backwardLayer]) if (!l.isBuilt) l.build(this.built);
    return [...this.forwardLayer.fromTorch(m, false), ...this.backwardLayer.fromTorch(m, true)];
  }

  override kerasVariableGroups(): { path: string; count: number }[] {
    const n = this.forwardLayer.weightsFor(this.built.slice(0, 1)).length;
    return [{ path: 'forward_layer/cell', count: n }, { path: 'backward_layer/cell', count: n }];
  }

  toSpec(): LayerSpec {
    return { kind: 'bidirectional', name: this.name, mergeMode: this.mergeMode, forward: this.forwardLayer.toSpec(), backward: this.backwardLayer.toSpec() };
  }

  override getConfig(): Record<string, unknown> {
    const inner = this.forwardLayer;
    const layer = { class_name: inner.className, config: { ...inner.getConfig(), name: inner.name.replace(/^forward_/, '') } };
    return { name: this.name, trainable: this.trainable, layer, merge_mode: this.mergeMode };
  }
}

export function bidirectional(config: BidirectionalConfig): Bidirectional {
  return new Bidirectional(config);
}
