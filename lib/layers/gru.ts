// GRU, Keras gate order z, r, h; with resetAfter (default, cuDNN-compatible) the reset gate
// applies after the recurrent matmul and the bias is [2, 3H] (input and recurrent biases).
import { GatedLayerConfig, RecurrentLayer } from './recurrent';

export interface GRUConfig extends GatedLayerConfig {
  /** Default true (Keras 2.x+ and cuDNN). */
  resetAfter?: boolean;
}

export class GRU extends RecurrentLayer {
  readonly className = 'GRU';
  readonly cell = 'gru';
  readonly gates = 3;
  readonly resetAfter: boolean;
  constructor(config: GRUConfig) {
    super(config, 'gru');
    this.resetAfter = this.flag('resetAfter', config.resetAfter, true);
  }
  withOptions(changes: Partial<GRUConfig>): GRU {
    return new GRU({ ...(this.config as GRUConfig), ...changes });
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected override resetAfterFlag(): boolean {
    return this.resetAfter;
  }
}

export function gru(config: GRUConfig): GRU {
  return new GRU(config);
}
