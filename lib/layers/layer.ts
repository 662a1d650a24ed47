// The base of every layer: Keras-style automatic names, config checks whose errors name the
// layer, and the three things a Sequential model asks of a layer for an input shape: the
// output shape, the weights (Keras shapes and order, with their initial values), and the
// LayerSpec the native graph builds from.
import type { LayerSpec, Regularizer } from '../graph_spec';
import { getInitializer, Initializer, InitializerLike } from '../initializers';
import { SeededRandom } from '../random';
import { formatShape, Shape, shapeSize } from '../tensor';

export interface LayerConfig {
  /** Unique layer name; default: the snake_case kind with a counter (lstm, lstm_1, ...). */
  name?: string;
  /** Whether training updates this layer's weights (default true). */
  trainable?: boolean;
  /** Per-sample input shape (no batch axis), for a model's first layer; null: any size. */
  inputShape?: Shape;
}

/** One weight of a layer: its Keras name and shape, and how it starts. */
export interface WeightInfo {
  name: string;
  shape: number[];
  trainable: boolean;
  init(random: SeededRandom): Float32Array;
}

const nameCounts = new Map<string, number>();

/** Keras naming: the first 'gru' is gru, then gru_1, gru_2, ... (per process). */
function autoName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export abstract class Layer {
  readonly name: string;
  /** Keras class name shown by summary(): 'LSTM', 'Dense', ... */
  abstract readonly className: string;
  readonly trainable: boolean;
  readonly inputShape: Shape | undefined;

  protected constructor(config: LayerConfig, kind: string) {
    if (config.name !== undefined && (typeof config.name !== 'string' || config.name.length === 0)) {
      throw new TypeError(`${kind}: name must be a non-empty string, received ${String(config.name)}`);
    }
    this.name = config.name ?? autoName(kind);
    if (config.trainable !== undefined && typeof config.trainable !== 'boolean') {
      throw this.error(`trainable must be a boolean, received ${String(config.trainable)}`);
    }
    this.trainable = config.trainable ?? true;
    if (config.inputShape !== undefined) {
      if (!Array.isArray(config.inputShape) || !config.inputShape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
        throw this.error(`inputShape must be an array of positive integers or null, received ${JSON.stringify(config.inputShape)}`);
      }
      this.inputShape = [...config.inputShape];
    }
  }

  /** Per-sample output shape for a per-sample input shape; throws naming the layer on a misfit. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** The layer's weights for this input shape, in Keras order (none for Dropout, Masking). */
  weights(_inputShape: Shape): WeightInfo[] {
    return [];
  }

  /** The LayerSpec of the native graph, for this input shape. */
  abstract toSpec(inputShape: Shape): LayerSpec;

  countParams(inputShape: Shape): number {
    return this.weights(inputShape).reduce((n, w) => n + shapeSize(w.shape), 0);
  }

  /** An Error whose message starts with the layer's name. */
  protected error(message: string): RangeError {
    return new RangeError(`${this.name}: ${message}`);
  }

  protected requireInputRank(inputShape: Shape, rank: number, what: string): void {
    if (inputShape.length !== rank) {
      throw this.error(
        `expected input of rank ${rank + 1} (${what}), received input shape ${formatShape([null, ...inputShape])}`,
      );
    }
  }

  protected knownLastAxis(inputShape: Shape): number {
    const last = inputShape[inputShape.length - 1];
    if (last === null || last === undefined) {
      throw this.error(`the last axis of the input must have a known size, received input shape ${formatShape([null, ...inputShape])}`);
    }
    return last;
  }

  // Config checks, each naming this layer in its error.

  protected positiveInt(key: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw this.error(`${key} must be a positive integer, received ${String(v)}`);
    }
    return v;
  }

  protected fraction(key: string, v: unknown, allowOne = false): number {
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !(v >= 0) || (allowOne ? v > 1 : v >= 1)) {
      throw this.error(`${key} must be a number in [0, 1${allowOne ? ']' : ')'}, received ${String(v)}`);
    }
    return v;
  }

  protected flag(key: string, v: unknown, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.error(`${key} must be a boolean, received ${String(v)}`);
    return v;
  }

  protected oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[], fallback: T): T {
    if (v === undefined) return fallback;
    const normalized = typeof v === 'string' ? (ACTIVATION_ALIASES[v] ?? v) : v;
    if (typeof normalized !== 'string' || !allowed.includes(normalized as T)) {
      throw this.error(`${key} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, received ${JSON.stringify(v)}`);
    }
    return normalized as T;
  }

  protected initializer(key: string, v: InitializerLike | undefined, fallback: () => Initializer): Initializer {
    return v === undefined ? fallback() : getInitializer(v, `${this.name}: ${key}`);
  }

  protected regularizer(key: string, v: Regularizer | undefined): Regularizer | undefined {
    if (v === undefined) return undefined;
    const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!v || !ok(v.l1) || !ok(v.l2)) {
      throw this.error(`${key} must be a regularizer (regularizers.l1, l2 or l1l2), received ${JSON.stringify(v)}`);
    }
    return { l1: v.l1, l2: v.l2 };
  }
}

/** Keras snake_case spellings accepted beside the camelCase names. */
const ACTIVATION_ALIASES: Record<string, string> = { hard_sigmoid: 'hardSigmoid', None: 'linear' };

/** A weight drawn from an initializer. */
export function weight(name: string, shape: number[], trainable: boolean, init: Initializer): WeightInfo {
  return { name, shape, trainable, init: (random) => init.generate(shape, random) };
}
