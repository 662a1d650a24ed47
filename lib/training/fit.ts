// The fit, evaluate and predict loops over a NativeModel: batches (shuffled by a seeded
// permutation), one awaited native step per batch so the event loop stays free, means
// weighted by each step's count, callbacks, validation, and the progress display.
import type { NativeModel, StepArgs, StepResult, TargetBatch } from '../graph_spec';
import { deriveSeed, SeededRandom } from '../random';
import { formatShape, shapeSize, Tensor } from '../tensor';
import { Callback, Logs, TrainingModel } from './callbacks';
import { History } from './history';
import type { Optimizer } from './optimizers';
import { ProgressLogger, ProgressStream } from './progress';
import type { ResolvedMetric } from './metrics';

/** Inputs, targets and optional per-sample weights, all with the same first axis. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
  sampleWeight?: Float32Array;
}

export interface FitLoopConfig {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  initialEpoch: number;
  /** Batch of the initial epoch to start at (resuming mid-epoch; default 0). */
  initialBatch?: number;
  verbose: 0 | 1 | 2;
  callbacks: Callback[];
  signal?: AbortSignal;
  progressStream?: ProgressStream;
}

export interface FitContext {
  model: TrainingModel;
  native: NativeModel;
  optimizer: Optimizer;
  metrics: ResolvedMetric[];
  /** The shuffle order of epoch e is a permutation drawn from deriveSeed(shuffleSeed, e) alone, so a resumed run shuffles as an uninterrupted one. */
  shuffleSeed: number;
  /** Where training stands, kept current after every batch (what a checkpoint saves). */
  position: { epoch: number; batch: number };
}

/** The sample order of epoch `epoch`. */
export function epochOrder(shuffleSeed: number, epoch: number, n: number): Int32Array {
  return new SeededRandom(deriveSeed(shuffleSeed, epoch)).permutation(n);
}

function samples(t: Tensor): number {
  return t.shape[0];
}

/** Rows [start, end) of `order` from `t` (a view when the rows are contiguous). */
function takeRows<T extends Float32Array | Int32Array>(data: T, rowSize: number, order: Int32Array | undefined, start: number, end: number): T {
  if (!order) return data.subarray(start * rowSize, end * rowSize) as T;
  const out = (data instanceof Int32Array ? new Int32Array((end - start) * rowSize) : new Float32Array((end - start) * rowSize)) as T;
  for (let i = start; i < end; i++) {
    const r = order[i];
    out.set(data.subarray(r * rowSize, (r + 1) * rowSize), (i - start) * rowSize);
  }
  return out;
}

function stepArgs(data: Dataset, order: Int32Array | undefined, start: number, end: number): StepArgs {
  const n = samples(data.x);
  const xRow = n === 0 ? 0 : data.x.size / n;
  const yRow = n === 0 ? 0 : data.y.size / n;
  const target: TargetBatch = { data: takeRows(data.y.data, yRow, order, start, end) };
  if (data.sampleWeight) target.sampleWeight = takeRows(data.sampleWeight, 1, order, start, end);
  return {
    batch: end - start,
    inputs: [{ data: takeRows(data.x.data, xRow, order, start, end), shape: data.x.shape.slice(1) }],
    targets: [target],
  };
}

/** Running means of loss and metrics, weighted by each step's count. */
class MeanLogs {
  private sums: number[];
  private count = 0;
  constructor(private readonly keys: string[]) {
    this.sums = keys.map(() => 0);
  }
  add(r: StepResult): void {
    const metrics = r.outputs[0]?.metrics ?? [];
    const values = [r.loss, ...metrics];
    if (values.length !== this.keys.length) {
      throw new Error(`native step returned ${metrics.length} metrics, expected ${this.keys.length - 1}`);
    }
    for (let i = 0; i < values.length; i++) this.sums[i] += values[i] * r.count;
    this.count += r.count;
  }
  logs(prefix = ''): Logs {
    const out: Logs = {};
    this.keys.forEach((k, i) => (out[prefix + k] = this.count > 0 ? this.sums[i] / this.count : NaN));
    return out;
  }
}

async function each(callbacks: Callback[], call: (c: Callback) => void | Promise<void>): Promise<void> {
  for (const c of callbacks) await call(c);
}

/** Loss and metrics of `data`, in batches, without updating. */
export async function evaluateLoop(native: NativeModel, metrics: ResolvedMetric[], data: Dataset, batchSize: number): Promise<Logs> {
  const means = new MeanLogs(['loss', ...metrics.map((m) => m.key)]);
  const n = samples(data.x);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    means.add(await native.evaluateStep(stepArgs(data, undefined, start, end)));
  }
  return means.logs();
}

/** One training step on all of `data` as a single batch (Keras's train_on_batch). */
export async function trainBatch(ctx: Pick<FitContext, 'native' | 'optimizer' | 'metrics'>, data: Dataset): Promise<Logs> {
  const means = new MeanLogs(['loss', ...ctx.metrics.map((m) => m.key)]);
  const args = stepArgs(data, undefined, 0, samples(data.x));
  args.learningRate = ctx.optimizer.learningRateAt(ctx.optimizer.iterations);
  means.add(await ctx.native.trainStep(args));
  ctx.optimizer.iterations += 1;
  return means.logs();
}

/** Model outputs for `x`, in batches: a Tensor [N, ...outputShape]. */
export async function predictLoop(native: NativeModel, x: Tensor, batchSize: number, outputShape: number[]): Promise<Tensor> {
  const n = samples(x);
  const rowIn = n === 0 ? 0 : x.size / n;
  const rowOut = shapeSize(outputShape);
  const out = new Float32Array(n * rowOut);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const [y] = await native.predict({ batch: end - start, inputs: [{ data: takeRows(x.data, rowIn, undefined, start, end), shape: x.shape.slice(1) }] });
    if (y.data.length !== (end - start) * rowOut) {
      throw new Error(`native predict returned ${y.data.length} values for ${end - start} samples of output shape ${formatShape(outputShape)}`);
    }
    out.set(y.data, start * rowOut);
  }
  return new Tensor(out, [n, ...outputShape]);
}

export async function fitLoop(ctx: FitContext, train: Dataset, validation: Dataset | undefined, config: FitLoopConfig): Promise<History> {
  const n = samples(train.x);
  const steps = Math.ceil(n / config.batchSize);
  const history = new History({ epochs: config.epochs, steps, samples: n, batchSize: config.batchSize, verbose: config.verbose });
  const keys = ['loss', ...ctx.metrics.map((m) => m.key)];
  const callbacks = [...config.callbacks];
  if (config.verbose > 0) {
    callbacks.push(new ProgressLogger({ verbose: config.verbose as 1 | 2, epochs: config.epochs, steps, stream: config.progressStream }));
  }
  for (const c of callbacks) c.setModel?.(ctx.model);
  ctx.model.stopTraining = false;
  const aborted = () => config.signal?.aborted === true;

  await each(callbacks, (c) => c.onTrainBegin?.({}));
  let lastLogs: Logs = {};
  for (let epoch = config.initialEpoch; epoch < config.epochs && !ctx.model.stopTraining && !aborted(); epoch++) {
    await each(callbacks, (c) => c.onEpochBegin?.(epoch, {}));
    const order = config.shuffle ? epochOrder(ctx.shuffleSeed, epoch, n) : undefined;
    const means = new MeanLogs(keys);
    let completed = true;
    const firstBatch = epoch === config.initialEpoch ? Math.min(config.initialBatch ?? 0, steps) : 0;
    for (let batch = firstBatch; batch < steps; batch++) {
      await each(callbacks, (c) => c.onBatchBegin?.(batch, { batch, size: Math.min(config.batchSize, n - batch * config.batchSize) }));
      const args = stepArgs(train, order, batch * config.batchSize, Math.min(n, (batch + 1) * config.batchSize));
      args.learningRate = ctx.optimizer.learningRateAt(ctx.optimizer.iterations);
      const result = await ctx.native.trainStep(args);
      ctx.optimizer.iterations += 1;
      ctx.position.epoch = epoch;
      ctx.position.batch = batch + 1;
      means.add(result);
      const running = means.logs();
      await each(callbacks, (c) => c.onBatchEnd?.(batch, running));
      if (aborted() || ctx.model.stopTraining) {
        completed = batch === steps - 1;
        break;
      }
    }
    // An abort in mid-epoch leaves that epoch out of the history.
    if (!completed && aborted()) break;
    ctx.position.epoch = epoch + 1;
    ctx.position.batch = 0;
    const logs = means.logs();
    if (validation && !aborted()) Object.assign(logs, await evaluateLoop(ctx.native, ctx.metrics, validation, config.batchSize).then((v) => prefixed(v)));
    await each(callbacks, (c) => c.onEpochEnd?.(epoch, logs));
    history.record(epoch, logs);
    lastLogs = logs;
  }
  await each(callbacks, (c) => c.onTrainEnd?.(lastLogs));
  return history;
}

function prefixed(logs: Logs): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[`val_${k}`] = v;
  return out;
}

/** The last `fraction` of the samples (Keras validationSplit, taken before shuffling). */
export function splitValidation(data: Dataset, fraction: number): { train: Dataset; validation: Dataset } {
  const n = samples(data.x);
  const at = Math.floor(n * (1 - fraction));
  if (at === 0 || at === n) {
    throw new RangeError(`fit: validationSplit ${fraction} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples`);
  }
  const part = (t: Tensor, lo: number, hi: number): Tensor => {
    const row = t.size / n;
    return new Tensor(t.data.subarray(lo * row, hi * row) as Float32Array | Int32Array, [hi - lo, ...t.shape.slice(1)]);
  };
  const sw = data.sampleWeight;
  return {
    train: { x: part(data.x, 0, at), y: part(data.y, 0, at), ...(sw ? { sampleWeight: sw.subarray(0, at) } : {}) },
    validation: { x: part(data.x, at, n), y: part(data.y, at, n), ...(sw ? { sampleWeight: sw.subarray(at, n) } : {}) },
  };
}

/**
 * Per-sample weights from class weights (Keras): the class of a sample is its id (sparse
 * targets), the argmax of a one-hot row, or the rounded value of a single binary output.
 * Classes missing from `classWeight` weigh 1.
 */
export function classWeightsToSampleWeights(y: Tensor, classWeight: Record<number, number>): Float32Array {
  for (const [k, v] of Object.entries(classWeight)) {
    if (!/^\d+$/.test(k)) throw new RangeError(`fit: classWeight keys must be class indices, received '${k}'`);
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`fit: classWeight[${k}] must be a non-negative number, received ${String(v)}`);
    }
  }
  const n = y.shape[0];
  const out = new Float32Array(n);
  const sparse = y.dtype === 'int32';
  if ((sparse && y.rank > 1) || (!sparse && y.rank > 2)) {
    throw new RangeError(`fit: classWeight needs one class per sample; targets of shape ${formatShape(y.shape)} have several (use sampleWeight)`);
  }
  const width = sparse ? 1 : y.shape[1];
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (sparse) cls = y.data[i];
    else if (width === 1) cls = Math.round(y.data[i]);
    else {
      cls = 0;
      for (let j = 1; j < width; j++) if (y.data[i * width + j] > y.data[i * width + cls]) cls = j;
    }
    out[i] = classWeight[cls] ?? 1;
  }
  return out;
}
