// A trained next-token model (a Sequential model of token ids [T] -> next-token
// probabilities [T, V], e.g. Embedding -> LSTM(returnSequences) -> Dense(softmax)) as a
// language model: the log-likelihood of a sequence (one predict over the whole of it,
// whatever its length), and generation one token at a time by a stateful copy of the model
// (input length 1, batch 1: each new token costs one step, not a re-read of the context).
import { drawFiltered } from './decode/greedy';
import { modelFromJson } from './io/topology';
import { Sequential } from './models/sequential';
import { checkedOptions, describe } from './options';
import { SeededRandom } from './random';
import { Tensor } from './tensor';

export interface GenerateOptions {
  /** Divides the log-probabilities (default 1; 0 takes the most likely token). */
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Seeds the draws (default 0). */
  seed?: number;
}

export interface LogLikelihood {
  /** log p(ids[1:] | ids[0]) in nats. */
  nats: number;
  natsPerToken: number;
  /** Tokens scored (all but the first, which is the context). */
  tokens: number;
}

const RECURRENT = ['SimpleRNN', 'LSTM', 'GRU', 'RNN'];

function ids(what: string, v: ArrayLike<number>, vocabulary: number): Int32Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') throw new TypeError(`${what}: expected an array of token ids, received ${describe(v)}`);
  const out = Int32Array.from(v);
  out.forEach((id, i) => {
    if (!Number.isInteger(v[i]) || id < 0 || id >= vocabulary) throw new RangeError(`${what}: token ${describe(v[i])} at ${i} is not an id in [0, ${vocabulary})`);
  });
  return out;
}

export class LanguageModel {
  private readonly stepper: Sequential;
  readonly vocabulary: number;

  /** `trained`: ids [T] -> probabilities [T, V]; its weights are copied into the one-step model now. */
  constructor(private readonly trained: Sequential) {
    const out = trained.outputShape;
    if (out.length !== 2 || out[1] === null) throw new RangeError(`languageModel: the model must output next-token probabilities per step [T, V], it outputs ${JSON.stringify(out)}`);
    this.vocabulary = out[1];
    const topology = JSON.parse(JSON.stringify(trained.topology())) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    for (const l of topology.config.layers) {
      if (RECURRENT.includes(l.class_name)) l.config.stateful = true;
      if (l.class_name === 'Bidirectional') throw new RangeError('languageModel: a Bidirectional layer reads the future; a language model cannot');
    }
    topology.config.layers[0].config.batch_input_shape = [null, 1];
    const parsed = modelFromJson(topology, 'languageModel');
    if (parsed.kind !== 'sequential') throw new Error('internal: a Sequential topology parsed as another kind');
    this.stepper = new Sequential(parsed.layers, { seed: trained.seed });
    this.stepper.setWeights(trained.getWeights());
  }

  /** Copies the trained model's weights again (after it trained more). */
  refresh(): void {
    this.stepper.setWeights(this.trained.getWeights());
  }

  /** log p(ids[1:] | ids[0]): every next token's probability under the trained model, from one predict. */
  async logLikelihood(tokens: ArrayLike<number>): Promise<LogLikelihood> {
    const x = ids('languageModel.logLikelihood', tokens, this.vocabulary);
    if (x.length < 2) throw new RangeError('languageModel.logLikelihood: needs at least two tokens (the first is the context)');
    const probs = await this.trained.predict(new Tensor(x.subarray(0, -1), [1, x.length - 1]));
    let nats = 0;
    for (let k = 1; k < x.length; k++) nats += Math.log(Math.max(probs.data[(k - 1) * this.vocabulary + x[k]], 1e-30));
    return { nats, natsPerToken: nats / (x.length - 1), tokens: x.length - 1 };
  }

  /** `count` new tokens after `seed` (at least one token), drawn as decode.sample draws them. */
  async generate(seed: ArrayLike<number>, count: number, options: GenerateOptions = {}): Promise<number[]> {
    const o = checkedOptions('languageModel.generate', options, ['temperature', 'topK', 'topP', 'seed']);
    const start = ids('languageModel.generate: seed', seed, this.vocabulary);
    if (start.length === 0) throw new RangeError('languageModel.generate: the seed must hold at least one token');
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`languageModel.generate: count must be a non-negative integer, received ${describe(count)}`);
    const temperature = o.temperature ?? 1;
    if (typeof temperature !== 'number' || !(temperature >= 0)) throw new RangeError(`languageModel.generate: temperature must be >= 0, received ${describe(o.temperature)}`);
    const random = new SeededRandom(o.seed ?? 0);
    this.stepper.resetStates();
    let probs: Float32Array = new Float32Array(0);
    const step = async (id: number) => {
      probs = (await this.stepper.predictOnBatch(new Tensor(Int32Array.of(id), [1, 1]))).data as Float32Array;
    };
    for (const id of start) await step(id);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      let next = 0;
      if (temperature === 0) for (let k = 1; k < probs.length; k++) next = probs[k] > probs[next] ? k : next;
      else next = drawFiltered(probs, temperature, o.topK, o.topP ?? 1, () => random.next());
      out.push(next);
      if (i + 1 < count) await step(next);
    }
    return out;
  }
}

/** A language model over a trained next-token model. */
export function languageModel(trained: Sequential): LanguageModel {
  return new LanguageModel(trained);
}
