// Beam search (GNMT): K hypotheses per source, all sources' B * K rows in one decoder call
// per step. A hypothesis scores log P(y) / lp(|y|) with the length penalty
// lp(n) = ((5 + n) / 6)^alpha (alpha 0: plain log-probability); a hypothesis that has
// emitted the end token is finished and frozen: it keeps its score and competes with the
// live ones, but grows no more. The search ends when every source's K best are finished
// or at maxLength.
import { checkedOptions, describe } from '../options';
import { decodeByLength, DecodeOptions, DECODE_KEYS, StepDecoder } from './step_decoder';

export interface BeamSearchOptions extends DecodeOptions {
  /** Hypotheses kept per source (default 4; 1 is greedy decoding). */
  beamWidth?: number;
  /** alpha of the length penalty ((5 + length) / 6)^alpha (default 0.6, as GNMT; 0 turns it off). */
  lengthPenalty?: number;
}

export interface Hypothesis {
  tokens: number[];
  logProbability: number;
  /** logProbability / lengthPenalty(length): what the search ranks by. */
  score: number;
  finished: boolean;
}

export interface BeamSearchResult {
  /** The best hypothesis of every source. */
  tokens: number[][];
  logProbability: number[];
  score: number[];
  /** Every source's final K hypotheses, best first. */
  beams: Hypothesis[][];
}

const BEAM_KEYS = ['beamWidth', 'lengthPenalty'] as const;

export function lengthPenalty(length: number, alpha: number): number {
  return Math.pow((5 + length) / 6, alpha);
}

export async function beamSearch(options: BeamSearchOptions): Promise<BeamSearchResult> {
  const o = checkedOptions('decode.beamSearch', options, [...DECODE_KEYS, ...BEAM_KEYS]);
  const K = o.beamWidth ?? 4;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`decode.beamSearch: beamWidth must be a positive integer, received ${describe(o.beamWidth)}`);
  const alpha = o.lengthPenalty ?? 0.6;
  if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`decode.beamSearch: lengthPenalty must be a number >= 0, received ${describe(o.lengthPenalty)}`);
  return decodeByLength('decode.beamSearch', options, (g) => search(g, K, alpha));
}

async function search(options: BeamSearchOptions, K: number, alpha: number): Promise<BeamSearchResult> {
  const d = await StepDecoder.start('decode.beamSearch', options, K, BEAM_KEYS);
  const V = d.vocabulary;
  const B = d.sources;
  // Row b * K + k is hypothesis k of source b. At the start only hypothesis 0 is live (the
  // others would duplicate it).
  let beams: Hypothesis[][] = Array.from({ length: B }, () =>
    Array.from({ length: K }, (_, k) => ({ tokens: [], logProbability: k === 0 ? 0 : -Infinity, score: k === 0 ? 0 : -Infinity, finished: false })),
  );
  let current = new Int32Array(B * K).fill(d.startToken);
  for (let s = 0; s <= d.maxLength && beams.some((bs) => bs.some((h) => !h.finished && h.logProbability > -Infinity)); s++) {
    const probs = await d.step(current);
    const parents = new Int32Array(B * K);
    const next = new Int32Array(B * K);
    const updated: Hypothesis[][] = [];
    for (let b = 0; b < B; b++) {
      const candidates: { parent: number; token: number; h: Hypothesis }[] = [];
      beams[b].forEach((h, k) => {
        if (h.logProbability === -Infinity) return;
        if (h.finished) {
          candidates.push({ parent: k, token: d.endToken, h });
          return;
        }
        const row = probs.subarray((b * K + k) * V, (b * K + k + 1) * V);
        // At maxLength a live hypothesis can only end.
        const tokens = s === d.maxLength ? [d.endToken] : Array.from({ length: V }, (_, v) => v);
        for (const v of tokens) {
          if (!(row[v] > 0)) continue;
          const logProbability = h.logProbability + Math.log(row[v]);
          const finished = v === d.endToken;
          const grown = finished ? h.tokens : [...h.tokens, v];
          // The length counts every token emitted, the end token included.
          candidates.push({ parent: k, token: v, h: { tokens: grown, logProbability, score: logProbability / lengthPenalty(h.tokens.length + 1, alpha), finished } });
        }
      });
      candidates.sort((p, q) => q.h.score - p.h.score || p.parent - q.parent || p.token - q.token);
      const kept = candidates.slice(0, K);
      while (kept.length < K) kept.push({ parent: 0, token: d.endToken, h: { tokens: [], logProbability: -Infinity, score: -Infinity, finished: true } });
      kept.forEach((c, k) => {
        parents[b * K + k] = b * K + c.parent;
        next[b * K + k] = c.token;
      });
      updated.push(kept.map((c) => c.h));
    }
    beams = updated;
    d.reorder(parents);
    current = next;
  }
  const ranked = beams.map((bs) => [...bs].sort((p, q) => q.score - p.score));
  return {
    tokens: ranked.map((bs) => bs[0].tokens),
    logProbability: ranked.map((bs) => bs[0].logProbability),
    score: ranked.map((bs) => bs[0].score),
    beams: ranked,
  };
}
