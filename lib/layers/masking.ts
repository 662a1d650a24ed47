// Masking: time steps whose features all equal maskValue are skipped by the layers after.
import type { LayerSpec } from '../graph_spec';
import { Shape } from '../tensor';
import { Layer, LayerConfig } from './layer';

export interface MaskingConfig extends LayerConfig {
  /** Default 0. */
  maskValue?: number;
}

export class Masking extends Layer {
  readonly className = 'Masking';
  readonly maskValue: number;
  constructor(config: MaskingConfig = {}) {
    super(config, 'masking');
    const v = config.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v)) throw this.error(`maskValue must be a number, received ${String(v)}`);
    this.maskValue = v;
  }
  computeOutputShape(inputShape: Shape): Shape {
    this.requireInputRank(inputShape, 2, 'batch, steps, features');
    return [...inputShape];
  }
  toSpec(): LayerSpec {
    return { kind: 'masking', name: this.name, maskValue: this.maskValue };
  }
}

export function masking(config: MaskingConfig = {}): Masking {
  return new Masking(config);
}
