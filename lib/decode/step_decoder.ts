// What greedy decoding, sampling and beam search share: the encoder run once over the
// sources, then a one-step decoder model run on all rows at once (one native call per
// step: B rows, or B * K for beam search), its states carried from step to step and
// reordered when rows change hands (beam search's parents).
//
//   encoder: inputs as the model takes them; outputs [...initial decoder states, ...constants]
//   decoder: inputs [token [1] int32, ...states, ...constants]; outputs [probabilities
//            [V] or [1, V], ...next states]
import type { Model } from '../models/model';
import type { InputsLike } from '../models/model';
import { checkedOptions, describe } from '../options';
import { Tensor } from '../tensor';

export interface Seq2SeqModels {
  /** Reads the sources; its outputs are the decoder's initial states, then any constants the decoder reads at every step. */
  encoder: Model;
  /** One step: [token, ...states, ...constants] -> [probabilities, ...next states]. */
  decoder: Model;
  /** How many of the encoder's outputs are states (default: all of them). */
  states?: number;
}

export interface DecodeOptions extends Seq2SeqModels {
  /** The encoder's inputs for B sources (or give `sequences`). */
  source?: InputsLike;
  /**
   * Token-id sources of any lengths, for an encoder with one token input: decoded in groups
   * of one length, so no padding reaches the encoder or the memory an attention reads;
   * results come back in the order given.
   */
  sequences?: readonly ArrayLike<number>[];
  /** The token the decoder starts from. */
  startToken: number;
  /** The token that ends a sequence (not included in the results). */
  endToken: number;
  /** The longest output, end token excluded. */
  maxLength: number;
}

export const DECODE_KEYS = ['encoder', 'decoder', 'states', 'source', 'sequences', 'startToken', 'endToken', 'maxLength'] as const;

/** One decoded sequence per source: the tokens (end excluded) and their log-probability under the model. */
export interface Decoded {
  tokens: number[][];
  logProbability: number[];
}

function tokenId(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer token id, received ${describe(v)}`);
  return v;
}

/** Rows of a [N, ...] tensor picked by `rows` (a row may be picked several times). */
export function gatherRows(t: Tensor, rows: ArrayLike<number>): Tensor {
  const size = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const out = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) out.set(t.data.subarray(rows[i] * size, (rows[i] + 1) * size), i * size);
  return new Tensor(out, [rows.length, ...t.shape.slice(1)]);
}

/**
 * Runs `run` on each group of equal-length `sequences` (as an int32 source [n, T]) and
 * gathers the per-source results of each field in the order given.
 */
export async function decodeByLength<R extends object>(what: string, options: DecodeOptions, run: (o: DecodeOptions) => Promise<R>): Promise<R> {
  const { sequences, ...rest } = options;
  if (sequences === undefined) return run(options);
  if (rest.source !== undefined) throw new TypeError(`${what}: give source or sequences, not both`);
  if (!Array.isArray(sequences) || sequences.length === 0) throw new TypeError(`${what}: sequences must be a non-empty array of token-id arrays, received ${describe(sequences)}`);
  const groups = new Map<number, number[]>();
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number' || s.length === 0) throw new TypeError(`${what}: sequences[${i}] must be a non-empty array of token ids, received ${describe(s)}`);
    for (let t = 0; t < s.length; t++) tokenId(`${what}: sequences[${i}][${t}]`, s[t]);
    groups.set(s.length, [...(groups.get(s.length) ?? []), i]);
  });
  type Fields = Record<string, unknown[]>;
  let out: Fields | undefined;
  for (const [length, rows] of groups) {
    const ids = new Int32Array(rows.length * length);
    rows.forEach((i, b) => ids.set(Array.from(sequences[i]), b * length));
    const part = (await run({ ...rest, source: new Tensor(ids, [rows.length, length]) })) as unknown as Fields;
    const into: Fields = (out ??= Object.fromEntries(Object.keys(part).map((k) => [k, new Array(sequences.length)])));
    for (const k of Object.keys(part)) rows.forEach((i, b) => (into[k][i] = part[k][b]));
  }
  return out as unknown as R;
}

export class StepDecoder {
  readonly vocabulary: number;
  readonly sources: number;
  readonly startToken: number;
  readonly endToken: number;
  readonly maxLength: number;
  private states: Tensor[] = [];
  private constants: Tensor[] = [];
  private readonly decoder: Model;

  private constructor(o: DecodeOptions, vocabulary: number, sources: number) {
    this.decoder = o.decoder;
    this.vocabulary = vocabulary;
    this.sources = sources;
    this.startToken = o.startToken;
    this.endToken = o.endToken;
    this.maxLength = o.maxLength;
  }

  /** Checks the options, runs the encoder, and repeats each source's states `copies` times (beam width). */
  static async start(what: string, options: DecodeOptions, copies: number, extraKeys: readonly string[]): Promise<StepDecoder> {
    const o = checkedOptions(what, options, [...DECODE_KEYS, ...(extraKeys as (keyof DecodeOptions)[])]) as DecodeOptions;
    for (const key of ['encoder', 'decoder'] as const) {
      if (typeof o[key]?.predictOnBatch !== 'function') throw new TypeError(`${what}: ${key} must be a model, received ${describe(o[key])}`);
    }
    tokenId(`${what}: startToken`, o.startToken);
    tokenId(`${what}: endToken`, o.endToken);
    if (!Number.isInteger(o.maxLength) || o.maxLength < 1) throw new RangeError(`${what}: maxLength must be a positive integer, received ${describe(o.maxLength)}`);
    if (o.source === undefined) throw new TypeError(`${what}: give source (the encoder's inputs) or sequences (token ids of any lengths)`);
    const encoded = await o.encoder.predict(o.source);
    const outs = Array.isArray(encoded) ? encoded : [encoded];
    const stateCount = o.states ?? outs.length;
    if (!Number.isInteger(stateCount) || stateCount < 0 || stateCount > outs.length) throw new RangeError(`${what}: states must be an integer in [0, ${outs.length}], received ${describe(o.states)}`);
    const expected = 1 + outs.length;
    if (o.decoder.inputs.length !== expected) {
      throw new RangeError(`${what}: the decoder must take [token, ${stateCount} states, ${outs.length - stateCount} constants] (${expected} inputs), it takes ${o.decoder.inputs.length}`);
    }
    if (o.decoder.outputs.length !== 1 + stateCount) throw new RangeError(`${what}: the decoder must return [probabilities, ${stateCount} states], it returns ${o.decoder.outputs.length} outputs`);
    const probs = o.decoder.outputs[0].shape;
    const vocabulary = probs[probs.length - 1];
    if (vocabulary === null || (probs.length === 2 && probs[0] !== 1) || probs.length > 2) {
      throw new RangeError(`${what}: the decoder's first output must be probabilities [V] or [1, V], it is ${JSON.stringify(probs)}`);
    }
    if (o.endToken >= vocabulary) throw new RangeError(`${what}: endToken ${o.endToken} is outside the decoder's ${vocabulary} tokens`);
    const sources = outs[0].shape[0];
    const d = new StepDecoder(o, vocabulary, sources);
    const repeat = Array.from({ length: sources * copies }, (_, r) => Math.floor(r / copies));
    d.states = outs.slice(0, stateCount).map((t) => (copies === 1 ? t : gatherRows(t, repeat)));
    d.constants = outs.slice(stateCount).map((t) => (copies === 1 ? t : gatherRows(t, repeat)));
    return d;
  }

  /** The next-token probabilities of every row [rows, V] after feeding `tokens`; the states move on. */
  async step(tokens: Int32Array): Promise<Float32Array> {
    const out = await this.decoder.predictOnBatch([new Tensor(tokens, [tokens.length, 1]), ...this.states, ...this.constants]);
    const list = Array.isArray(out) ? out : [out];
    this.states = list.slice(1);
    const probs = list[0];
    if (probs.size !== tokens.length * this.vocabulary) throw new Error(`decode: the decoder returned ${probs.size} probabilities for ${tokens.length} rows of ${this.vocabulary}`);
    return probs.data as Float32Array;
  }

  /** Rows change hands (beam search): row i of the next step continues row rows[i]. */
  reorder(rows: ArrayLike<number>): void {
    this.states = this.states.map((t) => gatherRows(t, rows));
  }
}
