// What fit() returns: per-epoch logs by name, as Keras' History.
import { writeFileSync } from 'node:fs';
import type { Logs } from './callbacks';
import { plotHistory, type PlotOptions } from './plot';

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

  /** { epoch, history, params }; JSON writes a missing value (NaN) as null. */
  toJSON(): { epoch: number[]; history: Record<string, number[]>; params: HistoryParams } {
    return { epoch: [...this.epoch], history: Object.fromEntries(Object.entries(this.history).map(([k, v]) => [k, [...v]])), params: { ...this.params } };
  }

  /** Writes toJSON() to file, for `recurrent plot history.json -o loss.svg`. */
  save(file: string): void {
    writeFileSync(file, `${JSON.stringify(this, null, 2)}\n`);
  }

  /** Writes the training curves as an SVG line chart per metric, train against validation. */
  plot(file: string, options: Pick<PlotOptions, 'metrics'> = {}): void {
    plotHistory(this, file, options);
  }
}
