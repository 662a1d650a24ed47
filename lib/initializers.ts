// Weight initializers with Keras semantics and defaults. Each is seedable: with its own
// `seed` it always draws the same values; without one it draws from the stream the model
// hands it (derived from the model's seed, so a seeded model is reproducible as a whole).
import { checkedOptions } from './options';
import { SeededRandom } from './random';
import { formatShape, shapeSize, Tensor, TensorLike, toTensor } from './tensor';

export interface Initializer {
  /** Keras class name, e.g. 'GlorotUniform'. */
  readonly className: string;
  /** Values for a weight of `shape` (row-major); `random` is used when the initializer has no seed of its own. */
  generate(shape: number[], random: SeededRandom): Float32Array;
  /** Keras's serialization { class_name, config } (absent for initializers that have none, e.g. a user's own). */
  toJson?(): InitializerJson;
}

export interface InitializerJson {
  class_name: string;
  config: Record<string, unknown>;
}

export type InitializerName =
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'orthogonal'
  | 'identity'
  | 'randomNormal'
  | 'randomUniform'
  | 'truncatedNormal'
  | 'zeros'
  | 'ones';

export interface SeedConfig {
  seed?: number;
}

/** Keras compute_fans: [in, out] for matrices; receptive field times channels for more axes. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shapeSize(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

function checkNumber(name: string, key: string, v: number, positive = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw new RangeError(`${name}: ${key} must be a ${positive ? 'positive' : 'finite'} number, received ${String(v)}`);
  }
}

abstract class SeededInitializer implements Initializer {
  abstract readonly className: string;
  protected readonly seed: number | undefined;
  constructor(config: SeedConfig = {}) {
    if (config.seed !== undefined) checkNumber('initializer', 'seed', config.seed);
    this.seed = config.seed;
  }
  generate(shape: number[], random: SeededRandom): Float32Array {
    return this.draw(shape, this.seed === undefined ? random : new SeededRandom(this.seed));
  }
  protected abstract draw(shape: number[], random: SeededRandom): Float32Array;
  /** The Keras config entries besides the seed. */
  protected abstract jsonConfig(): Record<string, unknown>;
  toJson(): InitializerJson {
    return { class_name: this.className, config: { ...this.jsonConfig(), seed: this.seed ?? null } };
  }
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'uniform' | 'truncatedNormal' | 'untruncatedNormal';

export interface VarianceScalingConfig extends SeedConfig {
  scale?: number;
  mode?: FanMode;
  distribution?: Distribution;
}

/** The stddev of a standard normal truncated to [-2, 2] (Keras' correction constant). */
const TRUNCATED_STDDEV = 0.87962566103423978;

export class VarianceScaling extends SeededInitializer {
  className = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(config: VarianceScalingConfig = {}, className?: string) {
    super(config);
    this.scale = config.scale ?? 1;
    this.mode = config.mode ?? 'fanIn';
    this.distribution = config.distribution ?? 'truncatedNormal';
    checkNumber('varianceScaling', 'scale', this.scale, true);
    if (className) this.className = className;
  }
  protected draw(shape: number[], random: SeededRandom): Float32Array {
    const { fanIn, fanOut } = computeFans(shape);
    const fan = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    const out = new Float32Array(shapeSize(shape));
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
    } else if (this.distribution === 'truncatedNormal') {
      const stddev = Math.sqrt(variance) / TRUNCATED_STDDEV;
      for (let i = 0; i < out.length; i++) out[i] = stddev * random.truncatedNormal();
    } else {
      const stddev = Math.sqrt(variance);
      for (let i = 0; i < out.length; i++) out[i] = stddev * random.normal();
    }
    return out;
  }
  protected jsonConfig(): Record<string, unknown> {
    if (this.className !== 'VarianceScaling') return {};
    return { scale: this.scale, mode: FAN_MODE_JSON[this.mode], distribution: DISTRIBUTION_JSON[this.distribution] };
  }
}

const FAN_MODE_JSON: Record<FanMode, string> = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' };
const DISTRIBUTION_JSON: Record<Distribution, string> = { uniform: 'uniform', truncatedNormal: 'truncated_normal', untruncatedNormal: 'untruncated_normal' };

/** Uniform in ±sqrt(6 / (fanIn + fanOut)). */
export const glorotUniform = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('glorotUniform', c, ['seed']), scale: 1, mode: 'fanAvg', distribution: 'uniform' }, 'GlorotUniform');
/** Truncated normal with stddev sqrt(2 / (fanIn + fanOut)) (before truncation). */
export const glorotNormal = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('glorotNormal', c, ['seed']), scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal' }, 'GlorotNormal');
export const heUniform = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('heUniform', c, ['seed']), scale: 2, mode: 'fanIn', distribution: 'uniform' }, 'HeUniform');
export const heNormal = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('heNormal', c, ['seed']), scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' }, 'HeNormal');
export const lecunUniform = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('lecunUniform', c, ['seed']), scale: 1, mode: 'fanIn', distribution: 'uniform' }, 'LecunUniform');
export const lecunNormal = (c: SeedConfig = {}): Initializer =>
  new VarianceScaling({ ...checkedOptions('lecunNormal', c, ['seed']), scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' }, 'LecunNormal');
export const varianceScaling = (c: VarianceScalingConfig = {}): Initializer =>
  new VarianceScaling(checkedOptions('varianceScaling', c, ['scale', 'mode', 'distribution', 'seed']));

export interface RandomNormalConfig extends SeedConfig {
  mean?: number;
  stddev?: number;
}

class RandomNormal extends SeededInitializer {
  readonly mean: number;
  readonly stddev: number;
  constructor(config: RandomNormalConfig, readonly className: string, private readonly truncated: boolean) {
    super(config);
    this.mean = config.mean ?? 0;
    this.stddev = config.stddev ?? 0.05;
    checkNumber(className, 'mean', this.mean);
    checkNumber(className, 'stddev', this.stddev, true);
  }
  protected draw(shape: number[], random: SeededRandom): Float32Array {
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) {
      out[i] = this.mean + this.stddev * (this.truncated ? random.truncatedNormal() : random.normal());
    }
    return out;
  }
  protected jsonConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev };
  }
}

/** Normal(mean = 0, stddev = 0.05) by default, as in Keras. */
export const randomNormal = (c: RandomNormalConfig = {}): Initializer =>
  new RandomNormal(checkedOptions('randomNormal', c, ['mean', 'stddev', 'seed']), 'RandomNormal', false);
/** Normal redrawn beyond two stddevs; mean 0, stddev 0.05 by default. */
export const truncatedNormal = (c: RandomNormalConfig = {}): Initializer =>
  new RandomNormal(checkedOptions('truncatedNormal', c, ['mean', 'stddev', 'seed']), 'TruncatedNormal', true);

export interface RandomUniformConfig extends SeedConfig {
  minval?: number;
  maxval?: number;
}

class RandomUniform extends SeededInitializer {
  className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(config: RandomUniformConfig) {
    super(config);
    this.minval = config.minval ?? -0.05;
    this.maxval = config.maxval ?? 0.05;
    checkNumber('randomUniform', 'minval', this.minval);
    checkNumber('randomUniform', 'maxval', this.maxval);
    if (this.maxval < this.minval) {
      throw new RangeError(`randomUniform: maxval (${this.maxval}) must not be below minval (${this.minval})`);
    }
  }
  protected draw(shape: number[], random: SeededRandom): Float32Array {
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) out[i] = random.uniform(this.minval, this.maxval);
    return out;
  }
  protected jsonConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval };
  }
}

/** Uniform in [-0.05, 0.05) by default, as in Keras. */
export const randomUniform = (c: RandomUniformConfig = {}): Initializer =>
  new RandomUniform(checkedOptions('randomUniform', c, ['minval', 'maxval', 'seed']));

export interface OrthogonalConfig extends SeedConfig {
  gain?: number;
}

/**
 * Q of the thin QR decomposition of a tall m x n matrix (m >= n), row-major, in float64
 * by Householder reflections, with columns' signs fixed so that diag(R) > 0 (as Keras
 * multiplies Q by sign(diag(R))). Returns Q [m, n].
 */
export function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  if (m < n) throw new RangeError(`orthonormalColumns: needs rows >= columns, received ${m} x ${n}`);
  const r = Float64Array.from(a); // [m, n], reduced in place to R
  const vs: Float64Array[] = [];
  const diagSign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k];
    const alpha = x0 >= 0 ? -norm : norm; // R[k][k] after the reflection
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k];
    v[0] -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i] * v[i];
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) {
      for (let i = 0; i < v.length; i++) v[i] /= vnorm;
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i - k] * r[i * n + j];
        for (let i = k; i < m; i++) r[i * n + j] -= 2 * v[i - k] * dot;
      }
    }
    vs.push(v);
    diagSign[k] = r[k * n + k] < 0 ? -1 : 1;
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j] *= diagSign[j];
  return q;
}

class Orthogonal extends SeededInitializer {
  className = 'Orthogonal';
  readonly gain: number;
  constructor(config: OrthogonalConfig) {
    super(config);
    this.gain = config.gain ?? 1;
    checkNumber('orthogonal', 'gain', this.gain);
  }
  protected draw(shape: number[], random: SeededRandom): Float32Array {
    if (shape.length < 2) {
      throw new RangeError(`orthogonal: needs a shape of at least 2 axes, received ${formatShape(shape)}`);
    }
    // Keras: flatten to [prod(shape[:-1]), shape[-1]], orthogonalize the tall orientation,
    // and transpose back for a wide matrix (so a [H, 4H] recurrent kernel has orthonormal rows).
    const rows = shapeSize(shape.slice(0, -1));
    const cols = shape[shape.length - 1];
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = random.normal();
    const q = orthonormalColumns(a, m, n); // [m, n]
    const out = new Float32Array(rows * cols);
    if (rows >= cols) {
      for (let i = 0; i < out.length; i++) out[i] = this.gain * q[i];
    } else {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = this.gain * q[j * n + i];
    }
    return out;
  }
  protected jsonConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/** A (semi-)orthogonal matrix times `gain` (default 1), as Keras' Orthogonal. */
export const orthogonal = (c: OrthogonalConfig = {}): Initializer => new Orthogonal(checkedOptions('orthogonal', c, ['gain', 'seed']));

class Identity implements Initializer {
  className = 'Identity';
  readonly gain: number;
  constructor(config: { gain?: number }) {
    this.gain = config.gain ?? 1;
    checkNumber('identity', 'gain', this.gain);
  }
  generate(shape: number[]): Float32Array {
    if (shape.length !== 2) throw new RangeError(`identity: needs a 2-D shape, received ${formatShape(shape)}`);
    const [r, c] = shape;
    const out = new Float32Array(r * c);
    for (let i = 0; i < Math.min(r, c); i++) out[i * c + i] = this.gain;
    return out;
  }
  toJson(): InitializerJson {
    return { class_name: 'Identity', config: { gain: this.gain } };
  }
}

/** gain times the identity matrix (2-D shapes; a non-square one gets ones on its main diagonal). */
export const identity = (c: { gain?: number } = {}): Initializer => new Identity(checkedOptions('identity', c, ['gain']));

class Constant implements Initializer {
  className = 'Constant';
  private readonly values: Tensor | undefined;
  private readonly scalar: number;
  constructor(value: number | TensorLike) {
    if (typeof value === 'number') {
      checkNumber('constant', 'value', value);
      this.scalar = value;
    } else {
      this.scalar = 0;
      this.values = toTensor(value, 'constant value', 'float32');
    }
  }
  generate(shape: number[]): Float32Array {
    const size = shapeSize(shape);
    if (!this.values) return new Float32Array(size).fill(this.scalar);
    const v = this.values;
    const sameShape = v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i]);
    const flatMatch = v.shape.length === 1 && v.size === size;
    if (!sameShape && !flatMatch) {
      throw new RangeError(
        `constant: the given values have shape ${formatShape(v.shape)}, but the weight has shape ${formatShape(shape)}`,
      );
    }
    return Float32Array.from(v.data);
  }
  toJson(): InitializerJson {
    // A tensor of values (a pretrained matrix) is in the weights file; the JSON keeps the scalar form only.
    if (this.values) return { class_name: 'Zeros', config: {} };
    return this.scalar === 0 ? { class_name: 'Zeros', config: {} } : this.scalar === 1 ? { class_name: 'Ones', config: {} } : { class_name: 'Constant', config: { value: this.scalar } };
  }
}

/** Every element `value`, or exactly the given values (e.g. a pretrained embedding matrix). */
export const constant = (c: { value: number | TensorLike }): Initializer =>
  new Constant(checkedOptions('constant', c, ['value']).value as number | TensorLike);
export const zeros = (): Initializer => new Constant(0);
export const ones = (): Initializer => new Constant(1);

const byName: Record<InitializerName, () => Initializer> = {
  glorotUniform: () => glorotUniform(),
  glorotNormal: () => glorotNormal(),
  heUniform: () => heUniform(),
  heNormal: () => heNormal(),
  lecunUniform: () => lecunUniform(),
  lecunNormal: () => lecunNormal(),
  orthogonal: () => orthogonal(),
  identity: () => identity(),
  randomNormal: () => randomNormal(),
  randomUniform: () => randomUniform(),
  truncatedNormal: () => truncatedNormal(),
  zeros: () => zeros(),
  ones: () => ones(),
};

export type InitializerLike = Initializer | InitializerName;

/** The names getInitializer takes. */
export const INITIALIZER_NAMES = Object.keys(byName) as InitializerName[];

const FAN_MODES: Record<string, FanMode> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' };
const DISTRIBUTIONS: Record<string, Distribution> = {
  uniform: 'uniform',
  truncated_normal: 'truncatedNormal',
  untruncated_normal: 'untruncatedNormal',
  normal: 'truncatedNormal',
};

/** Keras { class_name, config } of an initializer, or null for one that has none. */
export function initializerToJson(init: Initializer): InitializerJson | null {
  return init.toJson ? init.toJson() : null;
}

/**
 * An initializer from Keras JSON, or undefined when the class is not one of ours or its
 * config does not fit (a loaded model's weights come from its file, so the initializer
 * only matters for a later re-initialization).
 */
export function initializerFromJson(json: unknown): Initializer | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { class_name: name, config = {} } = json as { class_name?: unknown; config?: Record<string, unknown> };
  if (typeof name !== 'string' || config === null || typeof config !== 'object') return undefined;
  const num = (k: string): number | undefined => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  const seed = num('seed') === undefined ? {} : { seed: num('seed') };
  try {
    switch (name) {
      case 'GlorotUniform': return glorotUniform(seed);
      case 'GlorotNormal': return glorotNormal(seed);
      case 'HeUniform': return heUniform(seed);
      case 'HeNormal': return heNormal(seed);
      case 'LecunUniform': return lecunUniform(seed);
      case 'LecunNormal': return lecunNormal(seed);
      case 'Orthogonal': return orthogonal({ ...seed, gain: num('gain') ?? 1 });
      case 'Identity': return identity({ gain: num('gain') ?? 1 });
      case 'Zeros': return zeros();
      case 'Ones': return ones();
      case 'Constant': return constant({ value: num('value') ?? 0 });
      case 'RandomNormal': return randomNormal({ ...seed, mean: num('mean') ?? 0, stddev: num('stddev') ?? 0.05 });
      case 'TruncatedNormal': return truncatedNormal({ ...seed, mean: num('mean') ?? 0, stddev: num('stddev') ?? 0.05 });
      case 'RandomUniform': return randomUniform({ ...seed, minval: num('minval') ?? -0.05, maxval: num('maxval') ?? 0.05 });
      case 'VarianceScaling': {
        const mode = FAN_MODES[String(config.mode)] ?? 'fanIn';
        const distribution = DISTRIBUTIONS[String(config.distribution)] ?? 'truncatedNormal';
        return varianceScaling({ ...seed, scale: num('scale') ?? 1, mode, distribution });
      }
      default: return undefined;
    }
  } catch {
    return undefined;
  }
}

/** An initializer from a name or instance; `where` names the layer option in errors. */
export function getInitializer(value: InitializerLike, where: string): Initializer {
  if (typeof value === 'string') {
    const make = Object.prototype.hasOwnProperty.call(byName, value) ? byName[value as InitializerName] : undefined;
    if (!make) throw new RangeError(`${where}: unknown initializer '${value}' (known: ${Object.keys(byName).join(', ')})`);
    return make();
  }
  if (value && typeof value.generate === 'function') return value;
  throw new TypeError(`${where}: expected an initializer or its name`);
}
