// timeseriesDataset: sliding windows over a series, Keras's timeseries_dataset_from_array.
import { checkNonNegativeInteger, checkPositiveInteger, type DataTensor } from './tensor';

export interface TimeseriesDatasetOptions {
  /** Time steps per window (L). */
  sequenceLength: number;
  /** Steps between the starts of consecutive windows (default 1). */
  sequenceStride?: number;
  /** Steps between consecutive time steps inside a window (default 1). */
  samplingRate?: number;
  /**
   * k: the target of a window is the value k steps after its last step. Leave out for
   * windows without targets. k = 1 predicts the next value.
   */
  targetOffset?: number;
  /** Also cut the windows into consecutive batches of this size (the last may be smaller). */
  batchSize?: number;
}

export interface TimeseriesBatch {
  /** [B, L, F] */
  inputs: DataTensor<Float32Array>;
  /** [B, F], present when targetOffset was given. */
  targets?: DataTensor<Float32Array>;
}

export interface TimeseriesDataset extends TimeseriesBatch {
  /** The same windows in batches of batchSize; one batch of all windows without batchSize. */
  batches: TimeseriesBatch[];
}

/**
 * Windows over a series of T steps with F features (a 1-D series has F = 1).
 *
 * With r = samplingRate, window i starts at s = i * sequenceStride and holds the steps
 * s, s + r, ..., s + (L - 1) * r; its target is step s + (L - 1) * r + k. Windows are taken
 * while that target (or, without targets, the last step) lies inside the series, so
 * N = ceil((T - (L - 1) * r - k) / sequenceStride), or 0 when the series is too short.
 *
 * This is `keras.utils.timeseries_dataset_from_array(data, targets=data[(L-1)*r + k:],
 * sequence_length=L, sequence_stride, sampling_rate=r, shuffle=False)` — with r = 1 the
 * targets are the series shifted by L + k - 1 (k = 1: Keras's `data[L:]` example) — except
 * that inputs always carry the feature axis ([N, L, 1] for a 1-D series, ready for an RNN)
 * and targets are [N, F].
 */
export function timeseriesDataset(
  series: ArrayLike<number> | readonly ArrayLike<number>[],
  options: TimeseriesDatasetOptions,
): TimeseriesDataset {
  const { sequenceLength: L, sequenceStride = 1, samplingRate = 1, targetOffset, batchSize } = options;
  checkPositiveInteger('timeseriesDataset: sequenceLength', L);
  checkPositiveInteger('timeseriesDataset: sequenceStride', sequenceStride);
  checkPositiveInteger('timeseriesDataset: samplingRate', samplingRate);
  if (targetOffset !== undefined) checkNonNegativeInteger('timeseriesDataset: targetOffset', targetOffset);
  if (batchSize !== undefined) checkPositiveInteger('timeseriesDataset: batchSize', batchSize);

  const { values, steps: T, features: F } = flattenSeries(series);
  const lastInput = (L - 1) * samplingRate;
  const reach = lastInput + (targetOffset ?? 0);
  const n = T > reach ? Math.ceil((T - reach) / sequenceStride) : 0;

  const inputs = new Float32Array(n * L * F);
  const targets = targetOffset === undefined ? undefined : new Float32Array(n * F);
  for (let i = 0; i < n; i++) {
    const s = i * sequenceStride;
    for (let t = 0; t < L; t++) {
      inputs.set(values.subarray((s + t * samplingRate) * F, (s + t * samplingRate + 1) * F), (i * L + t) * F);
    }
    if (targets) targets.set(values.subarray((s + reach) * F, (s + reach + 1) * F), i * F);
  }
  const window = (from: number, to: number): TimeseriesBatch => ({
    inputs: { shape: [to - from, L, F], data: inputs.slice(from * L * F, to * L * F) },
    ...(targets ? { targets: { shape: [to - from, F], data: targets.slice(from * F, to * F) } } : {}),
  });
  const size = batchSize ?? Math.max(n, 1);
  const batches: TimeseriesBatch[] = [];
  for (let from = 0; from < n; from += size) batches.push(window(from, Math.min(n, from + size)));
  return {
    inputs: { shape: [n, L, F], data: inputs },
    ...(targets ? { targets: { shape: [n, F], data: targets } } : {}),
    batches,
  };
}

function flattenSeries(series: ArrayLike<number> | readonly ArrayLike<number>[]): {
  values: Float32Array;
  steps: number;
  features: number;
} {
  const T = series.length;
  if (T === 0) return { values: new Float32Array(0), steps: 0, features: 1 };
  const first = series[0];
  if (typeof first === 'number') {
    const values = Float32Array.from(series as ArrayLike<number>);
    for (let t = 0; t < T; t++) {
      if (typeof (series as ArrayLike<number>)[t] !== 'number') throw new TypeError(`timeseriesDataset: series[${t}] is not a number`);
    }
    return { values, steps: T, features: 1 };
  }
  const rows = series as readonly ArrayLike<number>[];
  const F = rows[0].length;
  if (F === 0) throw new RangeError('timeseriesDataset: series rows must have at least one feature');
  const values = new Float32Array(T * F);
  for (let t = 0; t < T; t++) {
    const row = rows[t];
    if (row === null || typeof row !== 'object' || row.length !== F) {
      throw new RangeError(`timeseriesDataset: series[${t}] must have ${F} features like series[0]`);
    }
    for (let f = 0; f < F; f++) values[t * F + f] = row[f];
  }
  return { values, steps: T, features: F };
}
