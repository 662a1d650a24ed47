// Timing for benchmarks: warm-up, then timed iterations within a time budget; the median
// is the figure we report, min and max the spread.
export interface Timing {
  msMedian: number;
  msMin: number;
  msMax: number;
  iterations: number;
}

export function summarize(samplesMs: number[]): Timing {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { msMedian: median, msMin: s[0], msMax: s[s.length - 1], iterations: s.length };
}

/** Runs `step` `warmup` times, then until `budgetMs` is spent (between minIters and maxIters). */
export async function timeIt(
  step: () => Promise<unknown> | unknown,
  opts: { warmup?: number; budgetMs: number; minIters?: number; maxIters?: number },
): Promise<Timing> {
  const warmup = opts.warmup ?? 2;
  const minIters = opts.minIters ?? 3;
  const maxIters = opts.maxIters ?? 200;
  for (let i = 0; i < warmup; i++) await step();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minIters || (samples.length < maxIters && performance.now() - start < opts.budgetMs)) {
    const t0 = performance.now();
    await step();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** A fixed-width text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A markdown table, for the README. */
export function formatMarkdown(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
