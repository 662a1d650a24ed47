// Keras-like training progress. On a TTY with verbose 1: "Epoch 1/10", then a bar redrawn
// in place ("12/40 [=======>......] - ETA: 3s - loss: 0.6931") and a final line with the
// elapsed time, time per step, the means and the val_ values. Not on a TTY, or with
// verbose 2: one line per epoch.
import type { Callback, Logs } from './callbacks';

/** Where progress goes: process.stdout by default; isTTY picks the live bar. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressConfig {
  verbose: 1 | 2;
  epochs: number;
  /** Batches per epoch; undefined for a dataset of unknown length (learnt from the first epoch). */
  steps: number | undefined;
  stream?: ProgressStream;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
  /** Least milliseconds between redraws of the live bar (default 50; the last batch always draws). */
  redrawInterval?: number;
}

const BAR_WIDTH = 30;

/** Keras' number format: 4 decimals, scientific notation for tiny values. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v).toLowerCase();
  if (v === 0 || Math.abs(v) >= 1e-3) return v.toFixed(4);
  const [mantissa, exp] = v.toExponential(4).split('e');
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

function formatPerStep(ms: number): string {
  if (ms >= 1000) return `${Math.round(ms / 1000)}s/step`;
  if (ms >= 1) return `${Math.round(ms)}ms/step`;
  return `${Math.round(ms * 1000)}us/step`;
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

/** The bar of `current` out of `target` batches: [=======>......] */
export function progressBar(current: number, target: number, width = BAR_WIDTH): string {
  const filled = Math.floor((width * current) / target);
  let bar = '[';
  if (filled > 0) bar += '='.repeat(filled - 1) + (current < target ? '>' : '=');
  bar += '.'.repeat(width - filled);
  return `${bar}]`;
}

export class ProgressLogger implements Callback {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private readonly now: () => number;
  private readonly redrawInterval: number;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private lastWidth = 0;
  private lineOpen = false;
  private batchesDone = 0;
  private steps: number | undefined;

  constructor(private readonly config: ProgressConfig) {
    this.steps = config.steps;
    this.stream = config.stream ?? process.stdout;
    this.live = config.verbose === 1 && this.stream.isTTY === true;
    this.now = config.now ?? (() => performance.now());
    this.redrawInterval = config.redrawInterval ?? 50;
  }

  private counter(current: number): string {
    if (this.steps === undefined) return `${current}/Unknown`;
    const digits = String(this.steps).length;
    return `${String(current).padStart(digits)}/${this.steps}`;
  }

  private bar(current: number): string {
    return this.steps === undefined ? '' : ` ${progressBar(current, this.steps)}`;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.batchesDone = 0;
    this.lastWidth = 0;
    if (this.live) this.stream.write(`Epoch ${epoch + 1}/${this.config.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.batchesDone = batch + 1;
    if (!this.live) return;
    const t = this.now();
    const current = batch + 1;
    if ((this.steps === undefined || current < this.steps) && t - this.lastDraw < this.redrawInterval) return;
    this.lastDraw = t;
    const perStep = (t - this.epochStart) / current;
    const eta = this.steps === undefined ? '' : ` - ETA: ${formatEta((perStep * (this.steps - current)) / 1000)}`;
    const line = `${this.counter(current)}${this.bar(current)}${eta}${formatLogs(logs)}`;
    this.redraw(line);
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const elapsed = this.now() - this.epochStart;
    const steps = Math.max(1, this.batchesDone);
    const timing = `${Math.round(elapsed / 1000)}s ${formatPerStep(elapsed / steps)}`;
    // A dataset's length is known after its first epoch.
    if (this.steps === undefined && this.batchesDone > 0) this.steps = this.batchesDone;
    if (this.live) {
      this.redraw(`${this.counter(this.batchesDone)}${this.bar(this.batchesDone)} - ${timing}${formatLogs(logs)}`);
      this.stream.write('\n');
      this.lineOpen = false;
    } else {
      this.stream.write(`Epoch ${epoch + 1}/${this.config.epochs} - ${this.counter(this.batchesDone)} - ${timing}${formatLogs(logs)}\n`);
    }
  }

  onTrainEnd(): void {
    // A stop in mid-epoch leaves the bar's line open.
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
  }

  private redraw(line: string): void {
    const pad = Math.max(0, this.lastWidth - line.length);
    this.stream.write(`\r${line}${' '.repeat(pad)}`);
    this.lastWidth = line.length;
    this.lineOpen = true;
  }
}
