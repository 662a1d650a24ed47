// Layers that reshape without arithmetic: RepeatVector ([F] -> [n, F]), Reshape (to a
// target per-sample shape, one axis may be -1) and Flatten (to one axis).
import type { LayerSpec } from '../graph_spec';
import { formatShape, Shape } from '../tensor';
import { INVALID, OptionKind, option, OptionTable, positiveInt, REQUIRED } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType } from './layer';

export interface RepeatVectorConfig extends LayerConfig {
  n: number;
}

export const REPEAT_VECTOR: LayerKindDeclaration = {
  className: 'RepeatVector',
  baseName: 'repeat_vector',
  options: { n: option(positiveInt, REQUIRED, { native: true }) } satisfies OptionTable,
};

export class RepeatVector extends Layer {
  constructor(config: RepeatVectorConfig | number) {
    super(REPEAT_VECTOR, typeof config === 'number' ? { n: config } : config);
  }
  get n(): number {
    return this.options.n as number;
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireRank(inputs[0], 1, 'batch, features');
    this.requireFloat(inputs[0]);
    return [{ shape: [this.n, inputs[0].shape[0]], dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'repeatVector', name: this.name, n: this.n };
  }
}

export function repeatVector(config: RepeatVectorConfig | number): RepeatVector {
  return new RepeatVector(config);
}

const targetShape: OptionKind<number[]> = {
  expected: 'a list of positive integers with at most one -1 (inferred)',
  check: (v) => {
    const ok = Array.isArray(v) && v.length >= 1 && v.length <= 8 && v.every((d) => d === -1 || (Number.isInteger(d) && d >= 1 && d <= 2 ** 24)) && v.filter((d) => d === -1).length <= 1;
    return ok ? [...(v as number[])] : INVALID;
  },
  toJson: (v) => v,
  fromJson: (v) => targetShape.check(v),
  probes: [[2, 3], [-1, 4], [-1, -1], [0, 3], [2.5], [], '2', [2 ** 24 + 1]],
};

export interface ReshapeConfig extends LayerConfig {
  /** The per-sample shape (no batch axis); one axis may be -1, inferred from the element count. */
  targetShape: number[];
}

export const RESHAPE: LayerKindDeclaration = {
  className: 'Reshape',
  baseName: 'reshape',
  options: { targetShape: option(targetShape, REQUIRED, { native: true }) } satisfies OptionTable,
};

function knownSize(shape: Shape): number | null {
  return shape.every((d) => d !== null) ? (shape as number[]).reduce((a, b) => a * b, 1) : null;
}

export class Reshape extends Layer {
  constructor(config: ReshapeConfig) {
    super(RESHAPE, config);
  }
  get targetShape(): number[] {
    return this.options.targetShape as number[];
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireFloat(inputs[0]);
    const size = knownSize(inputs[0].shape);
    const fixed = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if (size !== null && (free ? size % fixed !== 0 : size !== fixed)) {
      throw this.error(`cannot reshape input ${formatShape([null, ...inputs[0].shape])} (${size} values per sample) to ${formatShape([null, ...this.targetShape])}`);
    }
    if (size === null && !free) throw this.error(`the input ${formatShape([null, ...inputs[0].shape])} has a free axis: give targetShape a -1 for it`);
    return [{ shape: this.targetShape.map((d) => (d === -1 ? (size === null ? null : size / fixed) : d)), dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'reshape', name: this.name, targetShape: this.targetShape };
  }
}

export function reshape(config: ReshapeConfig): Reshape {
  return new Reshape(config);
}

export const FLATTEN: LayerKindDeclaration = { className: 'Flatten', baseName: 'flatten', options: {} };

export class Flatten extends Layer {
  constructor(config: LayerConfig = {}) {
    super(FLATTEN, config);
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    this.requireFloat(inputs[0]);
    return [{ shape: [knownSize(inputs[0].shape)], dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'flatten', name: this.name };
  }
}

export function flatten(config: LayerConfig = {}): Flatten {
  return new Flatten(config);
}
