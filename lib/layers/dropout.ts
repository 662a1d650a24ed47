// Dropout: zeroes a fraction `rate` of the inputs in training (scaling the rest by 1/(1-rate)).
import type { LayerSpec } from '../graph_spec';
import { fraction, option, OptionTable, REQUIRED } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType } from './layer';

export interface DropoutConfig extends LayerConfig {
  rate: number;
}

export const DROPOUT: LayerKindDeclaration = {
  className: 'Dropout',
  baseName: 'dropout',
  options: { rate: option(fraction, REQUIRED, { native: true }) } satisfies OptionTable,
};

export class Dropout extends Layer {
  constructor(config: DropoutConfig | number) {
    super(DROPOUT, typeof config === 'number' ? { rate: config } : config);
  }
  get rate(): number {
    return this.options.rate as number;
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireFloat(inputs[0]);
    return [{ shape: [...inputs[0].shape], dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'dropout', name: this.name, ...this.nativeOptions() } as LayerSpec;
  }
}

export function dropout(config: DropoutConfig | number): Dropout {
  return new Dropout(config);
}
