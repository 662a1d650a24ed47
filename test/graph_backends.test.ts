// The CPU backend and the CUDA backend's kernels (the "cuda-emulated" backend: the same
// kernel sources compiled for the host and run under the SIMT emulation) against the
// reference backend (every op in its plain form, sums, GEMM, the recurrent layer,
// activations, losses and updates in double) on every graph of
// test/support/graph_cases.ts: the same weights and batch give the same outputs, losses,
// metrics and gradients, and the same weights after an update, within a normalized error
// max |ours - reference| / max(1, max |reference|) <= 1e-5. On a machine with a GPU the
// same table of ops runs on the device in bench/cuda/device_check.sh.
//
// Every op of the Backend table (native/kernels/backend.h) runs in some of these graphs:
//   fill, add, scale, gemm, broadcast_rows, column_sums_add, rnn_cache_size, rnn_forward,
//     rnn_backward, loss_row_weights, loss_forward_backward, optimizer_update,
//     allocate/release/upload/download: nearly all of them
//   fill_u8: concatenate on the time axis of an unmasked and a masked input
//   subtract: the subtract merge; multiply: multiply, Dropout, Bidirectional mul
//   mask_and: the token mask ANDed with Embedding(maskZero)
//   copy: Reshape/Flatten and add backward, the time-axis mask join
//   copy_columns: concatenate, Bidirectional concat; reverse_time: Bidirectional with returnSequences
//   transpose: dot normalized over a matrix's first axis
//   repeat_rows, sum_repeats: RepeatVector
//   scale_sequences: LSTM input dropout; dropout_factors: Dropout and recurrent dropout
//   apply_row_mask, masking: Masking after a Dense
//   sum_squares, scale_in_double: clipnorm and globalClipnorm; clip_values: clipvalue
//   l2_normalize_rows(_backward): dot with normalize; gemm_batched: dot
//   gather_rows, scatter_add_rows, mask_nonzero: Embedding
//   activation, activation_backward: Dense relu, tanh, sigmoid
//   softmax_rows: softmax outputs; softmax_rows_backward: a softmax Dense inside the graph
//   metric_sum: the cases with metrics; regularize: the regularized chains
//   mask_scores, additive_scores(_backward): the attention graphs (masked source, causal)
//   gather_columns, scatter_add_columns, row_dots, scale_rows, sampled_softmax_loss: the
//     sampled softmax heads
import test from 'ava';

import type { NativeModel } from '../lib/graph_spec';
import { cuda } from '../lib/native';
import { allCases, GraphCase } from './support/graph_cases';
import { build, compileSpec, optimizer } from './support/graph_specs';

const LIMIT = 1e-5;

/** max |a - b| / max(1, max |b|). */
function normalizedError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function worstOf(as: ArrayLike<number>[], bs: ArrayLike<number>[]): number {
  return as.reduce((w, a, i) => Math.max(w, normalizedError(a, bs[i])), 0);
}

type Tested = 'cpu' | 'cuda-emulated' | 'cuda';
const overall: Record<Tested, number> = { cpu: 0, 'cuda-emulated': 0, cuda: 0 };
// The device itself where the CUDA addon found one (its kernels are the emulated ones,
// built by nvcc); printed and skipped elsewhere.
const gpu = cuda();
const testedBackends: Tested[] = gpu.binding ? ['cpu', 'cuda-emulated', 'cuda'] : ['cpu', 'cuda-emulated'];
if (!gpu.binding) console.log(`graph_backends.test: the 'cuda' backend is not tested on a device: ${gpu.reason ?? 'no CUDA device'}`);

async function compare(t: import('ava').ExecutionContext, c: GraphCase, tested: Tested): Promise<void> {
  const make = (backend: Tested | 'reference'): NativeModel => {
    const m = build(c.spec, c.seed, c.scale ?? 0.5, { backend });
    m.compile(compileSpec(c.losses, c.optimizer ?? optimizer('sgd', 0.1)));
    return m;
  };
  const cpu = make(tested);
  const ref = make('reference');
  const errors: Record<string, number> = {};
  const args = c.args();
  const [pc, pr] = [await cpu.predict({ batch: args.batch, inputs: args.inputs }), await ref.predict({ batch: args.batch, inputs: args.inputs })];
  t.deepEqual(pc.map((o) => o.shape), pr.map((o) => o.shape));
  errors.outputs = worstOf(pc.map((o) => o.data), pr.map((o) => o.data));
  const [ec, er] = [await cpu.evaluateStep(args), await ref.evaluateStep(args)];
  errors.loss = normalizedError([ec.loss], [er.loss]);
  errors.metrics = worstOf(ec.outputs.map((o) => o?.metrics ?? []), er.outputs.map((o) => o?.metrics ?? []));
  t.deepEqual(ec.outputs.map((o) => o?.count), er.outputs.map((o) => o?.count));
  const [gc, gr] = [await cpu.computeGradients(args), await ref.computeGradients(args)];
  errors.trainingLoss = normalizedError([gc.loss], [gr.loss]);
  errors.gradients = worstOf(cpu.getGradients(), ref.getGradients());
  await Promise.all([cpu.applyGradients({}), ref.applyGradients({})]);
  errors.updated = worstOf(cpu.getWeights(), ref.getWeights());
  await Promise.all([cpu.trainStep(args), ref.trainStep(args)]);
  errors.trained = worstOf(cpu.getWeights(), ref.getWeights());
  const worst = Math.max(...Object.values(errors));
  overall[tested] = Math.max(overall[tested], worst);
  t.log(Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', '));
  for (const [k, v] of Object.entries(errors)) t.true(v <= LIMIT, `${k}: normalized error ${v}`);
  for (const m of [cpu, ref]) m.dispose();
}

for (const tested of testedBackends) {
  for (const c of allCases) {
    test.serial(`${tested} vs reference: ${c.name}`, (t) => compare(t, c, tested));
  }
  test.serial(`${tested}: the worst normalized error over every graph`, (t) => {
    t.log(`worst normalized error over ${allCases.length} graphs: ${overall[tested].toExponential(2)}`);
    t.true(overall[tested] > 0 && overall[tested] <= LIMIT, 'the backends differ by float rounding only');
  });
}
