// fit({ distributed: true }): one training step of a data-parallel job. Each process
// computes the gradients of its shard's batch (computeGradients), the gradients are
// averaged over the processes and the step's loss and metric sums added up (one fused
// collective, lib/distributed/index.ts), and the averaged gradients go back into the
// native model for clipping and the update (applyGradients): every process makes the same
// update and holds the same weights. At the start, rank 0's weights and optimizer state
// are broadcast, and the processes check that they train alike.
import type { StepResult } from '../graph_spec';
import type { Compiled } from '../models/compile_config';
import type { NativeRuntime } from '../models/native_runtime';
import type { MeanLogs, StepRunner } from '../training/fit';
import { Collectives, recordReduction } from './process_group';
import type { Shard } from './sharding';
import { trainingShardLength } from './sharding';

/** What data-parallel training needs of a model (lib/models/model.ts gives it). */
export interface ParallelHost {
  name: string;
  compiled: Compiled;
  /** The native model (made when there is none yet). */
  runtime(): Promise<NativeRuntime>;
  /** Takes `values` (getWeights order, the library's own arrays) as the weights of the layers and of the native model. */
  adoptWeights(values: Float32Array[]): void;
  /** The model's own runner, for evaluate and predict. */
  local: StepRunner;
  /** The embedding tables among the weights (a frozen one's gradient is zero: no rows to send): (getWeights index, row width) pairs, in index order. */
  embeddingTables: Int32Array;
}

/** What every process must agree on before the first step. */
export interface ParallelPlan {
  samples: number;
  validationSamples: number;
  batchSize: number;
  epochs: number;
  initialEpoch: number;
  initialBatch: number;
  shuffleSeed: number;
}

export interface DataParallel {
  shard: Shard;
  /** Rank 0's shuffle seed, which every rank uses. */
  shuffleSeed: number;
  runner: StepRunner;
  reduceMeans(means: MeanLogs): Promise<void>;
}

const AGREED: [keyof ParallelPlan | 'weights' | 'params', string][] = [
  ['samples', 'training samples'],
  ['validationSamples', 'validation samples'],
  ['batchSize', 'batchSize'],
  ['epochs', 'epochs'],
  ['initialEpoch', 'initial epoch'],
  ['initialBatch', 'initial batch'],
  ['weights', 'weight arrays'],
  ['params', 'parameters'],
];

/**
 * The step's loss and metrics as sums and counts: [failed, loss * count, count, then per
 * output with a loss: loss * count, count, metric * count ...]. A sum over the processes
 * gives the global figures; `failed` counts the processes whose step failed.
 */
function encodeStep(compiled: Compiled, r: StepResult | undefined): Float64Array {
  const out: number[] = [r ? 0 : 1];
  const part = (value: number, count: number) => (count > 0 && Number.isFinite(count) ? value * count : 0);
  out.push(r ? part(r.loss, r.count) : 0, r ? r.count : 0);
  compiled.outputs.forEach((o, k) => {
    if (!o) return;
    const res = r?.outputs[k];
    const count = res?.count ?? 0;
    out.push(res ? part(res.loss, count) : 0, count);
    o.metrics.forEach((_, m) => out.push(res ? part(res.metrics[m], count) : 0));
  });
  return Float64Array.from(out);
}

function decodeStep(compiled: Compiled, s: Float64Array): StepResult {
  const mean = (sum: number, count: number) => (count > 0 ? sum / count : NaN);
  let at = 3;
  const outputs = compiled.outputs.map((o) => {
    if (!o) return null;
    const loss = s[at], count = s[at + 1];
    at += 2;
    const metrics = o.metrics.map(() => mean(s[at++], count));
    return { loss: mean(loss, count), count, metrics };
  });
  return { loss: mean(s[1], s[2]), count: s[2], outputs };
}

function disagreement(what: string, values: number[]): string {
  return `${what}: ${values.map((v, r) => `rank ${r} has ${v}`).join(', ')}`;
}

/** Checks the plan on every rank, broadcasts rank 0's weights and optimizer state, and returns the runner of the steps. */
export async function startDataParallel(host: ParallelHost, c: Collectives, plan: ParallelPlan): Promise<DataParallel> {
  const op = `${host.name}: fit (distributed)`;
  const shard: Shard = { rank: c.rank, size: c.size };
  const runtime = await host.runtime();
  const native = runtime.current();
  const weights = native.getWeights();
  const state = native.getOptimizerState();
  const mine: Record<string, number> = { ...plan, weights: weights.length, params: weights.reduce((n, w) => n + w.length, 0) };
  const fields = [...AGREED.map(([k]) => mine[k]), plan.shuffleSeed, state.step, state.iterations, host.compiled.optimizer.iterations];
  const all = await c.allgather(Float64Array.from(fields));
  const width = fields.length;
  const at = (rank: number, i: number) => all[rank * width + i];
  const problems: string[] = [];
  AGREED.forEach(([, what], i) => {
    const values = Array.from({ length: c.size }, (_, r) => at(r, i));
    if (values.some((v) => v !== values[0])) problems.push(disagreement(what, values));
  });
  if (problems.length > 0) {
    throw new RangeError(`${op}: the ${c.size} processes must train alike (the same data, batchSize, epochs and model), but they differ in ${problems.join('; ')}`);
  }
  if (trainingShardLength(plan.samples, shard) === 0) {
    throw new RangeError(`${op}: ${plan.samples} training samples cannot be shared by ${c.size} processes (each needs at least one)`);
  }
  const shuffleSeed = at(0, AGREED.length);
  // Rank 0's weights and optimizer slots, then its counters.
  const received = await c.broadcast([...weights, ...state.slots]);
  host.adoptWeights(received.slice(0, weights.length));
  runtime.current().setOptimizerState({ step: at(0, AGREED.length + 1), iterations: at(0, AGREED.length + 2), slots: received.slice(weights.length) });
  host.compiled.optimizer.iterations = at(0, AGREED.length + 3);
  const lengths = weights.map((w) => w.length);

  const train = async (args: Parameters<StepRunner['train']>[0]): Promise<StepResult> => {
    const { learningRate, ...batch } = args;
    let rt: NativeRuntime | undefined;
    let result: StepResult | undefined;
    let failure: unknown;
    let gradients: Float32Array[];
    try {
      rt = await host.runtime();
      const m = rt.current();
      result = await m.computeGradients(batch);
      gradients = m.getGradients();
    } catch (err) {
      // Join the collective anyway, so the other processes learn of it instead of waiting.
      failure = err;
      result = undefined;
      gradients = lengths.map((n) => new Float32Array(n));
    }
    const started = process.hrtime.bigint();
    const reduced = await c.allreduceMean(gradients, encodeStep(host.compiled, result), host.embeddingTables);
    recordReduction(lengths, reduced, Number(process.hrtime.bigint() - started) / 1e9);
    if (failure !== undefined || !rt) throw failure;
    if (reduced.stats[0] > 0) throw new Error(`${op}: the training step failed on ${reduced.stats[0]} other process(es) of ${c.size}; their output says why`);
    const m = rt.current();
    m.setGradients(reduced.gradients);
    await m.applyGradients(learningRate === undefined ? {} : { learningRate });
    rt.trained();
    return decodeStep(host.compiled, reduced.stats);
  };

  return {
    shard,
    shuffleSeed,
    runner: { train, evaluate: host.local.evaluate, predict: host.local.predict },
    reduceMeans: async (means) => {
      const summed = await c.allreduceMean([], Float64Array.from(means.totals()), new Int32Array(0));
      means.setTotals(summed.stats);
    },
  };
}
