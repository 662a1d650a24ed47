// Greedy decoding, sampling and beam search (lib/decode) over a decoder whose next-token
// probabilities are a known table (a Markov chain on the last token fed), so every result
// can be checked against the exact answer: beam width 1 is greedy decoding, a beam wide
// enough finds the most probable sequence that brute force finds, a narrow beam already
// beats greedy where the likeliest first token leads nowhere, the length penalty ranks as
// GNMT's formula says, sampling is seeded and its filters hold, and bad options are named.
import test from 'ava';

import { decode, Tensor, tensor } from '../lib/index';
import type { Model } from '../lib/models/model';

const START = 0;
const END = 3;
// TABLE[previous][next]: from the start, 1 is likelier than 2, but 1 leads to a spread of
// continuations while 2 ends almost surely.
const TABLE = [
  [0, 0.6, 0.4, 0],
  [0, 0.34, 0.33, 0.33],
  [0, 0.05, 0.05, 0.9],
  [0, 0, 0, 1],
];
const V = TABLE.length;
/** log P(next | previous) as the decoder gives it (float32). */
const logP = (previous: number, next: number) => Math.log(Math.fround(TABLE[previous][next]));

/** An encoder that gives one state per source, and a one-step decoder that reads TABLE for the token fed. */
function markov(sources: number, calls: number[] = []): { encoder: Model; decoder: Model } {
  const encoder = {
    predictOnBatch: async () => tensor(new Float32Array(sources), [sources, 1]),
    predict: async () => tensor(new Float32Array(sources), [sources, 1]),
    inputs: [{}],
    outputs: [{ shape: [1] }],
  };
  const decoder = {
    inputs: [{}, {}],
    outputs: [{ shape: [V] }, { shape: [1] }],
    predict: async () => {
      throw new Error('decode steps call predictOnBatch');
    },
    predictOnBatch: async (xs: Tensor[]) => {
      const tokens = xs[0].data;
      calls.push(tokens.length);
      const probs = new Float32Array(tokens.length * V);
      for (let r = 0; r < tokens.length; r++) probs.set(TABLE[tokens[r]], r * V);
      return [new Tensor(probs, [tokens.length, V]), xs[1]];
    },
  };
  return { encoder: encoder as unknown as Model, decoder: decoder as unknown as Model };
}

/** Every sequence of at most maxLength tokens (then the end token) with its log-probability. */
function allSequences(maxLength: number): { tokens: number[]; logProbability: number }[] {
  const out: { tokens: number[]; logProbability: number }[] = [];
  const grow = (tokens: number[], last: number, sum: number) => {
    if (TABLE[last][END] > 0) out.push({ tokens, logProbability: sum + logP(last, END) });
    if (tokens.length === maxLength) return;
    for (let v = 0; v < V; v++) if (v !== END && TABLE[last][v] > 0) grow([...tokens, v], v, sum + logP(last, v));
  };
  grow([], START, 0);
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('greedy takes the likeliest token at every step; the last step may only end', async (t) => {
  const calls: number[] = [];
  const r = await decode.greedy({ ...markov(2, calls), source: tensor(new Float32Array(2), [2, 1]), startToken: START, endToken: END, maxLength: 3 });
  // 0 -> 1 (0.6) -> 1 (0.34) -> 1 (0.34) -> end forced (0.33).
  t.deepEqual(r.tokens, [[1, 1, 1], [1, 1, 1]]);
  t.true(close(r.logProbability[0], logP(0, 1) + logP(1, 1) + logP(1, 1) + logP(1, END)));
  t.deepEqual(calls, [2, 2, 2, 2], 'all sources in one decoder call per step');
});

test('beam width 1 is greedy decoding', async (t) => {
  const source = tensor(new Float32Array(3), [3, 1]);
  const g = await decode.greedy({ ...markov(3), source, startToken: START, endToken: END, maxLength: 4 });
  const b = await decode.beamSearch({ ...markov(3), source, startToken: START, endToken: END, maxLength: 4, beamWidth: 1, lengthPenalty: 0 });
  t.deepEqual(b.tokens, g.tokens);
  b.logProbability.forEach((p, i) => t.true(close(p, g.logProbability[i])));
});

test('a beam of 2 finds what greedy misses; a wide beam finds the most probable sequence', async (t) => {
  const source = tensor(new Float32Array(1), [1, 1]);
  const two = await decode.beamSearch({ ...markov(1), source, startToken: START, endToken: END, maxLength: 3, beamWidth: 2, lengthPenalty: 0 });
  t.deepEqual(two.tokens, [[2]]);
  t.true(close(two.logProbability[0], logP(0, 2) + logP(2, END)));
  const every = allSequences(3).sort((a, b) => b.logProbability - a.logProbability);
  const wide = await decode.beamSearch({ ...markov(1), source, startToken: START, endToken: END, maxLength: 3, beamWidth: every.length, lengthPenalty: 0 });
  t.deepEqual(wide.tokens[0], every[0].tokens);
  // With a beam as wide as the set of sequences, the beams are the top sequences in order.
  const top = wide.beams[0].filter((h) => h.logProbability > -Infinity);
  t.deepEqual(top.map((h) => h.tokens), every.slice(0, top.length).map((s) => s.tokens));
  top.forEach((h, i) => t.true(close(h.logProbability, every[i].logProbability), `beam ${i}`));
});

test('the length penalty ranks by logP / ((5 + n) / 6)^alpha, n counting the end token', async (t) => {
  const source = tensor(new Float32Array(1), [1, 1]);
  const alpha = 1.5;
  const r = await decode.beamSearch({ ...markov(1), source, startToken: START, endToken: END, maxLength: 3, beamWidth: 40, lengthPenalty: alpha });
  const every = allSequences(3).map((s) => ({ ...s, score: s.logProbability / decode.lengthPenalty(s.tokens.length + 1, alpha) })).sort((a, b) => b.score - a.score);
  t.deepEqual(r.tokens[0], every[0].tokens);
  t.true(close(r.score[0], every[0].score));
  t.true(close(decode.lengthPenalty(3, 0.6), Math.pow(8 / 6, 0.6)));
});

test('sampling is seeded; topK 1 and a tiny temperature are greedy; topP keeps the nucleus', async (t) => {
  const source = tensor(new Float32Array(64), [64, 1]);
  const base = { source, startToken: START, endToken: END, maxLength: 3 };
  const a = await decode.sample({ ...markov(64), ...base, seed: 7 });
  const b = await decode.sample({ ...markov(64), ...base, seed: 7 });
  t.deepEqual(a.tokens, b.tokens);
  t.true(new Set(a.tokens.map((s) => s.join(','))).size > 1, 'draws differ between sources');
  const greedy = await decode.greedy({ ...markov(64), ...base });
  t.deepEqual((await decode.sample({ ...markov(64), ...base, topK: 1, seed: 3 })).tokens, greedy.tokens);
  t.deepEqual((await decode.sample({ ...markov(64), ...base, temperature: 1e-4, seed: 3 })).tokens, greedy.tokens);
  // From the start, topP 0.5 keeps token 1 alone (0.6 >= 0.5).
  const nucleus = await decode.sample({ ...markov(64), ...base, topP: 0.5, seed: 5 });
  t.true(nucleus.tokens.every((s) => s.length === 0 || s[0] === 1));
});

test('bad options are named', async (t) => {
  const m = markov(1);
  const base = { ...m, source: tensor(new Float32Array(1), [1, 1]), startToken: START, endToken: END, maxLength: 3 };
  await t.throwsAsync(decode.beamSearch({ ...base, beamWidth: 0 }), { instanceOf: RangeError, message: /beamWidth must be a positive integer, received 0/ });
  await t.throwsAsync(decode.beamSearch({ ...base, lengthPenalty: -1 }), { message: /lengthPenalty must be a number >= 0, received -1/ });
  await t.throwsAsync(decode.beamSearch({ ...base, beam: 2 } as never), { message: /decode.beamSearch: unknown option 'beam'/ });
  await t.throwsAsync(decode.greedy({ ...base, endToken: 9 }), { message: /endToken 9 is outside the decoder's 4 tokens/ });
  await t.throwsAsync(decode.greedy({ ...base, maxLength: 0 }), { message: /maxLength must be a positive integer, received 0/ });
  await t.throwsAsync(decode.greedy({ ...base, startToken: -1 }), { message: /startToken must be a non-negative integer token id, received -1/ });
  await t.throwsAsync(decode.sample({ ...base, temperature: 0 }), { message: /temperature must be a positive number, received 0/ });
  await t.throwsAsync(decode.sample({ ...base, topP: 1.5 }), { message: /topP must be a number in \(0, 1\], received 1.5/ });
  await t.throwsAsync(decode.greedy({ ...base, decoder: {} as never }), { instanceOf: TypeError, message: /decoder must be a model/ });
});
