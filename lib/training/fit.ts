// The fit, evaluate and predict loops: batches of arrays (shuffled by a seeded
// permutation) or of a dataset (each batch its own shape), one awaited native step per
// batch so the event loop stays free, means weighted by each step's counts, callbacks,
// validation, and the progress display.
import type { OutputBatch, StepArgs, StepResult } from '../graph_spec';
import type { Compiled } from '../models/compile_config';
import type { ModelData } from '../models/data_adapter';
import { fullShardLength, Shard, shardOrder, trainingShardLength } from '../distributed/sharding';
import { deriveSeed, SeededRandom } from '../random';
import { Tensor } from '../tensor';
import { Callback, Logs, TrainingModel } from './callbacks';
import { History } from './history';
import type { Optimizer } from './optimizers';
import { ProgressLogger, ProgressStream } from './progress';

/** The native steps a loop runs (the model keeps its layers' weights in step around them). */
export interface StepRunner {
  train(args: StepArgs): Promise<StepResult>;
  evaluate(args: StepArgs): Promise<StepResult>;
  predict(args: StepArgs): Promise<OutputBatch[]>;
}

export interface FitLoopConfig {
  epochs: number;
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
  runner: StepRunner;
  optimizer: Optimizer;
  compiled: Compiled;
  /** Where training stands, kept current after every batch (what a checkpoint saves). */
  position: { epoch: number; batch: number };
  /** Data-parallel training: sums the validation means over the processes before they are logged. */
  reduceMeans?: (means: MeanLogs) => Promise<void>;
}

/** Where training batches come from, epoch by epoch. */
export interface TrainingSource {
  /** Batches per epoch, when known. */
  steps: number | undefined;
  samples: number | undefined;
  batchSize: number | undefined;
  /** The batches of epoch `epoch`, from batch `first` on. */
  batches(epoch: number, first: number): AsyncIterable<StepArgs> | Iterable<StepArgs>;
}

/** The sample order of epoch `epoch`. */
export function epochOrder(shuffleSeed: number, epoch: number, n: number): Int32Array {
  return new SeededRandom(deriveSeed(shuffleSeed, epoch)).permutation(n);
}

/** Rows [start, end) of `order` from `data` (a view when the rows are contiguous). */
function takeRows<T extends Float32Array | Int32Array | Uint8Array>(data: T, rowSize: number, order: Int32Array | undefined, start: number, end: number): T {
  if (!order) return data.subarray(start * rowSize, end * rowSize) as T;
  const Kind = data.constructor as new (n: number) => T;
  const out = new Kind((end - start) * rowSize);
  for (let i = start; i < end; i++) {
    const r = order[i];
    out.set(data.subarray(r * rowSize, (r + 1) * rowSize), (i - start) * rowSize);
  }
  return out;
}

function rowSize(t: { shape: number[]; size: number }): number {
  return t.shape[0] === 0 ? 0 : t.size / t.shape[0];
}

/** The native step's arguments for rows [start, end) of `order` (or of the data's own order). */
export function stepArgs(data: ModelData, order: Int32Array | undefined, start: number, end: number): StepArgs {
  const args: StepArgs = {
    batch: end - start,
    inputs: data.inputs.map((x, k) => {
      const mask = data.masks[k];
      return {
        data: takeRows(x.data, rowSize(x), order, start, end),
        shape: x.shape.slice(1),
        ...(mask ? { mask: takeRows(mask, x.shape[1], order, start, end) } : {}),
      };
    }),
  };
  if (data.targets.some((t) => t !== null)) {
    args.targets = data.targets.map((y, k) => {
      if (!y) return null;
      const w = data.sampleWeights[k];
      return { data: takeRows(y.data, rowSize(y), order, start, end), ...(w ? { sampleWeight: takeRows(w, 1, order, start, end) } : {}) };
    });
  }
  return args;
}

/**
 * Batches of arrays: shuffled per epoch by a permutation drawn from (shuffleSeed, epoch)
 * alone, so a resumed run shuffles as an uninterrupted one. With a shard (data-parallel
 * training), this process's part of that order (lib/distributed/sharding.ts).
 */
export function arraySource(data: ModelData, batchSize: number, shuffle: boolean, shuffleSeed: number, shard?: Shard): TrainingSource {
  const n = shard ? trainingShardLength(data.n, shard) : data.n;
  const steps = Math.ceil(n / batchSize);
  return {
    steps,
    samples: n,
    batchSize,
    *batches(epoch: number, first: number) {
      const shuffled = shuffle ? epochOrder(shuffleSeed, epoch, data.n) : undefined;
      const order = shard ? shardOrder(shuffled, shard, n) : shuffled;
      for (let b = first; b < steps; b++) yield stepArgs(data, order, b * batchSize, Math.min(n, (b + 1) * batchSize));
    },
  };
}

/** Running means of the loss, the outputs' losses and the metrics, each weighted by its count. */
export class MeanLogs {
  private readonly sums: number[];
  private readonly counts: number[];
  constructor(private readonly compiled: Compiled) {
    this.sums = compiled.logKeys.map(() => 0);
    this.counts = compiled.logKeys.map(() => 0);
  }
  add(r: StepResult): void {
    const add = (key: string, value: number, count: number) => {
      const i = this.compiled.logKeys.indexOf(key);
      this.sums[i] += value * count;
      this.counts[i] += count;
    };
    add('loss', r.loss, r.count);
    const several = this.compiled.outputs.length > 1;
    this.compiled.outputs.forEach((o, k) => {
      const out = r.outputs[k];
      if (!o) return;
      if (!out) throw new Error(`native step returned no result for output ${k}`);
      if (out.metrics.length !== o.metrics.length) throw new Error(`native step returned ${out.metrics.length} metrics for output ${k}, expected ${o.metrics.length}`);
      if (several) add(o.lossKey, out.loss, out.count);
      o.metricKeys.forEach((key, m) => add(key, out.metrics[m], out.count));
    });
  }
  /** The sums, then the counts (what data-parallel training adds up over the processes). */
  totals(): number[] {
    return [...this.sums, ...this.counts];
  }
  /** Replaces the sums and counts by `totals` (totals() order). */
  setTotals(totals: ArrayLike<number>): void {
    const k = this.sums.length;
    if (totals.length !== 2 * k) throw new RangeError(`MeanLogs: expected ${2 * k} totals, received ${totals.length}`);
    for (let i = 0; i < k; i++) {
      this.sums[i] = totals[i];
      this.counts[i] = totals[k + i];
    }
  }
  logs(prefix = ''): Logs {
    const out: Logs = {};
    this.compiled.logKeys.forEach((k, i) => (out[prefix + k] = this.counts[i] > 0 ? this.sums[i] / this.counts[i] : NaN));
    return out;
  }
}

async function each(callbacks: Callback[], call: (c: Callback) => void | Promise<void>): Promise<void> {
  for (const c of callbacks) await call(c);
}

/** Loss and metrics over batches, without updating; `reduce` (data-parallel training) combines the means of every process. */
export async function evaluateLoop(
  runner: StepRunner,
  compiled: Compiled,
  batches: AsyncIterable<StepArgs> | Iterable<StepArgs>,
  reduce?: (means: MeanLogs) => Promise<void>,
): Promise<Logs> {
  const means = new MeanLogs(compiled);
  for await (const args of batches) means.add(await runner.evaluate(args));
  if (reduce) await reduce(means);
  return means.logs();
}

/** Batches of `data` in order; with a shard, of this process's samples (each sample in one process's shard). */
export function* inOrder(data: ModelData, batchSize: number, shard?: Shard): Iterable<StepArgs> {
  const n = shard ? fullShardLength(data.n, shard) : data.n;
  const order = shard ? shardOrder(undefined, shard, n) : undefined;
  for (let start = 0; start < n; start += batchSize) yield stepArgs(data, order, start, Math.min(n, start + batchSize));
}

/** One training step on all of `data` as a single batch (Keras's train_on_batch). */
export async function trainBatch(ctx: Pick<FitContext, 'runner' | 'optimizer' | 'compiled'>, data: ModelData): Promise<Logs> {
  const means = new MeanLogs(ctx.compiled);
  const args = stepArgs(data, undefined, 0, data.n);
  args.learningRate = ctx.optimizer.learningRateAt(ctx.optimizer.iterations);
  means.add(await ctx.runner.train(args));
  ctx.optimizer.iterations += 1;
  return means.logs();
}

/**
 * Model outputs for `data`, in batches: one Tensor [N, ...shape] per output. `shapes`
 * are the outputs' per-sample shapes for these inputs.
 */
export async function predictLoop(runner: StepRunner, data: ModelData, batchSize: number, shapes: number[][]): Promise<Tensor[]> {
  const n = data.n;
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const outs = sizes.map((size) => new Float32Array(n * size));
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const batch = await runner.predict(stepArgs(data, undefined, start, end));
    batch.forEach((b, k) => {
      if (b.data.length !== (end - start) * sizes[k]) throw new Error(`native predict returned ${b.data.length} values for ${end - start} samples of output ${k}`);
      outs[k].set(b.data, start * sizes[k]);
    });
  }
  return outs.map((o, k) => new Tensor(o, [n, ...shapes[k]]));
}

export async function fitLoop(ctx: FitContext, source: TrainingSource, validation: (() => AsyncIterable<StepArgs> | Iterable<StepArgs>) | undefined, config: FitLoopConfig): Promise<History> {
  const history = new History({ epochs: config.epochs, steps: source.steps ?? 0, samples: source.samples ?? 0, batchSize: source.batchSize ?? 0, verbose: config.verbose });
  const callbacks = [...config.callbacks];
  if (config.verbose > 0) {
    callbacks.push(new ProgressLogger({ verbose: config.verbose as 1 | 2, epochs: config.epochs, steps: source.steps, stream: config.progressStream }));
  }
  for (const c of callbacks) c.setModel?.(ctx.model);
  ctx.model.stopTraining = false;
  const aborted = () => config.signal?.aborted === true;

  await each(callbacks, (c) => c.onTrainBegin?.({}));
  let lastLogs: Logs = {};
  for (let epoch = config.initialEpoch; epoch < config.epochs && !ctx.model.stopTraining && !aborted(); epoch++) {
    await each(callbacks, (c) => c.onEpochBegin?.(epoch, {}));
    const means = new MeanLogs(ctx.compiled);
    const firstBatch = epoch === config.initialEpoch ? Math.max(0, config.initialBatch ?? 0) : 0;
    let batch = firstBatch;
    let stopped = false;
    for await (const args of source.batches(epoch, firstBatch)) {
      await each(callbacks, (c) => c.onBatchBegin?.(batch, { batch, size: args.batch }));
      args.learningRate = ctx.optimizer.learningRateAt(ctx.optimizer.iterations);
      const result = await ctx.runner.train(args);
      ctx.optimizer.iterations += 1;
      ctx.position.epoch = epoch;
      ctx.position.batch = batch + 1;
      means.add(result);
      const running = means.logs();
      await each(callbacks, (c) => c.onBatchEnd?.(batch, running));
      batch++;
      if (aborted() || ctx.model.stopTraining) {
        stopped = source.steps === undefined || batch < source.steps;
        break;
      }
    }
    if (batch === firstBatch && firstBatch === 0) {
      throw new RangeError(
        `fit: epoch ${epoch + 1} had no batches (a dataset must be iterable again for every epoch: an array, or an object whose [Symbol.iterator]() or [Symbol.asyncIterator]() starts over)`,
      );
    }
    // An abort in mid-epoch leaves that epoch out of the history.
    if (stopped && aborted()) break;
    ctx.position.epoch = epoch + 1;
    ctx.position.batch = 0;
    const logs = means.logs();
    if (validation && !aborted()) Object.assign(logs, prefixed(await evaluateLoop(ctx.runner, ctx.compiled, validation(), ctx.reduceMeans)));
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
export function splitValidation(data: ModelData, fraction: number): { train: ModelData; validation: ModelData } {
  const n = data.n;
  const at = Math.floor(n * (1 - fraction));
  if (at === 0 || at === n) {
    throw new RangeError(`fit: validationSplit ${fraction} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples`);
  }
  const part = (lo: number, hi: number): ModelData => ({
    n: hi - lo,
    inputs: data.inputs.map((t) => rows(t, lo, hi)),
    masks: data.masks.map((m, k) => (m ? m.subarray(lo * data.inputs[k].shape[1], hi * data.inputs[k].shape[1]) : undefined)),
    targets: data.targets.map((t) => (t ? rows(t, lo, hi) : null)),
    sampleWeights: data.sampleWeights.map((w) => w?.subarray(lo, hi)),
  });
  return { train: part(0, at), validation: part(at, n) };
}

function rows(t: Tensor, lo: number, hi: number): Tensor {
  const r = rowSize(t);
  return new Tensor(t.data.subarray(lo * r, hi * r) as Float32Array | Int32Array, [hi - lo, ...t.shape.slice(1)]);
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
      throw new RangeError(`fit: classWeight[${k}] must be a non-negative finite number, received ${typeof v === 'string' ? `'${v}'` : String(v)}`);
    }
  }
  const n = y.shape[0];
  const out = new Float32Array(n);
  const sparse = y.dtype === 'int32';
  if ((sparse && y.rank > 1) || (!sparse && y.rank > 2)) {
    throw new RangeError(`fit: classWeight needs one class per sample; targets of shape (${y.shape.join(', ')}) have several (use sampleWeight)`);
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
    out[i] = Object.prototype.hasOwnProperty.call(classWeight, cls) ? classWeight[cls] : 1;
  }
  return out;
}
