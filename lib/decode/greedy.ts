// Greedy decoding and sampling: at every step each source's next token is the most likely
// one (greedy), or drawn from the distribution reshaped by temperature, top-k and top-p
// (nucleus) sampling. All sources step together, one decoder call per step.
import { checkedOptions, describe } from '../options';
import { SeededRandom } from '../random';
import { Decoded, decodeByLength, DecodeOptions, DECODE_KEYS, StepDecoder } from './step_decoder';

export interface SampleOptions extends DecodeOptions {
  /** Divides the log-probabilities (default 1; near 0 approaches greedy). */
  temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (default 1: all). */
  topP?: number;
  /** Seeds the draws (default 0): the same seed gives the same samples. */
  seed?: number;
}

const SAMPLE_KEYS = ['temperature', 'topK', 'topP', 'seed'] as const;

type Choose = (probs: Float32Array, row: number) => number;

async function run(d: StepDecoder, choose: Choose): Promise<Decoded> {
  const n = d.sources;
  const tokens: number[][] = Array.from({ length: n }, () => []);
  const logProbability = new Array<number>(n).fill(0);
  const done = new Array<boolean>(n).fill(false);
  let current = new Int32Array(n).fill(d.startToken);
  for (let s = 0; s <= d.maxLength && done.some((x) => !x); s++) {
    const probs = await d.step(current);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const row = probs.subarray(i * d.vocabulary, (i + 1) * d.vocabulary);
      // The last step may only end the sequence.
      const k = s === d.maxLength ? d.endToken : choose(row, i);
      logProbability[i] += Math.log(row[k]);
      if (k === d.endToken) done[i] = true;
      else tokens[i].push(k);
      next[i] = k;
    }
    current = next;
  }
  return { tokens, logProbability };
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/** Each source's most likely next token at every step, until the end token or maxLength. */
export async function greedy(options: DecodeOptions): Promise<Decoded> {
  return decodeByLength('decode.greedy', options, async (o) => run(await StepDecoder.start('decode.greedy', o, 1, []), argmax));
}

/**
 * Tokens drawn from the decoder's distribution: p^(1/temperature), cut to the topK most
 * likely and to the smallest set reaching topP, renormalised.
 */
export async function sample(options: SampleOptions): Promise<Decoded> {
  const o = checkedOptions('decode.sample', options, [...DECODE_KEYS, ...SAMPLE_KEYS]);
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`decode.sample: temperature must be a positive number, received ${describe(o.temperature)}`);
  const topK = o.topK;
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`decode.sample: topK must be a positive integer, received ${describe(topK)}`);
  const topP = o.topP ?? 1;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new RangeError(`decode.sample: topP must be a number in (0, 1], received ${describe(o.topP)}`);
  const random = new SeededRandom(o.seed ?? 0);
  return decodeByLength('decode.sample', options, async (g) => run(await StepDecoder.start('decode.sample', g, 1, SAMPLE_KEYS), (row) => drawFiltered(row, temperature, topK, topP, () => random.next())));
}

/** A token from `row` under temperature, top-k and top-p (exported for the language model). */
export function drawFiltered(row: ArrayLike<number>, temperature: number, topK: number | undefined, topP: number, uniform: () => number): number {
  const order = Array.from({ length: row.length }, (_, k) => k).sort((a, b) => row[b] - row[a] || a - b);
  // Temperature in log space relative to the best, so small temperatures do not underflow.
  const best = Math.log(row[order[0]]);
  let kept = order.slice(0, topK ?? order.length).filter((k) => row[k] > 0);
  const weights = kept.map((k) => Math.exp((Math.log(row[k]) - best) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  if (topP < 1) {
    let mass = 0;
    let cut = kept.length;
    for (let i = 0; i < kept.length; i++) {
      mass += weights[i] / total;
      if (mass >= topP) {
        cut = i + 1;
        break;
      }
    }
    kept = kept.slice(0, cut);
    weights.length = cut;
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  let r = uniform() * sum;
  for (let i = 0; i < kept.length; i++) {
    r -= weights[i];
    if (r < 0) return kept[i];
  }
  return kept[kept.length - 1] ?? order[0];
}
