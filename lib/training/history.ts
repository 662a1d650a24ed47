// What fit() returns: per-epoch logs by name, as Keras' History.
import type { Logs } from './callbacks';

export interface HistoryParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
}

export class History {
  /** The epoch indices trained (from initialEpoch). */
  readonly epoch: number[] = [];
  /** history.loss[i], history.val_accuracy[i], ... for epoch[i]. */
  readonly history: Record<string, number[]> = {};

  constructor(readonly params: HistoryParams) {}

  record(epoch: number, logs: Logs): void {
    const index = this.epoch.length;
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      const series = (this.history[key] ??= new Array<number>(index).fill(NaN));
      series.push(value);
    }
  }
}
