// Training callbacks, Keras style: plain objects with any of the hooks, or the built-ins
// EarlyStopping, ReduceLROnPlateau and TerminateOnNaN. Hooks may be async; fit awaits them.
import type { Tensor } from '../tensor';
import type { Optimizer } from './optimizers';

/** Loss and metrics by name ("loss", "accuracy", "val_loss", ...). */
export type Logs = Record<string, number>;

/** What a callback may touch of the model it trains. */
export interface TrainingModel {
  /** Set true to end fit() after the current batch (or epoch, from onEpochEnd). */
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  readonly optimizer: Optimizer | undefined;
}

export interface Callback {
  setModel?(model: TrainingModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  /** `logs` holds the epoch's means, and val_ entries when there is validation data. */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  /** `logs` holds the running means of the epoch so far. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export type Mode = 'auto' | 'min' | 'max';

function resolveMode(owner: string, mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new RangeError(`${owner}: mode must be 'auto', 'min' or 'max', received ${String(mode)}`);
  }
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall/.test(monitor) ? 'max' : 'min';
}

function nonNegative(owner: string, key: string, v: number): number {
  if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${owner}: ${key} must be a non-negative number, received ${String(v)}`);
  return v;
}

function monitored(owner: string, logs: Logs, monitor: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    process.emitWarning(`${owner}: '${monitor}' is not in the logs (available: ${Object.keys(logs).join(', ')}); skipping`, 'RecurrentCallbackWarning');
  }
  return v;
}

export interface EarlyStoppingConfig {
  /** Default 'val_loss'. */
  monitor?: string;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  mode?: Mode;
  /** Stop unless the monitored value beats this. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching (default 0). */
  startFromEpoch?: number;
}

/** Stops training when the monitored value stops improving (Keras 3 semantics). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly baseline: number | undefined;
  private readonly minDelta: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly startFromEpoch: number;
  private model: TrainingModel | undefined;
  private wait = 0;
  best = Infinity;
  bestEpoch = 0;
  stoppedEpoch = 0;
  private bestWeights: Tensor[] | undefined;

  constructor(config: EarlyStoppingConfig = {}) {
    this.monitor = config.monitor ?? 'val_loss';
    this.minDelta = Math.abs(nonNegative('earlyStopping', 'minDelta', config.minDelta ?? 0));
    this.patience = nonNegative('earlyStopping', 'patience', config.patience ?? 0);
    this.startFromEpoch = nonNegative('earlyStopping', 'startFromEpoch', config.startFromEpoch ?? 0);
    this.restoreBestWeights = config.restoreBestWeights ?? false;
    this.baseline = config.baseline;
    const mode = resolveMode('earlyStopping', config.mode ?? 'auto', this.monitor);
    const d = this.minDelta;
    this.better = mode === 'min' ? (a, b) => a + d < b : (a, b) => a - d > b;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.initialBest = this.best;
  }
  private readonly initialBest: number;

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.initialBest;
    this.bestEpoch = 0;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const current = monitored('earlyStopping', logs, this.monitor);
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    if (this.restoreBestWeights && this.bestWeights === undefined) this.bestWeights = model.getWeights();
    this.wait += 1;
    if (this.better(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // Only a value that also beats the baseline restarts the wait.
      if (this.baseline === undefined || this.better(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights !== undefined) this.requireModel().setWeights(this.bestWeights);
  }

  private requireModel(): TrainingModel {
    if (!this.model) throw new Error('earlyStopping: the callback is not attached to a model (pass it to fit)');
    return this.model;
  }
}

export interface ReduceLROnPlateauConfig {
  /** Default 'val_loss'. */
  monitor?: string;
  /** New rate = rate * factor (default 0.1; must be below 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  mode?: Mode;
  /** Least change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Floor of the learning rate (default 0). */
  minLr?: number;
}

/** Lowers the optimizer's learning rate when the monitored value plateaus (Keras semantics). */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly initialBest: number;
  private model: TrainingModel | undefined;
  private wait = 0;
  private cooldownCounter = 0;
  private best: number;

  constructor(config: ReduceLROnPlateauConfig = {}) {
    this.monitor = config.monitor ?? 'val_loss';
    this.factor = config.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor >= 0 && this.factor < 1)) {
      throw new RangeError(`reduceLROnPlateau: factor must be a number in [0, 1), received ${String(config.factor)}`);
    }
    this.patience = nonNegative('reduceLROnPlateau', 'patience', config.patience ?? 10);
    this.cooldown = nonNegative('reduceLROnPlateau', 'cooldown', config.cooldown ?? 0);
    this.minLr = nonNegative('reduceLROnPlateau', 'minLr', config.minLr ?? 0);
    const minDelta = nonNegative('reduceLROnPlateau', 'minDelta', config.minDelta ?? 1e-4);
    const mode = resolveMode('reduceLROnPlateau', config.mode ?? 'auto', this.monitor);
    this.better = mode === 'min' ? (a, b) => a < b - minDelta : (a, b) => a > b + minDelta;
    this.initialBest = mode === 'min' ? Infinity : -Infinity;
    this.best = this.initialBest;
  }

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = this.initialBest;
    const optimizer = this.model?.optimizer;
    if (optimizer?.hasSchedule) {
      throw new RangeError('reduceLROnPlateau: the optimizer has a learning-rate schedule; use a number learningRate with this callback');
    }
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) throw new Error('reduceLROnPlateau: the callback is not attached to a compiled model (pass it to fit)');
    const lr = optimizer.learningRateAt();
    logs.learning_rate = lr;
    const current = monitored('reduceLROnPlateau', logs, this.monitor);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait += 1;
      if (this.wait >= this.patience && lr > Math.fround(this.minLr)) {
        optimizer.setLearningRate(Math.max(lr * this.factor, this.minLr));
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

/** Ends training at the first batch whose loss is NaN or infinite. */
export class TerminateOnNaN implements Callback {
  private model: TrainingModel | undefined;
  /** The batch that ended training, if one did. */
  stoppedAtBatch: number | undefined;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
  onBatchEnd(batch: number, logs: Logs): void {
    if (logs.loss !== undefined && !Number.isFinite(logs.loss) && this.model) {
      this.stoppedAtBatch = batch;
      this.model.stopTraining = true;
    }
  }
}

export const earlyStopping = (c: EarlyStoppingConfig = {}): EarlyStopping => new EarlyStopping(c);
export const reduceLROnPlateau = (c: ReduceLROnPlateauConfig = {}): ReduceLROnPlateau => new ReduceLROnPlateau(c);
export const terminateOnNaN = (): TerminateOnNaN => new TerminateOnNaN();
