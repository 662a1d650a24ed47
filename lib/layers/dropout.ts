// Dropout: zeroes a fraction `rate` of the inputs in training (scaling the rest by 1/(1-rate)).
import type { LayerSpec } from '../graph_spec';
import { Shape } from '../tensor';
import { Layer, LayerConfig } from './layer';

export interface DropoutConfig extends LayerConfig {
  rate: number;
}

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(config: DropoutConfig) {
    super(config, 'dropout');
    if (config.rate === undefined) throw this.error('rate is required (a number in [0, 1))');
    this.rate = this.fraction('rate', config.rate);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape];
  }
  toSpec(): LayerSpec {
    return { kind: 'dropout', name: this.name, rate: this.rate };
  }
}

export function dropout(config: DropoutConfig): Dropout {
  return new Dropout(config);
}
