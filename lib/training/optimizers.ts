// Optimizers with Keras defaults; the update itself runs natively (OptimizerSpec). The
// learning rate may be a schedule (step) => number, evaluated every step by the fit loop
// and sent with the step, which is also how ReduceLROnPlateau changes it.
import type { OptimizerSpec } from '../graph_spec';
import { checkedOptions, describe, ownEntry } from '../options';

export type LearningRate = number | ((step: number) => number);
export type OptimizerName = OptimizerSpec['kind'];

export interface ClipConfig {
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Rescale each weight's gradient to at most this L2 norm. */
  clipnorm?: number;
  /** Rescale all gradients together to at most this global L2 norm. */
  globalClipnorm?: number;
}

export interface SGDConfig extends ClipConfig {
  learningRate?: LearningRate; // 0.01
  momentum?: number; // 0
  nesterov?: boolean; // false
}
export interface AdamConfig extends ClipConfig {
  learningRate?: LearningRate; // 0.001
  beta1?: number; // 0.9
  beta2?: number; // 0.999
  epsilon?: number; // 1e-7
}
export interface RMSpropConfig extends ClipConfig {
  learningRate?: LearningRate; // 0.001
  rho?: number; // 0.9
  epsilon?: number; // 1e-7
}
export interface AdadeltaConfig extends ClipConfig {
  learningRate?: LearningRate; // 0.001
  rho?: number; // 0.95
  epsilon?: number; // 1e-7
}
export interface AdagradConfig extends ClipConfig {
  learningRate?: LearningRate; // 0.001
  initialAccumulatorValue?: number; // 0.1
  epsilon?: number; // 1e-7
}

type Hyper = Omit<OptimizerSpec, 'kind' | 'learningRate'>;

export class Optimizer {
  /** Steps taken so far (the schedule's argument). */
  iterations = 0;
  private rate: LearningRate;

  constructor(
    readonly kind: OptimizerName,
    learningRate: LearningRate,
    private readonly hyper: Hyper,
  ) {
    this.rate = checkRate(kind, learningRate);
  }

  /** The learning rate at `step` (a schedule is evaluated; a number is returned as is). */
  learningRateAt(step: number = this.iterations): number {
    if (typeof this.rate === 'number') return this.rate;
    const lr = this.rate(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(`${this.kind}: the learning-rate schedule returned ${String(lr)} at step ${step}; expected a non-negative number`);
    }
    return lr;
  }

  get learningRate(): LearningRate {
    return this.rate;
  }

  /** Replaces the learning rate (a number or a schedule) from the next step on. */
  setLearningRate(lr: LearningRate): void {
    this.rate = checkRate(this.kind, lr);
  }

  get hasSchedule(): boolean {
    return typeof this.rate === 'function';
  }

  spec(): OptimizerSpec {
    return { kind: this.kind, learningRate: this.learningRateAt(this.iterations), ...this.hyper };
  }
}

function checkRate(kind: string, lr: LearningRate): LearningRate {
  if (typeof lr === 'function') return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new RangeError(`${kind}: learningRate must be a non-negative number or a function (step) => number, received ${describe(lr)}`);
  }
  return lr;
}

function inRange(kind: string, key: string, v: number, lo: number, hi: number, hiOpen = false): number {
  if (typeof v !== 'number' || !(v >= lo) || (hiOpen ? v >= hi : v > hi)) {
    throw new RangeError(`${kind}: ${key} must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}, received ${describe(v)}`);
  }
  return v;
}

function positive(kind: string, key: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${kind}: ${key} must be a positive number, received ${describe(v)}`);
  }
  return v;
}

function clip(kind: string, c: ClipConfig): Pick<Hyper, 'clipvalue' | 'clipnorm' | 'globalClipnorm'> {
  const one = (key: keyof ClipConfig) => (c[key] === undefined ? 0 : positive(kind, key, c[key] as number));
  const out = { clipvalue: one('clipvalue'), clipnorm: one('clipnorm'), globalClipnorm: one('globalClipnorm') };
  if (out.clipnorm > 0 && out.globalClipnorm > 0) {
    throw new RangeError(`${kind}: set at most one of clipnorm and globalClipnorm`);
  }
  return out;
}

const NEUTRAL = { momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, rho: 0.9, initialAccumulatorValue: 0.1 };

const CLIP_KEYS = ['clipvalue', 'clipnorm', 'globalClipnorm'] as const;

export function sgd(config: SGDConfig = {}): Optimizer {
  const c = checkedOptions('sgd', config, ['learningRate', 'momentum', 'nesterov', ...CLIP_KEYS]);
  if (c.nesterov !== undefined && typeof c.nesterov !== 'boolean') throw new TypeError(`sgd: nesterov must be a boolean, received ${describe(c.nesterov)}`);
  return new Optimizer('sgd', c.learningRate ?? 0.01, {
    ...NEUTRAL,
    momentum: inRange('sgd', 'momentum', c.momentum ?? 0, 0, 1),
    nesterov: c.nesterov ?? false,
    ...clip('sgd', c),
  });
}

export function adam(config: AdamConfig = {}): Optimizer {
  const c = checkedOptions('adam', config, ['learningRate', 'beta1', 'beta2', 'epsilon', ...CLIP_KEYS]);
  return new Optimizer('adam', c.learningRate ?? 0.001, {
    ...NEUTRAL,
    beta1: inRange('adam', 'beta1', c.beta1 ?? 0.9, 0, 1, true),
    beta2: inRange('adam', 'beta2', c.beta2 ?? 0.999, 0, 1, true),
    epsilon: positive('adam', 'epsilon', c.epsilon ?? 1e-7),
    ...clip('adam', c),
  });
}

export function rmsprop(config: RMSpropConfig = {}): Optimizer {
  const c = checkedOptions('rmsprop', config, ['learningRate', 'rho', 'epsilon', ...CLIP_KEYS]);
  return new Optimizer('rmsprop', c.learningRate ?? 0.001, {
    ...NEUTRAL,
    rho: inRange('rmsprop', 'rho', c.rho ?? 0.9, 0, 1, true),
    epsilon: positive('rmsprop', 'epsilon', c.epsilon ?? 1e-7),
    ...clip('rmsprop', c),
  });
}

export function adadelta(config: AdadeltaConfig = {}): Optimizer {
  const c = checkedOptions('adadelta', config, ['learningRate', 'rho', 'epsilon', ...CLIP_KEYS]);
  return new Optimizer('adadelta', c.learningRate ?? 0.001, {
    ...NEUTRAL,
    rho: inRange('adadelta', 'rho', c.rho ?? 0.95, 0, 1, true),
    epsilon: positive('adadelta', 'epsilon', c.epsilon ?? 1e-7),
    ...clip('adadelta', c),
  });
}

export function adagrad(config: AdagradConfig = {}): Optimizer {
  const c = checkedOptions('adagrad', config, ['learningRate', 'initialAccumulatorValue', 'epsilon', ...CLIP_KEYS]);
  const init = c.initialAccumulatorValue ?? 0.1;
  if (typeof init !== 'number' || !(init >= 0)) {
    throw new RangeError(`adagrad: initialAccumulatorValue must be a non-negative number, received ${describe(init)}`);
  }
  return new Optimizer('adagrad', c.learningRate ?? 0.001, {
    ...NEUTRAL,
    initialAccumulatorValue: init,
    epsilon: positive('adagrad', 'epsilon', c.epsilon ?? 1e-7),
    ...clip('adagrad', c),
  });
}

const FACTORIES: Record<OptimizerName, () => Optimizer> = { sgd, adam, rmsprop, adadelta, adagrad };

/** An optimizer from an instance or a name (with Keras defaults). */
export function getOptimizer(value: Optimizer | OptimizerName): Optimizer {
  if (value instanceof Optimizer) return value;
  const make = ownEntry(FACTORIES, value);
  if (make) return make();
  throw new RangeError(`compile: optimizer must be an optimizer (optimizers.adam(), ...) or one of ${Object.keys(FACTORIES).join(', ')}, received ${describe(value)}`);
}
