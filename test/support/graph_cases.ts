// The graphs the native graph is checked on, each with its losses and one batch: the
// chains a Sequential model builds (test/model_native) and multi-input / multi-output
// DAGs of every layer kind and connection (a shared layer, fan-out, state passing, every
// merge, dot in each form, reshaping, Bidirectional with states and two outputs,
// peepholes, explicit masks, loss weights and an output without a loss).
// test/graph_gradients checks their gradients against finite differences,
// test/graph_backends the CPU backend against the reference backend on them.
import type { GraphSpec, LayerSpec, OptimizerSpec, OutputLossSpec, RecurrentSpec, StepArgs } from '../../lib/graph_spec';
import {
  bidirectional, chain, dense, embedding, floatInput, GraphBuilder, input, lossSpec, optimizer, rnn, target, tokenInput,
} from './graph_specs';
import { Rng } from './random';

export interface GraphCase {
  name: string;
  spec: GraphSpec;
  losses: (OutputLossSpec | null)[];
  /** The batch (deterministic). */
  args: () => StepArgs;
  /** Seed of the uniform initial weights, and their range. */
  seed: number;
  scale?: number;
  /** The optimizer of the cross-backend training step (default SGD 0.1). */
  optimizer?: OptimizerSpec;
  /** Dropout is on: no finite-difference check (the loss differs between training and evaluation). */
  dropout?: boolean;
  /** A training step's loss is not evaluation's (sampled softmax): finite differences take computeGradients' loss. */
  trainingLoss?: boolean;
}

const mse = lossSpec('meanSquaredError');

function floats(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).f32(n, lo, hi);
}

function ids(seed: number, n: number, vocab: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r.next() * vocab));
}

/** A case of one float input [shape] and one MSE output [outSize] (the common shape). */
function single(name: string, spec: GraphSpec, B: number, shape: number[], outSize: number, seed: number,
  losses: (OutputLossSpec | null)[] = [mse], extra: Partial<GraphCase> = {}): GraphCase {
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    name, spec, losses, seed,
    args: () => ({ batch: B, inputs: [input(floats(seed, B * n), shape)], targets: [target(floats(seed + 1, B * outSize))] }),
    ...extra,
  };
}

// ---- The chains of test/model_native.test.ts.

function maskedSequence(seed: number, B: number, T: number, F: number, zeroed: [number, number][]): Float32Array {
  const x = floats(seed, B * T * F);
  for (const [b, s] of zeroed) x.fill(0, (b * T + s) * F, (b * T + s + 1) * F);
  return x;
}

export const chainCases: GraphCase[] = [
  {
    name: 'Embedding(maskZero) -> GRU -> Dense(sigmoid), binaryCrossentropy, sample weights, l2',
    spec: chain(tokenInput('x', 5), [
      embedding('emb', 7, 4, true), rnn('gru', 'gru', 5), dense('out', 1, 'sigmoid', { kernelRegularizer: { l1: 0, l2: 0.01 } }),
    ], 1),
    losses: [lossSpec('binaryCrossentropy', { metrics: ['binaryAccuracy'] })],
    seed: 11,
    args: () => ({
      batch: 3,
      inputs: [input(Int32Array.from([3, 1, 4, 0, 0, 0, 0, 6, 2, 5, 2, 2, 1, 3, 6]), [5])],
      targets: [target(Float32Array.from([1, 0, 1]), Float32Array.from([1, 0.5, 2]))],
    }),
  },
  {
    name: 'Masking -> LSTM(returnSequences) -> Dense(softmax) time-distributed, sparse CE',
    spec: chain(floatInput('x', [4, 3]), [
      { kind: 'masking', name: 'mask', maskValue: 0 }, rnn('lstm', 'lstm', 4, { returnSequences: true }), dense('probs', 5, 'softmax'),
    ], 2),
    losses: [lossSpec('sparseCategoricalCrossentropy', { metrics: ['sparseCategoricalAccuracy'] })],
    seed: 12,
    args: () => ({
      batch: 3,
      inputs: [input(maskedSequence(5, 3, 4, 3, [[0, 3], [1, 0], [2, 2]]), [4, 3])],
      targets: [target(Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]))],
    }),
  },
  ...(['concat', 'sum', 'mul', 'ave'] as const).map((mergeMode) => single(
    `Bidirectional(LSTM) merge ${mergeMode}, masked sequences -> Dense(tanh), meanSquaredError`,
    chain(floatInput('x', [4, 2]), [
      { kind: 'masking', name: 'mask', maskValue: 0 },
      bidirectional('bi', rnn('lstm', 'lstm', 3, { returnSequences: true }), mergeMode),
      dense('out', 2, 'tanh'),
    ], 3),
    2, [4, 2], 4 * 2, 13,
  )),
  single('Bidirectional(GRU) last state, concat -> Dense, meanAbsoluteError',
    chain(floatInput('x', [3, 2]), [bidirectional('bi', rnn('gru', 'gru', 3), 'concat'), dense('out', 2, 'linear')], 3),
    3, [3, 2], 2, 14, [lossSpec('meanAbsoluteError', { metrics: ['meanAbsoluteError'] })]),
  single('SimpleRNN -> Dense, meanSquaredError with regularizers, clipnorm',
    chain(floatInput('x', [5, 3]), [
      rnn('rnn', 'simpleRnn', 4, { kernelRegularizer: { l1: 0.01, l2: 0.02 }, biasRegularizer: { l1: 0, l2: 0.05 } }),
      dense('out', 2, 'linear'),
    ], 4),
    4, [5, 3], 2, 15, [mse], { optimizer: optimizer('sgd', 0.1, { clipnorm: 0.1 }) }),
  {
    name: 'GRU(resetAfter false) -> Dense(softmax), categoricalCrossentropy (fused softmax), clipvalue',
    spec: chain(floatInput('x', [4, 2]), [rnn('gru', 'gru', 4, { resetAfter: false }), dense('probs', 3, 'softmax')], 5),
    losses: [lossSpec('categoricalCrossentropy', { metrics: ['categoricalAccuracy'] })],
    seed: 16,
    optimizer: optimizer('sgd', 0.1, { clipvalue: 0.01 }),
    args: () => ({ batch: 3, inputs: [input(floats(12, 3 * 4 * 2), [4, 2])], targets: [target(Float32Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0]))] }),
  },
  {
    name: 'LSTM -> Dense logits, binaryCrossentropy from logits, globalClipnorm',
    spec: chain(floatInput('x', [3, 2]), [rnn('lstm', 'lstm', 3), dense('logits', 4, 'linear')], 6),
    losses: [lossSpec('binaryCrossentropy', { fromLogits: true })],
    seed: 17,
    optimizer: optimizer('sgd', 0.1, { globalClipnorm: 0.05 }),
    args: () => ({ batch: 2, inputs: [input(floats(13, 12), [3, 2])], targets: [target(Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0]))] }),
  },
  {
    name: 'LSTM -> Dense logits, sparse categorical CE from logits',
    spec: chain(floatInput('x', [3, 2]), [rnn('lstm', 'lstm', 3), dense('logits', 4, 'linear')], 6),
    losses: [lossSpec('sparseCategoricalCrossentropy', { fromLogits: true })],
    seed: 17,
    args: () => ({ batch: 2, inputs: [input(floats(13, 12), [3, 2])], targets: [target(Int32Array.from([3, 1]))] }),
  },
  single('LSTM(dropout, recurrentDropout) -> Dropout -> GRU -> Dense, momentum (dropout on)',
    chain(floatInput('x', [6, 3]), [
      rnn('lstm', 'lstm', 8, { returnSequences: true, dropout: 0.2, recurrentDropout: 0.3 }),
      { kind: 'dropout', name: 'drop', rate: 0.3 },
      rnn('gru', 'gru', 4),
      dense('out', 2, 'linear'),
    ], 42),
    8, [6, 3], 2, 20, [mse], { dropout: true, optimizer: optimizer('sgd', 0.05, { momentum: 0.9 }) }),
];

// ---- Multi-input and multi-output graphs.

function sharedDense(): GraphCase {
  const g = new GraphBuilder([floatInput('a', [4]), floatInput('b', [4])], 1);
  const shared = dense('shared', 3, 'tanh');
  const [pa] = g.apply(shared, [0]);
  const [pb] = g.apply(shared, [1]);
  const [sum] = g.apply({ kind: 'add', name: 'add' }, [pa, pb]);
  const [out] = g.apply(dense('out', 2), [sum]);
  return {
    name: 'a Dense layer applied to two inputs (shared weights), the results added',
    spec: g.output(out).build(), losses: [mse], seed: 31,
    args: () => ({ batch: 3, inputs: [input(floats(1, 12), [4]), input(floats(2, 12), [4])], targets: [target(floats(3, 6))] }),
  };
}

function sharedLstm(): GraphCase {
  const g = new GraphBuilder([floatInput('a', [5, 3]), floatInput('b', [5, 3])], 1);
  const shared = rnn('shared', 'lstm', 4);
  const [ha] = g.apply(shared, [0]);
  const [hb] = g.apply(shared, [1]);
  const [joined] = g.apply({ kind: 'concatenate', name: 'cat', axis: -1 }, [ha, hb]);
  const [out] = g.apply(dense('out', 1, 'sigmoid'), [joined]);
  return {
    name: 'an LSTM applied to two sequences (shared weights), concatenated, binaryCrossentropy',
    spec: g.output(out).build(), losses: [lossSpec('binaryCrossentropy')], seed: 32,
    args: () => ({ batch: 3, inputs: [input(floats(4, 45), [5, 3]), input(floats(5, 45), [5, 3])], targets: [target(Float32Array.from([1, 0, 1]))] }),
  };
}

/** Fan-out of one sequence into two branches; two outputs with loss weights and a third without a loss. */
function fanOut(): GraphCase {
  const g = new GraphBuilder([floatInput('x', [6, 2])], 1);
  const [seq] = g.apply(rnn('encoder', 'gru', 4, { returnSequences: true }), [0]);
  const [probs] = g.apply(dense('per_step', 3, 'softmax'), [seq]);
  const [summary] = g.apply(rnn('summary', 'gru', 3), [seq]);
  const [value] = g.apply(dense('value', 1), [summary]);
  return {
    name: 'fan-out: one GRU sequence into a per-step softmax (weight 0.7) and a GRU summary (weight 0.3); the raw sequence an output without a loss',
    spec: g.output(probs, value, seq).build(),
    losses: [lossSpec('sparseCategoricalCrossentropy', { weight: 0.7, metrics: ['sparseCategoricalAccuracy'] }), lossSpec('meanSquaredError', { weight: 0.3 }), null],
    seed: 33,
    args: () => ({
      batch: 3, inputs: [input(floats(6, 36), [6, 2])],
      targets: [target(ids(7, 18, 3)), target(floats(8, 3)), null],
    }),
  };
}

/** Encoder with returnState, decoder started from its final states (teacher forcing). */
function encoderDecoder(cell: RecurrentSpec['cell']): GraphCase {
  const g = new GraphBuilder([floatInput('src', [5, 3]), floatInput('tgt', [4, 2])], 1);
  const [, ...states] = g.apply(rnn('encoder', cell, 4, { returnState: true }), [0]);
  const [decoded] = g.apply(rnn('decoder', cell, 4, { returnSequences: true }), [1, ...states]);
  const [probs] = g.apply(dense('head', 3, 'softmax'), [decoded]);
  return {
    name: `encoder ${cell} returnState -> decoder ${cell} initialState, sparse CE per step`,
    spec: g.output(probs).build(), losses: [lossSpec('sparseCategoricalCrossentropy')], seed: 34,
    args: () => ({ batch: 2, inputs: [input(floats(9, 30), [5, 3]), input(floats(10, 16), [4, 2])], targets: [target(ids(11, 8, 3))] }),
  };
}

function merge(kind: 'add' | 'subtract' | 'multiply' | 'average', inputs: number): GraphCase {
  const g = new GraphBuilder([floatInput('a', [3, 4]), floatInput('b', [3, 4])], 1);
  const branches = Array.from({ length: inputs }, (_, i) => g.apply(dense(`branch${i}`, 3, 'tanh'), [i % 2])[0]);
  const [merged] = g.apply({ kind, name: kind }, branches);
  const [h] = g.apply(rnn('gru', 'gru', 2), [merged]);
  const [out] = g.apply(dense('out', 1), [h]);
  return {
    name: `${kind} of ${inputs} branches -> GRU -> Dense`,
    spec: g.output(out).build(), losses: [mse], seed: 35,
    args: () => ({ batch: 3, inputs: [input(floats(12, 36), [3, 4]), input(floats(13, 36), [3, 4])], targets: [target(floats(14, 3))] }),
  };
}

function concatenateTime(): GraphCase {
  const g = new GraphBuilder([floatInput('a', [3, 2]), floatInput('b', [5, 2])], 1);
  const [pa] = g.apply(dense('pa', 3, 'relu'), [0]);
  const [mb] = g.apply({ kind: 'masking', name: 'mask_b', maskValue: 0 }, [1]);
  const [pb] = g.apply(dense('pb', 3), [mb]);
  const [joined] = g.apply({ kind: 'concatenate', name: 'cat_time', axis: 1 }, [pa, pb]);
  const [h] = g.apply(rnn('lstm', 'lstm', 3), [joined]);
  const [out] = g.apply(dense('out', 1), [h]);
  return {
    name: 'concatenate on the time axis ([3, 3] and a masked [5, 3]) -> LSTM over the joined mask',
    spec: g.output(out).build(), losses: [mse], seed: 36,
    args: () => {
      const b = floats(16, 2 * 5 * 2);
      b.fill(0, 8, 10); // sample 0, step 4
      b.fill(0, 10, 12); // sample 1, step 0
      return { batch: 2, inputs: [input(floats(15, 12), [3, 2]), input(b, [5, 2])], targets: [target(floats(17, 2))] };
    },
  };
}

function concatenateLast(): GraphCase {
  const g = new GraphBuilder([floatInput('a', [4, 2]), floatInput('b', [4, 3])], 1);
  const [ha] = g.apply(rnn('ga', 'gru', 3, { returnSequences: true }), [0]);
  const [joined] = g.apply({ kind: 'concatenate', name: 'cat', axis: -1 }, [ha, 1]);
  const [out] = g.apply(dense('out', 2, 'sigmoid'), [joined]);
  return {
    name: 'concatenate on the last axis (a GRU sequence and a model input) -> Dense(sigmoid) per step',
    spec: g.output(out).build(), losses: [mse], seed: 37,
    args: () => ({ batch: 2, inputs: [input(floats(18, 16), [4, 2]), input(floats(19, 24), [4, 3])], targets: [target(floats(20, 16))] }),
  };
}

interface DotForm {
  a: number[]; // per-sample shape after its projection
  b: number[];
  axes: [number, number];
}

/** Dot of two projected inputs; the projections give both sides weights. */
function dot(form: DotForm, normalize: boolean): GraphCase {
  const inA = [...form.a.slice(0, -1), 3];
  const inB = [...form.b.slice(0, -1), 4];
  const g = new GraphBuilder([floatInput('a', inA), floatInput('b', inB)], 1);
  const [pa] = g.apply(dense('pa', form.a[form.a.length - 1]), [0]);
  const [pb] = g.apply(dense('pb', form.b[form.b.length - 1]), [1]);
  const [d] = g.apply({ kind: 'dot', name: 'dot', axes: form.axes, normalize }, [pa, pb]);
  const rest = [...form.a.filter((_, i) => i !== form.axes[0] - 1), ...form.b.filter((_, i) => i !== form.axes[1] - 1)];
  const outSize = rest.length === 0 ? 1 : rest.reduce((x, y) => x * y, 1);
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  return {
    name: `dot ${JSON.stringify(form.a)} . ${JSON.stringify(form.b)} axes ${JSON.stringify(form.axes)}${normalize ? ' normalized' : ''}`,
    spec: g.output(d).build(), losses: [mse], seed: 38,
    args: () => ({ batch: 3, inputs: [input(floats(21, 3 * size(inA)), inA), input(floats(22, 3 * size(inB)), inB)], targets: [target(floats(23, 3 * outSize))] }),
  };
}

export const dotForms: DotForm[] = [
  { a: [5], b: [5], axes: [1, 1] },
  { a: [3, 5], b: [2, 5], axes: [2, 2] },
  { a: [3, 5], b: [5, 2], axes: [2, 1] },
  { a: [3, 5], b: [3, 2], axes: [1, 1] },
  { a: [3, 5], b: [2, 3], axes: [1, 2] },
  { a: [3, 5], b: [5], axes: [2, 1] },
  { a: [3, 5], b: [3], axes: [1, 1] },
  { a: [5], b: [5, 2], axes: [1, 1] },
  { a: [5], b: [2, 5], axes: [1, 2] },
];

function repeatVector(): GraphCase {
  const g = new GraphBuilder([floatInput('x', [4])], 1);
  const [p] = g.apply(dense('p', 3, 'tanh'), [0]);
  const [r] = g.apply({ kind: 'repeatVector', name: 'repeat', n: 5 }, [p]);
  const [h] = g.apply(rnn('lstm', 'lstm', 2, { returnSequences: true }), [r]);
  const [out] = g.apply(dense('out', 1), [h]);
  return { name: 'Dense -> RepeatVector(5) -> LSTM(returnSequences) -> Dense', spec: g.output(out).build(), losses: [mse], seed: 39,
    args: () => ({ batch: 3, inputs: [input(floats(24, 12), [4])], targets: [target(floats(25, 15))] }) };
}

function reshapeFlatten(): GraphCase {
  const g = new GraphBuilder([floatInput('x', [6])], 1);
  const [p] = g.apply(dense('p', 12, 'tanh'), [0]);
  const [r] = g.apply({ kind: 'reshape', name: 'reshape', targetShape: [-1, 4] }, [p]);
  const [h] = g.apply(rnn('gru', 'gru', 2, { returnSequences: true }), [r]);
  const [f] = g.apply({ kind: 'flatten', name: 'flatten' }, [h]);
  const [out] = g.apply(dense('out', 2), [f]);
  return { name: 'Dense(12) -> Reshape([-1, 4]) -> GRU(returnSequences) -> Flatten -> Dense', spec: g.output(out).build(), losses: [mse], seed: 40,
    args: () => ({ batch: 3, inputs: [input(floats(26, 18), [6])], targets: [target(floats(27, 6))] }) };
}

function bidirectionalStates(): GraphCase {
  const g = new GraphBuilder([floatInput('src', [4, 3]), floatInput('tgt', [5, 2])], 1);
  const [, ...states] = g.apply(bidirectional('enc', rnn('lstm', 'lstm', 3, { returnState: true }), 'concat'), [0]);
  const [yf, yb] = g.apply(bidirectional('dec', rnn('lstm', 'lstm', 3, { returnSequences: true }), null), [1, ...states]);
  const [sum] = g.apply({ kind: 'add', name: 'add' }, [yf, yb]);
  const [out] = g.apply(dense('out', 2), [sum]);
  return {
    name: 'Bidirectional(LSTM) returnState -> Bidirectional(LSTM) with those initial states, mergeMode null, the two outputs added',
    spec: g.output(out).build(), losses: [mse], seed: 41,
    args: () => ({ batch: 2, inputs: [input(floats(28, 24), [4, 3]), input(floats(29, 20), [5, 2])], targets: [target(floats(30, 20))] }),
  };
}

function bidirectionalSeparate(): GraphCase {
  const g = new GraphBuilder([floatInput('x', [4, 3])], 1);
  const [hf, hb, sf, sb] = g.apply(bidirectional('bi', rnn('gru', 'gru', 3, { returnState: true }), null), [0]);
  const [joined] = g.apply({ kind: 'concatenate', name: 'cat', axis: -1 }, [hf, hb, sf, sb]);
  const [out] = g.apply(dense('out', 2), [joined]);
  return {
    name: 'Bidirectional(GRU) mergeMode null with returnState: last outputs and states concatenated',
    spec: g.output(out).build(), losses: [mse], seed: 42,
    args: () => ({ batch: 3, inputs: [input(floats(31, 36), [4, 3])], targets: [target(floats(32, 6))] }),
  };
}

function peephole(): GraphCase {
  return single('peephole LSTM(returnSequences) -> peephole LSTM -> Dense',
    chain(floatInput('x', [5, 3]), [
      rnn('p1', 'lstm', 4, { peephole: true, returnSequences: true }), rnn('p2', 'lstm', 2, { peephole: true }), dense('out', 1),
    ], 1),
    3, [5, 3], 1, 43);
}

function explicitMask(): GraphCase {
  const mask = Uint8Array.from([1, 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, /**/ 0, 0, 1, 1, 1, 0]);
  return {
    name: 'an explicit input mask -> LSTM(returnSequences) -> Dense per step (masked loss)',
    spec: chain(floatInput('x', [6, 2]), [rnn('lstm', 'lstm', 3, { returnSequences: true }), dense('out', 2)], 1),
    losses: [mse], seed: 44,
    args: () => ({ batch: 3, inputs: [input(floats(33, 36), [6, 2], mask)], targets: [target(floats(34, 36))] }),
  };
}

function explicitTokenMask(): GraphCase {
  const mask = Uint8Array.from([1, 1, 1, 1, 0, /**/ 1, 1, 0, 0, 0, /**/ 1, 1, 1, 1, 1]);
  return {
    name: 'an explicit mask on token ids ANDed with Embedding(maskZero) -> GRU -> Dense(sigmoid)',
    spec: chain(tokenInput('x', 5), [embedding('emb', 6, 3, true), rnn('gru', 'gru', 3), dense('out', 1, 'sigmoid')], 1),
    losses: [lossSpec('binaryCrossentropy')], seed: 45,
    args: () => ({
      batch: 3,
      inputs: [input(Int32Array.from([1, 2, 0, 4, 5, 3, 3, 3, 3, 3, 5, 4, 3, 2, 1]), [5], mask)],
      targets: [target(Float32Array.from([1, 0, 1]))],
    }),
  };
}

function maskingAfterDense(): GraphCase {
  return single('Dense(relu) -> Masking -> LSTM -> Dense: the mask of computed values, and its gradient',
    chain(floatInput('x', [5, 2]), [dense('p', 3, 'relu'), { kind: 'masking', name: 'mask', maskValue: 0 }, rnn('lstm', 'lstm', 3), dense('out', 1)], 1),
    3, [5, 2], 1, 47);
}

function softmaxInside(): GraphCase {
  return single('Dense(softmax) inside the graph (unfused softmax backward) -> Dense, MSE',
    chain(floatInput('x', [4]), [dense('attn', 5, 'softmax'), dense('out', 2, 'relu')], 1),
    4, [4], 2, 46);
}

type AttentionScore = 'dot' | 'concat' | 'additive';

function attentionSpec(score: AttentionScore, useScale: boolean, dropout = 0): LayerSpec {
  return { kind: 'attention', name: 'attention', score, useScale, dropout, trainable: true };
}

/**
 * The course's translator: a bidirectional LSTM encoder over a masked source, an LSTM
 * decoder started from the encoder's states with teacher forcing, attention of every
 * decoder step over the encoder's outputs, concatenated with the decoder's output into a
 * softmax over the target tokens.
 */
function encoderDecoderAttention(score: AttentionScore, useScale: boolean, dropout = 0): GraphCase {
  const g = new GraphBuilder([tokenInput('src', 5), tokenInput('tgt', 4)], 1);
  const [src] = g.apply(embedding('src_emb', 7, 3, true), [0]);
  const [tgt] = g.apply(embedding('tgt_emb', 6, 3), [1]);
  const [enc, h, c] = g.apply(rnn('encoder', 'lstm', 4, { returnSequences: true, returnState: true }), [src]);
  const [dec] = g.apply(rnn('decoder', 'lstm', 4, { returnSequences: true }), [tgt, h, c]);
  const [context, weights] = g.apply(attentionSpec(score, useScale, dropout), [dec, enc], { returnAttentionScores: true, useCausalMask: false });
  const [joined] = g.apply({ kind: 'concatenate', name: 'join', axis: -1 }, [context, dec]);
  const [probs] = g.apply(dense('head', 6, 'softmax'), [joined]);
  const src_ids = ids(41, 10, 7);
  src_ids[3] = 0; // padding at the ends of the first source
  src_ids[4] = 0;
  return {
    name: `encoder LSTM -> decoder LSTM with ${score} attention${useScale ? ' (scaled)' : ''}${dropout ? ' and dropout' : ''} over the masked source, sparse CE + attention weights`,
    spec: g.output(probs, weights).build(), losses: [lossSpec('sparseCategoricalCrossentropy'), lossSpec('meanSquaredError', { weight: 0.5 })], seed: 42,
    args: () => ({ batch: 2, inputs: [input(src_ids, [5]), input(ids(42, 8, 6), [4])], targets: [target(ids(43, 8, 6)), target(floats(44, 40, 0, 0.4))] }),
    ...(dropout ? { dropout: true } : {}),
  };
}

/** Self-attention with the causal mask over projected sequences, with a separate key and a query mask. */
function causalSelfAttention(score: AttentionScore): GraphCase {
  const g = new GraphBuilder([floatInput('x', [4, 3])], 1);
  const [q] = g.apply(dense('q', 3, 'tanh'), [0]);
  const [k] = g.apply(dense('k', 3), [0]);
  const [v] = g.apply(dense('v', 2), [0]);
  const [y] = g.apply(attentionSpec(score, true), [q, v, k], { returnAttentionScores: false, useCausalMask: true });
  const [out] = g.apply(dense('out', 1), [y]);
  return {
    name: `causal self-attention (${score}, scaled) with a separate key and a query mask -> Dense`,
    spec: g.output(out).build(), losses: [mse], seed: 43,
    args: () => ({ batch: 2, inputs: [input(floats(45, 24), [4, 3], Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 0]))], targets: [target(floats(46, 8))] }),
  };
}

/** A language-model head trained with sampled softmax over a masked token sequence (training loss). */
function sampledLanguageModel(): GraphCase {
  const V = 40;
  const g = new GraphBuilder([tokenInput('x', 6)], 3);
  const [e] = g.apply(embedding('emb', V, 4, true), [0]);
  const [h] = g.apply(rnn('lstm', 'lstm', 5, { returnSequences: true }), [e]);
  const [probs] = g.apply(dense('probs', V, 'softmax'), [h]);
  const x = ids(51, 18, V);
  x.fill(0, 4, 6); // the first sequence ends after 4 tokens
  return {
    name: 'Embedding(maskZero) -> LSTM(returnSequences) -> Dense(softmax, 40 classes), sampled softmax of 12 over masked steps',
    spec: g.output(probs).build(), losses: [lossSpec('sparseCategoricalCrossentropy', { sampledSoftmax: { numSampled: 12, removeAccidentalHits: true } })],
    seed: 51, trainingLoss: true,
    args: () => ({ batch: 3, inputs: [input(x, [6])], targets: [target(Int32Array.from(ids(52, 18, 8)))] }),
  };
}

/** Sampled softmax on linear logits without a bias, with sample weights, beside a second (MSE) output. */
function sampledLogitsTwoOutputs(): GraphCase {
  const g = new GraphBuilder([floatInput('x', [3])], 4);
  const [h] = g.apply(dense('hidden', 6, 'tanh'), [0]);
  const [logits] = g.apply(dense('logits', 25, 'linear', { useBias: false }), [h]);
  const [aux] = g.apply(dense('aux', 2), [h]);
  return {
    name: 'Dense(tanh) -> Dense logits (25 classes, no bias) with sampled softmax of 7 and sample weights, beside an MSE output',
    spec: g.output(logits, aux).build(),
    losses: [lossSpec('sparseCategoricalCrossentropy', { fromLogits: true, weight: 0.8, sampledSoftmax: { numSampled: 7, removeAccidentalHits: false } }), mse],
    seed: 53, trainingLoss: true,
    args: () => ({
      batch: 5, inputs: [input(floats(54, 15), [3])],
      targets: [target(Int32Array.from([0, 3, 1, 24, 2]), Float32Array.from([1, 0.5, 2, 1, 0])), target(floats(55, 10))],
    }),
  };
}

export const dagCases: GraphCase[] = [
  sharedDense(),
  sharedLstm(),
  fanOut(),
  encoderDecoder('lstm'),
  encoderDecoder('gru'),
  encoderDecoder('simpleRnn'),
  merge('add', 3),
  merge('subtract', 2),
  merge('multiply', 3),
  merge('average', 2),
  concatenateTime(),
  concatenateLast(),
  ...dotForms.flatMap((f) => [dot(f, false), dot(f, true)]),
  repeatVector(),
  reshapeFlatten(),
  bidirectionalStates(),
  bidirectionalSeparate(),
  peephole(),
  explicitMask(),
  explicitTokenMask(),
  maskingAfterDense(),
  softmaxInside(),
  encoderDecoderAttention('dot', false),
  encoderDecoderAttention('dot', true),
  encoderDecoderAttention('concat', true),
  encoderDecoderAttention('additive', true),
  encoderDecoderAttention('additive', false),
  causalSelfAttention('dot'),
  causalSelfAttention('concat'),
  causalSelfAttention('additive'),
  sampledLanguageModel(),
  sampledLogitsTwoOutputs(),
];

/** With dropout on the attention weights: checked across backends, not by finite differences. */
export const dropoutDagCases: GraphCase[] = [encoderDecoderAttention('dot', true, 0.3), encoderDecoderAttention('additive', true, 0.3)];

export const allCases: GraphCase[] = [...chainCases, ...dagCases, ...dropoutDagCases];

