// Metric names as users write them, resolved to the native metrics. 'accuracy' follows
// Keras: binary accuracy for binaryCrossentropy, sparse categorical accuracy for
// sparseCategoricalCrossentropy, categorical accuracy otherwise.
import type { LossName, MetricName } from '../graph_spec';
import { describe, ownEntry } from '../options';

export type { MetricName };

export type MetricAlias =
  | MetricName
  | 'accuracy'
  | 'acc'
  | 'mse'
  | 'mae'
  | 'binary_accuracy'
  | 'categorical_accuracy'
  | 'sparse_categorical_accuracy'
  | 'mean_squared_error'
  | 'mean_absolute_error';

/** A compiled metric: the key in logs and History (the name as the user wrote it) and the native metric. */
export interface ResolvedMetric {
  key: string;
  metric: MetricName;
}

const FIXED: Partial<Record<MetricAlias, MetricName>> = {
  binaryAccuracy: 'binaryAccuracy',
  categoricalAccuracy: 'categoricalAccuracy',
  sparseCategoricalAccuracy: 'sparseCategoricalAccuracy',
  meanSquaredError: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError',
  binary_accuracy: 'binaryAccuracy',
  categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
};

export function accuracyFor(loss: LossName): MetricName {
  if (loss === 'binaryCrossentropy') return 'binaryAccuracy';
  if (loss === 'sparseCategoricalCrossentropy') return 'sparseCategoricalAccuracy';
  return 'categoricalAccuracy';
}

export function resolveMetrics(metrics: readonly MetricAlias[] | undefined, loss: LossName): ResolvedMetric[] {
  if (metrics === undefined) return [];
  if (!Array.isArray(metrics)) throw new TypeError('compile: metrics must be an array of metric names');
  const out: ResolvedMetric[] = [];
  for (const m of metrics as readonly string[]) {
    const metric = m === 'accuracy' || m === 'acc' ? accuracyFor(loss) : ownEntry(FIXED, m);
    if (!metric) {
      throw new RangeError(`compile: unknown metric ${describe(m)} (known: accuracy, acc, ${Object.keys(FIXED).join(', ')})`);
    }
    if (out.some((r) => r.key === m)) throw new RangeError(`compile: metric '${m}' is listed twice`);
    out.push({ key: m, metric });
  }
  return out;
}
