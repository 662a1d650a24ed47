// Training curves as a hand-written SVG: one line chart per metric (loss, accuracy, ...), the
// training series beside its val_ series, with ticked and labelled axes and a legend. No
// dependency; PNG is left to any SVG renderer (rsvg-convert, a browser).
import { writeFileSync } from 'node:fs';

/** What the plot needs of a History: epoch indices and series by name (null = no value, as JSON writes NaN). */
export interface HistoryData {
  epoch: number[];
  history: Record<string, (number | null)[]>;
}

export interface PlotOptions {
  /** Metrics to draw, by their training name ('loss', 'accuracy'); default: every one in the history. */
  metrics?: string[];
  /** Width of the picture in pixels (default 640). */
  width?: number;
  /** Height of one metric's chart in pixels (default 300). */
  panelHeight?: number;
}

const MARGIN = { left: 80, right: 24, top: 40, bottom: 52 };
const SERIES_STYLE = {
  train: { label: 'train', color: '#1f77b4', dash: '' },
  validation: { label: 'validation', color: '#ff7f0e', dash: '6 4' },
} as const;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Numbers as axis labels: no float noise (0.30000000000000004), exponents for tiny or huge values. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(1).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; step: number; min: number; max: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max))) throw new RangeError(`niceTicks: bounds must be finite, received ${min}, ${max}`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) as number;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) ticks.push(Number((lo + k * step).toPrecision(12)));
  return { ticks, step, min: lo, max: hi };
}

/** Integer epoch ticks, at most about 10 of them. */
function epochTicks(first: number, last: number): number[] {
  const span = last - first;
  const step = span <= 10 ? 1 : niceTicks(0, span, 8).step;
  const ticks: number[] = [];
  for (let e = Math.ceil(first / step) * step; e <= last; e += step) ticks.push(e);
  return ticks;
}

/** Metric names in the history: training names, plus val_ names that have no training twin. */
export function metricNames(data: HistoryData): string[] {
  const keys = Object.keys(data.history);
  const names = keys.filter((k) => !k.startsWith('val_'));
  for (const k of keys) if (k.startsWith('val_') && !keys.includes(k.slice(4)) && !names.includes(k.slice(4))) names.push(k.slice(4));
  return names;
}

/** Polyline runs of consecutive finite points; a missing value breaks the line. */
function runs(xs: number[], ys: (number | null)[]): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  ys.forEach((y, i) => {
    if (typeof y === 'number' && Number.isFinite(y) && Number.isFinite(xs[i])) current.push([xs[i], y]);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  });
  if (current.length) out.push(current);
  return out;
}

function panel(data: HistoryData, metric: string, top: number, width: number, height: number): string {
  const epochs = data.epoch.map((e) => e + 1); // shown 1-based, as the progress bar counts
  const series = (['train', 'validation'] as const)
    .map((kind) => ({ kind, values: data.history[kind === 'train' ? metric : `val_${metric}`] }))
    .filter((s): s is { kind: 'train' | 'validation'; values: (number | null)[] } => Array.isArray(s.values));
  const finite = series.flatMap((s) => s.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const parts: string[] = [`<g class="panel" data-metric="${escapeXml(metric)}">`];
  parts.push(`<text x="${x0}" y="${top + 24}" font-size="15" font-weight="bold">${escapeXml(metric)}</text>`);
  parts.push(`<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  if (finite.length === 0 || epochs.length === 0) {
    parts.push(`<text x="${x0 + plotW / 2}" y="${y0 + plotH / 2}" text-anchor="middle" fill="#888">no values</text></g>`);
    return parts.join('\n');
  }
  const firstEpoch = Math.min(...epochs);
  const lastEpoch = Math.max(...epochs);
  const xMin = lastEpoch === firstEpoch ? firstEpoch - 1 : firstEpoch;
  const xMax = lastEpoch === firstEpoch ? lastEpoch + 1 : lastEpoch;
  const y = niceTicks(Math.min(...finite), Math.max(...finite), 5);
  const px = (e: number) => x0 + ((e - xMin) / (xMax - xMin)) * plotW;
  const py = (v: number) => y0 + plotH - ((v - y.min) / (y.max - y.min)) * plotH;
  const f = (v: number) => v.toFixed(2);

  for (const t of y.ticks) {
    parts.push(`<line x1="${x0}" y1="${f(py(t))}" x2="${x0 + plotW}" y2="${f(py(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${x0 - 5}" y1="${f(py(t))}" x2="${x0}" y2="${f(py(t))}" stroke="#333"/>`);
    parts.push(`<text x="${x0 - 8}" y="${f(py(t) + 4)}" text-anchor="end" font-size="11">${formatTick(t, y.step)}</text>`);
  }
  for (const e of epochTicks(xMin, xMax)) {
    parts.push(`<line x1="${f(px(e))}" y1="${y0 + plotH}" x2="${f(px(e))}" y2="${y0 + plotH + 5}" stroke="#333"/>`);
    parts.push(`<text x="${f(px(e))}" y="${y0 + plotH + 18}" text-anchor="middle" font-size="11">${e}</text>`);
  }
  parts.push(`<text class="x-label" x="${x0 + plotW / 2}" y="${y0 + plotH + 38}" text-anchor="middle" font-size="12">epoch</text>`);
  parts.push(
    `<text class="y-label" x="${MARGIN.left - 66}" y="${y0 + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${MARGIN.left - 66} ${y0 + plotH / 2})">${escapeXml(metric)}</text>`,
  );

  for (const s of series) {
    const style = SERIES_STYLE[s.kind];
    const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
    for (const run of runs(epochs, s.values)) {
      if (run.length > 1) {
        const d = run.map(([e, v], i) => `${i === 0 ? 'M' : 'L'}${f(px(e))},${f(py(v))}`).join(' ');
        parts.push(`<path class="series ${s.kind}" d="${d}" fill="none" stroke="${style.color}" stroke-width="2"${dash}/>`);
      }
      for (const [e, v] of run) parts.push(`<circle cx="${f(px(e))}" cy="${f(py(v))}" r="2.5" fill="${style.color}"/>`);
    }
  }

  // Legend in the header row, right-aligned above the plot area, so it never hides a line.
  const itemW = 110;
  const ly = top + 24;
  parts.push('<g class="legend">');
  series.forEach((s, i) => {
    const style = SERIES_STYLE[s.kind];
    const lx = x0 + plotW - itemW * (series.length - i);
    const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
    parts.push(`<line x1="${lx + 8}" y1="${ly - 4}" x2="${lx + 36}" y2="${ly - 4}" stroke="${style.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 42}" y="${ly}" font-size="12">${style.label}</text>`);
  });
  parts.push('</g></g>');
  return parts.join('\n');
}

/** The SVG document: one chart per metric, stacked. */
export function historySvg(data: HistoryData, options: PlotOptions = {}): string {
  if (!data || !Array.isArray(data.epoch) || typeof data.history !== 'object' || data.history === null) {
    throw new TypeError('plot: expected a history { epoch: number[], history: { name: number[] } }');
  }
  const known = metricNames(data);
  const metrics = options.metrics ?? known;
  for (const m of metrics) {
    if (!known.includes(m)) throw new RangeError(`plot: no metric '${m}' in the history (it has: ${known.join(', ') || 'none'})`);
  }
  if (metrics.length === 0) throw new RangeError('plot: the history holds no metrics');
  const width = options.width ?? 640;
  const height = options.panelHeight ?? 300;
  const total = height * metrics.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="sans-serif">`,
    `<rect width="${width}" height="${total}" fill="white"/>`,
    ...metrics.map((m, i) => panel(data, m, i * height, width, height)),
    '</svg>',
    '',
  ].join('\n');
}

/** Writes historySvg(data, options) to file. */
export function plotHistory(data: HistoryData, file: string, options: PlotOptions = {}): void {
  writeFileSync(file, historySvg(data, options));
}
