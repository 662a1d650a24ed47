// Building native GraphSpecs, CompileSpecs and StepArgs by hand for the tests of the native
// graph (test/model_native, graph_gradients, graph_backends, graph_errors): layer specs
// with the contract's every key, a chain of layers, and the finite-difference check of a
// model's gradients.
import type { ExecutionContext } from 'ava';

import type {
  CompileSpec, GraphSpec, InputBatch, InputSpec, LayerSpec, NativeModel, NativeModelOptions, NodeSpec, OptimizerSpec,
  OutputLossSpec, RecurrentSpec, StepArgs, TargetBatch,
} from '../../lib/graph_spec';
import { cpu, cuda } from '../../lib/native';
import { Rng } from './random';

const binding = cpu().binding;

/** A native model; backend 'cuda' makes it in the CUDA addon (where a device is usable). */
export function newModel(spec: GraphSpec, options?: NativeModelOptions): NativeModel {
  if (options?.backend === 'cuda') {
    const Model = cuda().binding?.Model;
    if (!Model) throw new Error(`the CUDA backend cannot run here: ${cuda().reason ?? 'no CUDA device'}`);
    return new Model(spec, options);
  }
  return new binding.Model(spec, options);
}

export function optimizer(kind: OptimizerSpec['kind'], learningRate: number, extra: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return {
    kind, learningRate, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
    rho: 0.9, initialAccumulatorValue: 0.1, clipvalue: 0, clipnorm: 0, globalClipnorm: 0, ...extra,
  };
}

export function lossSpec(loss: OutputLossSpec['loss'], extra: Partial<OutputLossSpec> = {}): OutputLossSpec {
  return { loss, fromLogits: false, weight: 1, metrics: [], ...extra };
}

/** One loss per output (null: none) and an optimizer (default SGD, learning rate 1). */
export function compileSpec(losses: (OutputLossSpec | null)[], opt: OptimizerSpec = optimizer('sgd', 1)): CompileSpec {
  return { losses, optimizer: opt };
}

export function rnn(name: string, cell: RecurrentSpec['cell'], units: number, extra: Partial<RecurrentSpec> = {}): RecurrentSpec {
  return {
    kind: 'rnn', name, cell, units, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true,
    returnSequences: false, returnState: false, goBackwards: false, resetAfter: cell === 'gru', peephole: false,
    dropout: 0, recurrentDropout: 0, stateful: false, trainable: true, ...extra,
  };
}

/** A Bidirectional layer over two copies of `layer`, the backward one with goBackwards flipped. */
export function bidirectional(name: string, layer: RecurrentSpec, mergeMode: 'concat' | 'sum' | 'mul' | 'ave' | null): LayerSpec {
  return {
    kind: 'bidirectional', name, mergeMode,
    forward: { ...layer, name: `${name}/forward_${layer.name}` },
    backward: { ...layer, name: `${name}/backward_${layer.name}`, goBackwards: !layer.goBackwards },
  };
}

export function dense(name: string, units: number, activation: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' = 'linear',
  extra: Partial<Extract<LayerSpec, { kind: 'dense' }>> = {}): LayerSpec {
  return { kind: 'dense', name, units, activation, useBias: true, trainable: true, ...extra };
}

export function embedding(name: string, inputDim: number, outputDim: number, maskZero = false, extra: Partial<Extract<LayerSpec, { kind: 'embedding' }>> = {}): LayerSpec {
  return { kind: 'embedding', name, inputDim, outputDim, maskZero, trainable: true, ...extra };
}

export function floatInput(name: string, shape: (number | null)[]): InputSpec {
  return { name, shape, dtype: 'float32' };
}

export function tokenInput(name: string, steps: number | null): InputSpec {
  return { name, shape: [steps], dtype: 'int32' };
}

/** Values a node of this layer writes. */
export function outputCount(l: LayerSpec, call?: NodeSpec['call']): number {
  if (l === null || typeof l !== 'object') return 1;
  if (l.kind === 'rnn') return 1 + (l.returnState ? (l.cell === 'lstm' ? 2 : 1) : 0);
  if (l.kind === 'bidirectional') return (l.mergeMode === null ? 2 : 1) + (l.forward.returnState ? (l.forward.cell === 'lstm' ? 4 : 2) : 0);
  if (l.kind === 'attention') return call?.returnAttentionScores ? 2 : 1;
  return 1;
}

/** A Sequential model's graph: one input, node i applies layer i to node i - 1's first output. */
export function chain(input: InputSpec, layers: LayerSpec[], seed = 0): GraphSpec {
  return new GraphBuilder([input], seed).chain(0, layers).build();
}

/** Builds a DAG node by node: apply() returns the value ids a node writes. */
export class GraphBuilder {
  private readonly layers: LayerSpec[] = [];
  private readonly nodes: NodeSpec[] = [];
  private next: number;
  private outputs: number[] = [];

  constructor(private readonly inputs: InputSpec[], private readonly seed = 0) {
    this.next = inputs.length;
  }

  /** Adds a layer (once) and returns its index. */
  layer(spec: LayerSpec): number {
    const at = this.layers.indexOf(spec);
    if (at >= 0) return at;
    this.layers.push(spec);
    return this.layers.length - 1;
  }

  /** `call`: an attention node's call arguments. */
  apply(spec: LayerSpec, inputs: number[], call?: NodeSpec['call']): number[] {
    const outputs = Array.from({ length: outputCount(spec, call) }, (_, k) => this.next + k);
    this.next += outputs.length;
    this.nodes.push({ layer: this.layer(spec), inputs, outputs, ...(call ? { call } : {}) });
    return outputs;
  }

  chain(from: number, layers: LayerSpec[]): this {
    let v = from;
    for (const l of layers) v = this.apply(l, [v])[0];
    this.outputs = [v];
    return this;
  }

  output(...values: number[]): this {
    this.outputs = values;
    return this;
  }

  build(): GraphSpec {
    return { inputs: this.inputs, layers: this.layers, nodes: this.nodes, outputs: this.outputs, seed: this.seed };
  }
}

export function input(data: Float32Array | Int32Array, shape: number[], mask?: Uint8Array): InputBatch {
  return mask ? { data, shape, mask } : { data, shape };
}

export function target(data: Float32Array | Int32Array, sampleWeight?: Float32Array): TargetBatch {
  return sampleWeight ? { data, sampleWeight } : { data };
}

/** StepArgs of one input and one output's targets. */
export function step(batch: number, x: InputBatch, y?: TargetBatch, extra: Partial<StepArgs> = {}): StepArgs {
  return { batch, inputs: [x], ...(y ? { targets: [y] } : {}), ...extra };
}

/** A model with uniformly random weights in [-scale, scale]. */
export function build(spec: GraphSpec, seed: number, scale = 0.5, options?: NativeModelOptions): NativeModel {
  const model = newModel(spec, options);
  const rng = new Rng(seed);
  model.setWeights(model.getWeights().map((w) => rng.f32(w.length, -scale, scale)));
  return model;
}

export function copyWeights(ws: Float32Array[]): Float32Array[] {
  return ws.map((w) => Float32Array.from(w));
}

/**
 * The gradients of computeGradients against central differences (eps 1e-3, float32) of
 * evaluateStep's loss, up to `maxPerWeight` elements of each weight; the model must be
 * compiled without dropout. With `trainingLoss` the differences are of computeGradients'
 * own loss (sampled softmax: the step counter stays, so every probe draws the same
 * sample). Returns the worst relative error.
 */
export async function gradientCheck(t: ExecutionContext, model: NativeModel, args: StepArgs, maxPerWeight = 40, trainingLoss = false): Promise<number> {
  const w0 = copyWeights(model.getWeights());
  await model.computeGradients(args);
  const grads = model.getGradients();
  const lossAt = async () => (trainingLoss ? await model.computeGradients(args) : await model.evaluateStep(args)).loss;
  const eps = 1e-3;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < w0.length; i++) {
    const every = Math.max(1, Math.floor(w0[i].length / maxPerWeight));
    for (let j = 0; j < w0[i].length; j += every) {
      const probe = copyWeights(w0);
      probe[i][j] = w0[i][j] + eps;
      model.setWeights(probe);
      const plus = await lossAt();
      probe[i][j] = w0[i][j] - eps;
      model.setWeights(probe);
      const minus = await lossAt();
      const fd = (plus - minus) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grads[i][j]));
      scale = Math.max(scale, Math.abs(fd));
    }
  }
  model.setWeights(w0);
  t.true(scale > 1e-3, `gradients are not all tiny (max ${scale})`);
  const rel = worst / Math.max(scale, 1e-2);
  t.true(rel < 2e-3, `max |backprop - finite difference| = ${worst}, relative ${rel}`);
  return rel;
}
