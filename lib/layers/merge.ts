// Merge layers (Keras): add, subtract, multiply, average and concatenate take tensors of
// one shape (concatenate: equal but on `axis`); dot takes two and sums products over an
// axis of each. As in TensorFlow.js, the factories given a list of symbolic tensors apply
// the layer at once: layers.concatenate([a, b]) is layers.concatenate().apply([a, b]).
import type { LayerSpec } from '../graph_spec';
import type { SymbolicTensor } from '../models/symbolic_tensor';
import { formatShape, Shape } from '../tensor';
import { boolean, integer, INVALID, option, OptionKind, OptionTable } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType } from './layer';

type ElementwiseKind = 'add' | 'subtract' | 'multiply' | 'average';

/** Two free-or-known axis sizes as one: null only where both are free. */
function joinAxis(a: number | null, b: number | null): number | null | undefined {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return undefined;
}

abstract class MergeLayer extends Layer {
  protected checkFloatInputs(inputs: readonly TensorType[], min: number, max: number): void {
    this.checkInputCount(inputs, min, max);
    inputs.forEach((t, i) => this.requireFloat(t, i));
  }
  protected mismatch(inputs: readonly TensorType[], detail: string): RangeError {
    return this.error(`${detail}, received ${inputs.map((t) => formatShape([null, ...t.shape])).join(' and ')}`);
  }
}

class Elementwise extends MergeLayer {
  constructor(
    declaration: LayerKindDeclaration,
    private readonly kind: ElementwiseKind,
    config: LayerConfig,
  ) {
    super(declaration, config);
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkFloatInputs(inputs, 2, this.kind === 'subtract' ? 2 : Infinity);
    let shape: Shape = [...inputs[0].shape];
    for (const t of inputs.slice(1)) {
      if (t.shape.length !== shape.length) throw this.mismatch(inputs, 'needs inputs of one shape');
      const joined = shape.map((d, i) => joinAxis(d, t.shape[i]));
      if (joined.some((d) => d === undefined)) throw this.mismatch(inputs, 'needs inputs of one shape');
      shape = joined as Shape;
    }
    return [{ shape, dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: this.kind, name: this.name };
  }
}

function elementwiseKind(className: string, baseName: string): LayerKindDeclaration {
  return { className, baseName, options: {} };
}

export const ADD = elementwiseKind('Add', 'add');
export const SUBTRACT = elementwiseKind('Subtract', 'subtract');
export const MULTIPLY = elementwiseKind('Multiply', 'multiply');
export const AVERAGE = elementwiseKind('Average', 'average');

/** Sum of its inputs. */
export class Add extends Elementwise {
  constructor(config: LayerConfig = {}) {
    super(ADD, 'add', config);
  }
}
/** The first input minus the second. */
export class Subtract extends Elementwise {
  constructor(config: LayerConfig = {}) {
    super(SUBTRACT, 'subtract', config);
  }
}
/** Product of its inputs. */
export class Multiply extends Elementwise {
  constructor(config: LayerConfig = {}) {
    super(MULTIPLY, 'multiply', config);
  }
}
/** Mean of its inputs. */
export class Average extends Elementwise {
  constructor(config: LayerConfig = {}) {
    super(AVERAGE, 'average', config);
  }
}

/** A Keras axis counting the batch axis: -1 (the last) or 1 .. 8. */
const kerasAxis: OptionKind<number> = (() => {
  const base = integer(-1, 8);
  return { ...base, expected: 'an axis: -1 (the last) or an integer from 1 (the axis after the batch)', check: (v: unknown) => (v === 0 ? INVALID : base.check(v)), probes: [-2, -1, 0, 1, 2, 9, 1.5, '1'] };
})();

export interface ConcatenateConfig extends LayerConfig {
  /** The axis to join along, counting the batch axis as Keras does (default -1, the last). */
  axis?: number;
}

export const CONCATENATE: LayerKindDeclaration = {
  className: 'Concatenate',
  baseName: 'concatenate',
  options: { axis: option(kerasAxis, -1, { native: true }) } satisfies OptionTable,
};

export class Concatenate extends MergeLayer {
  constructor(config: ConcatenateConfig = {}) {
    super(CONCATENATE, config);
  }
  get axis(): number {
    return this.options.axis as number;
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkFloatInputs(inputs, 2, Infinity);
    const rank = inputs[0].shape.length;
    const axis = this.axis === -1 ? rank - 1 : this.axis - 1;
    if (rank === 0 || axis < 0 || axis >= rank) throw this.error(`axis ${this.axis} is outside inputs of rank ${rank + 1}`);
    const out: Shape = [...inputs[0].shape];
    let size: number | null = 0;
    for (const t of inputs) {
      if (t.shape.length !== rank) throw this.mismatch(inputs, 'needs inputs of one rank');
      t.shape.forEach((d, i) => {
        if (i === axis) return;
        const joined = joinAxis(out[i], d);
        if (joined === undefined) throw this.mismatch(inputs, `needs inputs that agree on every axis but ${this.axis}`);
        out[i] = joined;
      });
      const d = t.shape[axis];
      size = size === null || d === null ? null : size + d;
    }
    out[axis] = size;
    return [{ shape: out, dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'concatenate', name: this.name, axis: this.axis };
  }
}

export interface DotConfig extends LayerConfig {
  /** The axis of each input to sum products over, counting the batch axis (one number for both, or [a, b]); -1 is the last. */
  axes: number | [number, number];
  /** l2-normalize each input along its axis first: the result is the cosine similarity (default false). */
  normalize?: boolean;
}

const dotAxes: OptionKind<[number, number]> = {
  expected: 'an axis or a pair of axes, each -1 or from 1 (counting the batch axis)',
  check: (v) => {
    const ok = (a: unknown) => a === -1 || (typeof a === 'number' && Number.isInteger(a) && a >= 1 && a <= 8);
    if (ok(v)) return [v as number, v as number];
    if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
    return INVALID;
  },
  toJson: (v) => v,
  fromJson: (v) => dotAxes.check(v),
};

export const DOT: LayerKindDeclaration = {
  className: 'Dot',
  baseName: 'dot',
  options: { axes: option(dotAxes, [-1, -1]), normalize: option(boolean, false, { native: true }) } satisfies OptionTable,
};

export class Dot extends MergeLayer {
  constructor(config: DotConfig) {
    super(DOT, config);
  }
  get normalize(): boolean {
    return this.options.normalize as boolean;
  }
  /** The two contraction axes per sample (0-based), for inputs of these ranks. */
  private perSampleAxes(ranks: [number, number]): [number, number] {
    const given = this.options.axes as [number, number];
    return given.map((a, i) => (a === -1 ? ranks[i] - 1 : a - 1)) as [number, number];
  }
  /** The Keras axes with -1 resolved, for the native spec. */
  private resolvedAxes(): [number, number] {
    const [a, b] = this.built.map((t) => t.shape.length);
    return this.perSampleAxes([a, b]).map((x) => x + 1) as [number, number];
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkFloatInputs(inputs, 2, 2);
    const [a, b] = inputs;
    if (a.shape.length < 1 || a.shape.length > 2 || b.shape.length < 1 || b.shape.length > 2) {
      throw this.mismatch(inputs, 'takes inputs of rank 2 or 3 (batch, [steps,] features)');
    }
    const [ia, ib] = this.perSampleAxes([a.shape.length, b.shape.length]);
    if (ia < 0 || ia >= a.shape.length || ib < 0 || ib >= b.shape.length) throw this.mismatch(inputs, `axes ${JSON.stringify(this.options.axes)} are outside the inputs`);
    if (joinAxis(a.shape[ia], b.shape[ib]) === undefined || a.shape[ia] === null || b.shape[ib] === null) {
      throw this.mismatch(inputs, `needs the summed axes to have one known size`);
    }
    const rest = [...a.shape.filter((_, i) => i !== ia), ...b.shape.filter((_, i) => i !== ib)];
    return [{ shape: rest.length === 0 ? [1] : rest, dtype: 'float32' }];
  }
  toSpec(): LayerSpec {
    return { kind: 'dot', name: this.name, axes: this.resolvedAxes(), normalize: this.normalize };
  }
}

type Factory<L extends Layer, C> = {
  (config?: C): L;
  (inputs: SymbolicTensor[], config?: C): SymbolicTensor;
};

function mergeFactory<L extends Layer, C extends LayerConfig>(make: (config: C) => L): Factory<L, C> {
  return ((first?: C | SymbolicTensor[], config?: C) => {
    if (Array.isArray(first)) return make((config ?? {}) as C).apply(first) as SymbolicTensor;
    return make((first ?? {}) as C);
  }) as Factory<L, C>;
}

export const add = mergeFactory<Add, LayerConfig>((c) => new Add(c));
export const subtract = mergeFactory<Subtract, LayerConfig>((c) => new Subtract(c));
export const multiply = mergeFactory<Multiply, LayerConfig>((c) => new Multiply(c));
export const average = mergeFactory<Average, LayerConfig>((c) => new Average(c));
export const concatenate = mergeFactory<Concatenate, ConcatenateConfig>((c) => new Concatenate(c));

/** layers.dot({ axes }) or layers.dot([a, b], { axes }). */
export function dot(config: DotConfig): Dot;
export function dot(inputs: SymbolicTensor[], config: DotConfig): SymbolicTensor;
export function dot(first: DotConfig | SymbolicTensor[], config?: DotConfig): Dot | SymbolicTensor {
  if (Array.isArray(first)) return new Dot(config as DotConfig).apply(first) as SymbolicTensor;
  return new Dot(first);
}
