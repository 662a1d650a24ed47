// LSTM, Keras gate order i, f, c, o in the kernels' columns.
import { SeededRandom } from '../random';
import { GatedLayerConfig, RecurrentLayer } from './recurrent';

export interface LSTMConfig extends GatedLayerConfig {
  /** Start the forget-gate bias at 1 (Keras default true); needs useBias. */
  unitForgetBias?: boolean;
}

export class LSTM extends RecurrentLayer {
  readonly className = 'LSTM';
  readonly cell = 'lstm';
  readonly gates = 4;
  readonly unitForgetBias: boolean;
  constructor(config: LSTMConfig) {
    super(config, 'lstm');
    this.unitForgetBias = this.flag('unitForgetBias', config.unitForgetBias, true);
  }
  withOptions(changes: Partial<LSTMConfig>): LSTM {
    return new LSTM({ ...(this.config as LSTMConfig), ...changes });
  }
  protected override biasInit(random: SeededRandom, shape: number[]): Float32Array {
    if (!this.unitForgetBias) return super.biasInit(random, shape);
    // Keras: concat(init([H]), ones([H]), init([2H])).
    const h = this.units;
    const out = new Float32Array(4 * h);
    out.set(this.biasInitializer.generate([h], random), 0);
    out.fill(1, h, 2 * h);
    out.set(this.biasInitializer.generate([2 * h], random), 2 * h);
    return out;
  }
}

export function lstm(config: LSTMConfig): LSTM {
  return new LSTM(config);
}
