// An attention matrix as a hand-written SVG heat map (the alignment of a decoded sequence):
// one row per output token, one column per input token, each cell shaded by its weight
// (0 white, 1 black), the tokens written along the axes. No dependency, as plot.ts.
import { writeFileSync } from 'node:fs';

import { escapeXml } from './plot';

export interface AttentionPlot {
  /** Row-major [rows.length, columns.length] weights in [0, 1] (each row a softmax over the inputs). */
  weights: ArrayLike<number>;
  /** The output tokens, one per row. */
  rows: readonly string[];
  /** The input tokens, one per column. */
  columns: readonly string[];
  /** A caption above the matrix. */
  title?: string;
  /** Side of one cell in pixels (default 28). */
  cell?: number;
}

/** The SVG document of an attention matrix. */
export function attentionSvg(p: AttentionPlot): string {
  const R = p.rows.length;
  const C = p.columns.length;
  if (R === 0 || C === 0) throw new RangeError('plotAttention: needs at least one row and one column');
  if (!p.weights || p.weights.length !== R * C) throw new RangeError(`plotAttention: weights must hold rows x columns = ${R * C} values, received ${p.weights?.length}`);
  const cell = p.cell ?? 28;
  const longest = (labels: readonly string[]) => Math.max(...labels.map((l) => l.length));
  const left = 16 + 7 * longest(p.rows);
  const top = (p.title ? 28 : 8) + 7 * longest(p.columns) + 8;
  const width = Math.max(left + C * cell + 16, p.title ? left + 8 * p.title.length + 16 : 0);
  const height = top + R * cell + 16;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (p.title) parts.push(`<text x="${left}" y="18" font-size="14">${escapeXml(p.title)}</text>`);
  p.columns.forEach((c, j) => {
    const x = left + j * cell + cell / 2 + 4;
    parts.push(`<text x="${x}" y="${top - 6}" transform="rotate(-90 ${x} ${top - 6})">${escapeXml(c)}</text>`);
  });
  p.rows.forEach((r, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(r)}</text>`);
    for (let j = 0; j < C; j++) {
      const w = Math.min(1, Math.max(0, Number(p.weights[i * C + j]) || 0));
      const shade = Math.round(255 * (1 - w));
      parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},${shade})" stroke="#ccc"><title>${escapeXml(`${r} <- ${p.columns[j]}: ${w.toFixed(3)}`)}</title></rect>`);
    }
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** Writes attentionSvg(p) to file. */
export function plotAttention(file: string, p: AttentionPlot): void {
  writeFileSync(file, attentionSvg(p));
}
