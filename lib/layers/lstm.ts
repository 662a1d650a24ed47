// LSTM, Keras gate order i, f, c, o in the kernels' columns; optional peephole connections
// (Keras 2's PeepholeLSTMCell, TF1's use_peepholes): the gates i and f also see c_{t-1},
// o sees c_t, through three weight vectors of [units].
import type { RecurrentSpec } from '../graph_spec';
import type { Initializer } from '../initializers';
import type { TorchModule } from '../io/torch_module';
import { SeededRandom } from '../random';
import { boolean, option } from './declaration';
import { LayerJson, LayerKindDeclaration, TensorType, weight, WeightInfo } from './layer';
import { GATED_OPTIONS, GatedLayerConfig, RecurrentLayer } from './recurrent';
import { unitsShorthand } from './simple_rnn';

export interface LSTMConfig extends GatedLayerConfig {
  /** Start the forget-gate bias at 1 (Keras default true); needs useBias. */
  unitForgetBias?: boolean;
  /** Peephole connections (default false): weights input/forget/output_gate_peephole_weights [units], drawn by kernelInitializer. */
  peephole?: boolean;
}

export const LSTM_KIND: LayerKindDeclaration = {
  className: 'LSTM',
  baseName: 'lstm',
  options: {
    ...GATED_OPTIONS,
    unitForgetBias: option(boolean, true),
    // Keras has no peephole option on LSTM: such a layer is written as RNN(PeepholeLSTMCell) (lib/io/topology.ts).
    peephole: option(boolean, false, { native: true, keras: null }),
  },
};

/** The peephole weights, in the order the native op reads them as [3, units]. */
export const PEEPHOLE_WEIGHTS = ['input_gate_peephole_weights', 'forget_gate_peephole_weights', 'output_gate_peephole_weights'] as const;

export class LSTM extends RecurrentLayer {
  readonly cell = 'lstm';
  readonly gates = 4;
  constructor(config: LSTMConfig) {
    super(LSTM_KIND, unitsShorthand(config));
  }
  get unitForgetBias(): boolean {
    return this.options.unitForgetBias as boolean;
  }
  get peephole(): boolean {
    return this.options.peephole as boolean;
  }
  protected override biasInit(random: SeededRandom, shape: number[]): Float32Array {
    if (!this.unitForgetBias) return super.biasInit(random, shape);
    // Keras: concat(init([H]), ones([H]), init([2H])).
    const h = this.units;
    const init = this.options.biasInitializer as Initializer;
    const out = new Float32Array(4 * h);
    out.set(init.generate([h], random), 0);
    out.fill(1, h, 2 * h);
    out.set(init.generate([2 * h], random), 2 * h);
    return out;
  }
  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    const out = super.weightsFor(inputs);
    if (this.peephole) {
      for (const name of PEEPHOLE_WEIGHTS) out.push(weight(name, [this.units], this.trainable, this.options.kernelInitializer as Initializer));
    }
    return out;
  }
  override toSpec(): RecurrentSpec {
    return { ...super.toSpec(), peephole: this.peephole };
  }
  override fromTorch(m: TorchModule, reverse = false): Float32Array[] {
    if (this.peephole) throw new Error(`${m.where}: an LSTM with peepholes; PyTorch's nn.LSTM has none`);
    return super.fromTorch(m, reverse);
  }
  /** With peepholes, Keras 2's form: RNN(PeepholeLSTMCell) with the sequence options on the RNN. */
  override toJson(): LayerJson {
    const config = this.getConfig();
    if (!this.peephole) return { class_name: 'LSTM', config };
    const rnn: Record<string, unknown> = { name: config.name, trainable: config.trainable, dtype: config.dtype };
    const cell: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) (RNN_KEYS.includes(k) ? rnn : cell)[k] = v;
    return { class_name: 'RNN', config: { ...rnn, unroll: false, time_major: false, cell: { class_name: 'PeepholeLSTMCell', config: { ...cell, name: `${this.name}_cell` } } } };
  }
}

/** Keys of a Keras RNN wrapper's config (the rest belong to its cell). */
export const RNN_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape', 'return_sequences', 'return_state', 'go_backwards', 'stateful'];

export function lstm(config: LSTMConfig | number): LSTM {
  return new LSTM(unitsShorthand(config) as LSTMConfig);
}
