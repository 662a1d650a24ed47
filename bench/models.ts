// recurrent's side of the whole-model benchmark: each workload of bench/model_workloads.json
// built with the public API, trained one batch at a time with trainOnBatch (forward, loss,
// backward through time, optimizer update: one native call), or predictOnBatch for W6.
import { layers, optimizers, sequential, Sequential, Tensor, tensor } from '../lib/index';
import type { Backend } from '../lib/models/native_model';
import { Layer, RecurrentLayer } from '../lib/layers/index';
import { LayerSpec, Mode, ModelWorkload } from './model_workloads';
import { timeIt, Timing } from './support/timing';

const GATES: Record<string, number> = { simpleRnn: 1, lstm: 4, gru: 3 };

function recurrent(spec: LayerSpec): RecurrentLayer {
  const common = { units: spec.units!, returnSequences: spec.returnSequences ?? false };
  switch (spec.type) {
    case 'lstm': return layers.lstm(common);
    case 'gru': return layers.gru({ ...common, resetAfter: spec.resetAfter ?? true });
    case 'simpleRnn': return layers.simpleRNN({ ...common, activation: (spec.activation ?? 'tanh') as 'tanh' | 'relu' });
    default: throw new Error(`not a recurrent layer: ${spec.type}`);
  }
}

function layerOf(spec: LayerSpec, frozenEmbedding: boolean): Layer {
  switch (spec.type) {
    case 'embedding': return layers.embedding({ inputDim: spec.inputDim!, outputDim: spec.outputDim!, trainable: !frozenEmbedding });
    case 'bidirectional': return layers.bidirectional({ layer: recurrent(spec.layer!), mergeMode: (spec.mergeMode ?? 'concat') as 'concat' });
    case 'dense': return layers.dense({ units: spec.units!, activation: (spec.activation ?? 'linear') as 'linear' });
    default: return recurrent(spec);
  }
}

export function buildModel(w: ModelWorkload, mode: Mode, backend?: Backend): Sequential {
  const inputShape = w.input.kind === 'tokens' ? [w.steps] : [w.steps, w.input.size];
  const model = sequential(w.layers.map((l) => layerOf(l, mode === 'train-frozen-embedding')), { inputShape, seed: 1, ...(backend ? { backend } : {}) });
  if (w.optimizer && w.loss) {
    const o = w.optimizer;
    const optimizer = o.type === 'adam'
      ? optimizers.adam({ learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon })
      : optimizers.rmsprop({ learningRate: o.learningRate, rho: o.rho, epsilon: o.epsilon });
    model.compile({ optimizer, loss: w.loss });
  }
  return model;
}

/** Seeded synthetic data of the workload's shapes (model_workloads.json's comment). */
export function workloadData(w: ModelWorkload, seed = 1): { x: Tensor; y?: Tensor } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const B = w.batch, T = w.steps;
  let x: Tensor;
  if (w.input.kind === 'tokens') {
    const v = w.input.vocabulary;
    const ids = new Int32Array(B * T);
    for (let i = 0; i < ids.length; i++) ids[i] = 1 + Math.floor(next() * (v - 1));
    x = tensor(ids, [B, T], 'int32');
  } else {
    const f = new Float32Array(B * T * w.input.size);
    for (let i = 0; i < f.length; i++) f[i] = normal();
    x = tensor(f, [B, T, w.input.size], 'float32');
  }
  if (!w.target) return { x };
  if (w.target === 'nextToken') {
    const v = (w.input as { vocabulary: number }).vocabulary;
    const ids = new Int32Array(B * T);
    for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(next() * v);
    return { x, y: tensor(ids, [B, T], 'int32') };
  }
  const y = new Float32Array(B);
  for (let i = 0; i < B; i++) y[i] = w.target === 'binary' ? (next() < 0.5 ? 0 : 1) : normal();
  return { x, y: tensor(y, [B, 1], 'float32') };
}

/** Forward FLOPs of the recurrent layers (WORKLOADS.md: 2 B T (I + H) G H per layer). */
export function modelForwardFlops(w: ModelWorkload): number {
  let features = w.input.kind === 'tokens' ? 0 : w.input.size;
  let flops = 0;
  for (const l of w.layers) {
    if (l.type === 'embedding') features = l.outputDim!;
    else if (l.type === 'dense') features = l.units!;
    else {
      const inner = l.type === 'bidirectional' ? l.layer! : l;
      const directions = l.type === 'bidirectional' ? 2 : 1;
      const H = inner.units!;
      flops += directions * 2 * w.batch * w.steps * (features + H) * GATES[inner.type] * H;
      features = directions * H;
    }
  }
  return flops;
}

export async function timeModel(w: ModelWorkload, mode: Mode, budgetMs: number, backend?: Backend): Promise<Timing> {
  const model = buildModel(w, mode, backend);
  const { x, y } = workloadData(w);
  const step = mode === 'forward' ? () => model.predictOnBatch(x) : () => model.trainOnBatch(x, y!);
  return timeIt(step, { budgetMs, warmup: 2, minIters: 3 });
}
