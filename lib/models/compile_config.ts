// compile({ optimizer, loss, metrics, lossWeights }) for a model with one or several
// outputs, as Keras takes it: a loss for every output (one name for all, a list, or an
// object by output name; null for an output that has no loss), loss weights, and metrics
// (a list for every output with a loss, a list of lists, or an object by output name). The
// log keys follow Keras: 'loss', then per output '<output>_loss' and '<output>_<metric>'
// when there are several outputs, or the metric's own name when there is one.
import type { CompileSpec, OutputLossSpec } from '../graph_spec';
import { checkedOptions, describe, ownEntry } from '../options';
import { getLoss, Loss, LossLike } from '../training/losses';
import { MetricAlias, ResolvedMetric, resolveMetrics } from '../training/metrics';
import { getOptimizer, Optimizer, OptimizerName } from '../training/optimizers';

export type PerOutput<T> = T | T[] | Record<string, T>;

export interface CompileConfig {
  optimizer: Optimizer | OptimizerName;
  /** One loss for every output, a list (one per output), or { outputName: loss }; null: the output gets no loss. */
  loss: PerOutput<LossLike | null>;
  /** A list for every output with a loss, a list of lists (one per output), or { outputName: list }. */
  metrics?: MetricAlias[] | MetricAlias[][] | Record<string, MetricAlias[]>;
  /** Weights of the outputs' losses in the model's loss (a list or { outputName: weight }; default 1 each). */
  lossWeights?: number[] | Record<string, number>;
}

export const COMPILE_KEYS = ['optimizer', 'loss', 'metrics', 'lossWeights'] as const;

export interface CompiledOutput {
  loss: Loss;
  weight: number;
  metrics: ResolvedMetric[];
  /** Log key of this output's loss (multi-output models). */
  lossKey: string;
  /** Log keys of its metrics, in order. */
  metricKeys: string[];
}

export interface Compiled {
  optimizer: Optimizer;
  /** One per model output; null where the output has no loss. */
  outputs: (CompiledOutput | null)[];
  /** The keys of a step's logs: 'loss', per-output losses (several outputs), metrics. */
  logKeys: string[];
}

/** Spreads a per-output setting over the outputs; `what` names it in errors. */
export function perOutput<T>(what: string, value: PerOutput<T> | undefined, names: readonly string[], isOne: (v: unknown) => boolean, fallback?: T): (T | undefined)[] {
  if (value === undefined) return names.map(() => fallback);
  if (isOne(value)) return names.map(() => value as T);
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new RangeError(`${what}: the model has ${names.length} outputs, received a list of ${value.length}`);
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (!names.includes(key)) throw new RangeError(`${what}: '${key}' is not an output of the model (outputs: ${names.map((n) => `'${n}'`).join(', ')})`);
    }
    return names.map((n) => ownEntry(value as Record<string, T>, n) ?? fallback);
  }
  throw new TypeError(`${what}: expected one value, a list or an object by output name, received ${describe(value)}`);
}

const isLossLike = (v: unknown): boolean => typeof v === 'string' || v === null || (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Loss).name === 'string');

export function compileModel(what: string, config: CompileConfig, outputNames: readonly string[]): Compiled {
  const c = checkedOptions(`${what}: compile`, config, [...COMPILE_KEYS]);
  if (c.optimizer === undefined) throw new TypeError(`${what}: compile needs an optimizer`);
  if (c.loss === undefined) throw new TypeError(`${what}: compile needs a loss`);
  const optimizer = getOptimizer(c.optimizer);
  const losses = perOutput(`${what}: compile: loss`, c.loss, outputNames, isLossLike);
  const weights = perOutput(`${what}: compile: lossWeights`, c.lossWeights as PerOutput<number> | undefined, outputNames, (v) => typeof v === 'number', 1);
  const isMetricList = (v: unknown) => Array.isArray(v) && v.every((m) => typeof m === 'string');
  let metricLists: (MetricAlias[] | undefined)[];
  if (c.metrics === undefined) metricLists = outputNames.map(() => []);
  else if (isMetricList(c.metrics)) metricLists = outputNames.map(() => c.metrics as MetricAlias[]);
  else metricLists = perOutput(`${what}: compile: metrics`, c.metrics as PerOutput<MetricAlias[]>, outputNames, () => false, []);
  const several = outputNames.length > 1;
  const outputs = outputNames.map((name, i): CompiledOutput | null => {
    const l = losses[i];
    if (l === null || l === undefined) {
      if (ownEntry(c.metrics as Record<string, unknown>, name) !== undefined && !Array.isArray(c.metrics)) {
        throw new RangeError(`${what}: compile: output '${name}' has metrics but no loss`);
      }
      return null;
    }
    const loss = getLoss(l);
    const weight = weights[i] as number;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`${what}: compile: lossWeights for output '${name}' must be a non-negative number, received ${describe(weight)}`);
    }
    const metrics = resolveMetrics(metricLists[i] ?? [], loss.name);
    if (loss.sampledSoftmax && metrics.length > 0) {
      throw new RangeError(`${what}: compile: output '${name}' is trained with sampledSoftmax, which computes no full output in training, so it takes no metrics (evaluate() reports its full softmax loss)`);
    }
    return {
      loss,
      weight,
      metrics,
      lossKey: `${name}_loss`,
      metricKeys: metrics.map((m) => (several ? `${name}_${m.key}` : m.key)),
    };
  });
  if (outputs.every((o) => o === null)) throw new RangeError(`${what}: compile: at least one output needs a loss`);
  const logKeys = ['loss'];
  if (several) for (const o of outputs) if (o) logKeys.push(o.lossKey);
  for (const o of outputs) if (o) logKeys.push(...o.metricKeys);
  return { optimizer, outputs, logKeys };
}

export function compileSpec(compiled: Compiled): CompileSpec {
  return {
    losses: compiled.outputs.map((o): OutputLossSpec | null =>
      o
        ? {
            loss: o.loss.name,
            fromLogits: o.loss.fromLogits,
            weight: o.weight,
            metrics: o.metrics.map((m) => m.metric),
            ...(o.loss.sampledSoftmax ? { sampledSoftmax: { ...o.loss.sampledSoftmax } } : {}),
          }
        : null,
    ),
    optimizer: compiled.optimizer.spec(),
  };
}
