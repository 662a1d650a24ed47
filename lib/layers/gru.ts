// GRU, Keras gate order z, r, h; with resetAfter (default, cuDNN-compatible) the reset gate
// applies after the recurrent matmul and the bias is [2, 3H] (input and recurrent biases).
import type { TorchModule } from '../io/torch_module';
import { boolean, option } from './declaration';
import { LayerKindDeclaration } from './layer';
import { GATED_OPTIONS, GatedLayerConfig, RecurrentLayer } from './recurrent';
import { unitsShorthand } from './simple_rnn';

export interface GRUConfig extends GatedLayerConfig {
  /** Default true (Keras 2.3+ and cuDNN). */
  resetAfter?: boolean;
}

export const GRU_KIND: LayerKindDeclaration = {
  className: 'GRU',
  baseName: 'gru',
  options: { ...GATED_OPTIONS, resetAfter: option(boolean, true, { native: true }) },
};

export class GRU extends RecurrentLayer {
  readonly cell = 'gru';
  readonly gates = 3;
  constructor(config: GRUConfig) {
    super(GRU_KIND, unitsShorthand(config));
  }
  get resetAfter(): boolean {
    return this.options.resetAfter as boolean;
  }
  override fromTorch(m: TorchModule, reverse = false): Float32Array[] {
    if (!this.resetAfter) throw new Error(`${m.where}: a GRU with resetAfter false; PyTorch's nn.GRU computes resetAfter true`);
    return super.fromTorch(m, reverse);
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
}

export function gru(config: GRUConfig | number): GRU {
  return new GRU(unitsShorthand(config) as GRUConfig);
}
