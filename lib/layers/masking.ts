// Masking: time steps whose features all equal maskValue are skipped by the layers after.
import type { LayerSpec } from '../graph_spec';
import { numeric, option, OptionTable } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType } from './layer';

export interface MaskingConfig extends LayerConfig {
  /** Default 0. */
  maskValue?: number;
}

export const MASKING: LayerKindDeclaration = {
  className: 'Masking',
  baseName: 'masking',
  options: { maskValue: option(numeric, 0, { native: true }) } satisfies OptionTable,
};

export class Masking extends Layer {
  constructor(config: MaskingConfig = {}) {
    super(MASKING, config);
  }
  get maskValue(): number {
    return this.options.maskValue as number;
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireRank(inputs[0], 2, 'batch, steps, features');
    this.requireFloat(inputs[0]);
    return [{ shape: [...inputs[0].shape], dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'masking', name: this.name, ...this.nativeOptions() } as LayerSpec;
  }
}

export function masking(config: MaskingConfig = {}): Masking {
  return new Masking(config);
}
