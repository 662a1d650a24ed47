// The attention layers (Keras Attention: 'dot' and 'concat' scores, AdditiveAttention)
// against values recorded with PyTorch (test/fixtures/make_attention_fixtures.py): the
// output, the attention weights, the loss and the gradient of every weight of a graph
// Dense projections -> attention, on the CPU and the reference backends, within 1e-5;
// with value and query masks, a separate key, the causal mask and each weight form.
// Then the layer API: shapes, call options, errors, training, save and load.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { GraphSpec, LayerSpec, NativeModel, StepArgs } from '../lib/graph_spec';
import { input as symbolicInput, layers, loadModel, model, optimizers, Tensor, tensor } from '../lib/index';
import { compileSpec, dense, floatInput, GraphBuilder, input, lossSpec, newModel, target } from './support/graph_specs';
import { asFloat32, asUint8, CaseFixture, caseFixtures, recorded } from './support/case_fixtures';

interface Case {
  score: 'dot' | 'concat' | 'additive';
  useScale: boolean;
  causal: boolean;
  key: boolean;
  qMask: boolean;
  vMask: boolean;
}

type Fixture = CaseFixture<Case>;

const fixtures = () => caseFixtures<Case>('attention');

const get = (f: Fixture, name: string) => recorded(f, name);

const f32 = asFloat32;
const u8 = asUint8;

/** The weight names of the fixture in the graph's getWeights order. */
function weightNames(f: Fixture): string[] {
  return ['Wq', 'Wv', ...(f.c.key ? ['Wk'] : []), ...(f.c.useScale ? ['scale'] : []), ...(f.c.score === 'concat' ? ['concat_score_weight'] : [])];
}

function graphOf(f: Fixture): GraphSpec {
  const [xq, xv] = [get(f, 'xq'), get(f, 'xv')];
  const ins = [floatInput('xq', xq.shape.slice(1)), floatInput('xv', xv.shape.slice(1))];
  if (f.c.key) ins.push(floatInput('xk', get(f, 'xk').shape.slice(1)));
  const g = new GraphBuilder(ins, 1);
  const noBias = { useBias: false };
  const [q] = g.apply(dense('wq', get(f, 'Wq').shape[1], 'linear', noBias), [0]);
  const [v] = g.apply(dense('wv', get(f, 'Wv').shape[1], 'linear', noBias), [1]);
  const ids = [q, v];
  if (f.c.key) ids.push(g.apply(dense('wk', get(f, 'Wk').shape[1], 'linear', noBias), [2])[0]);
  const att: LayerSpec = { kind: 'attention', name: 'att', score: f.c.score, useScale: f.c.useScale, dropout: 0, trainable: true };
  const [out, scores] = g.apply(att, ids, { returnAttentionScores: true, useCausalMask: f.c.causal });
  return g.output(out, scores).build();
}

function argsOf(f: Fixture, targets: boolean): StepArgs {
  const B = get(f, 'xq').shape[0];
  const inputs = [input(f32(get(f, 'xq')), get(f, 'xq').shape.slice(1), f.c.qMask ? u8(get(f, 'q_mask')) : undefined), input(f32(get(f, 'xv')), get(f, 'xv').shape.slice(1), f.c.vMask ? u8(get(f, 'v_mask')) : undefined)];
  if (f.c.key) inputs.push(input(f32(get(f, 'xk')), get(f, 'xk').shape.slice(1)));
  return { batch: B, inputs, ...(targets ? { targets: [target(f32(get(f, 'y_out'))), target(f32(get(f, 'y_scores')))] } : {}) };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const f of fixtures()) {
  for (const backend of ['cpu', 'reference'] as const) {
    test(`${f.name} (${backend}): output, weights, loss and gradients match PyTorch`, async (t) => {
      const m: NativeModel = newModel(graphOf(f), { backend });
      m.setWeights(weightNames(f).map((n) => f32(get(f, n))));
      m.compile(compileSpec([lossSpec('meanSquaredError'), lossSpec('meanSquaredError')]));
      const [out, scores] = await m.predict(argsOf(f, false));
      const dOut = maxDiff(out.data, get(f, 'out').data as Float64Array);
      const dScores = maxDiff(scores.data, get(f, 'scores').data as Float64Array);
      const r = await m.computeGradients(argsOf(f, true));
      const dLoss = Math.abs(r.loss - (get(f, 'loss').data as Float64Array)[0]);
      const grads = m.getGradients();
      const dGrad = Math.max(...weightNames(f).map((n, i) => maxDiff(grads[i], get(f, `grad.${n}`).data as Float64Array)));
      t.log(`max |difference|: output ${dOut.toExponential(1)}, weights ${dScores.toExponential(1)}, loss ${dLoss.toExponential(1)}, gradients ${dGrad.toExponential(1)}`);
      t.true(dOut < 1e-5, `output ${dOut}`);
      t.true(dScores < 1e-5, `attention weights ${dScores}`);
      t.true(dLoss < 1e-5, `loss ${dLoss}`);
      t.true(dGrad < 1e-5, `gradients ${dGrad}`);
    });
  }
}

// ---- The layer API.

test('shapes, weights and Keras names of the attention layers', (t) => {
  const q = symbolicInput({ shape: [3, 4], name: 'q' });
  const v = symbolicInput({ shape: [null, 6], name: 'v' });
  const k = symbolicInput({ shape: [null, 4], name: 'k' });
  const att = layers.attention({ useScale: true, scoreMode: 'concat' });
  const [y, w] = att.apply([q, v, k], { returnAttentionScores: true }) as ReturnType<typeof symbolicInput>[];
  t.deepEqual(y.shape, [3, 6]);
  t.deepEqual(w.shape, [3, null]);
  t.deepEqual(att.weights().map((x) => [x.name, x.shape]), [['scale', []], ['concat_score_weight', []]]);
  t.is(att.className, 'Attention');
  t.deepEqual(Object.keys(att.getConfig()).sort(), ['dropout', 'dtype', 'name', 'score_mode', 'trainable', 'use_scale']);
  const add = layers.additiveAttention();
  t.deepEqual((add.apply([q, k]) as ReturnType<typeof symbolicInput>).shape, [3, 4]);
  t.deepEqual(add.weights().map((x) => [x.name, x.shape]), [['scale', [4]]]);
  t.is(add.className, 'AdditiveAttention');
  t.deepEqual(layers.attention().apply([q, k]) instanceof Array, false);
});

test('bad inputs and call options are named', (t) => {
  const q = symbolicInput({ shape: [3, 4] });
  const v = symbolicInput({ shape: [5, 4] });
  const wide = symbolicInput({ shape: [5, 7] });
  const flat = symbolicInput({ shape: [4] });
  const short = symbolicInput({ shape: [2, 4] });
  t.throws(() => layers.attention({ name: 'a1' }).apply([q, wide]), { message: /a1: the value \(the key when none is given\) must have the query's 4 features, received \(None, 5, 7\)/ });
  t.throws(() => layers.attention({ name: 'a2' }).apply([q, wide, short]), { message: /a2: the value and the key must have one length, received \(None, 5, 7\) and \(None, 2, 4\)/ });
  t.throws(() => layers.attention({ name: 'a3' }).apply([q, flat]), { message: /a3: the value must be \[batch, steps, features\] with known features, received \(None, 4\)/ });
  t.throws(() => layers.attention({ name: 'a4' }).apply([q]), { message: /a4: takes 2 to 3 inputs, received 1/ });
  t.throws(() => layers.attention({ name: 'a5' }).apply([q, v], { returnAttentionScores: 'yes' as never }), { message: /a5: apply: returnAttentionScores must be a boolean, received 'yes'/ });
  t.throws(() => layers.attention({ name: 'a6' }).apply([q, v], { initialState: [v] }), { message: /a6: apply: unknown option 'initialState' \(known options: returnAttentionScores, useCausalMask\)/ });
  t.throws(() => layers.dense({ units: 2, name: 'd1' }).apply(q, { useCausalMask: true }), { message: /d1: apply: useCausalMask is for attention layers/ });
  t.throws(() => layers.attention({ scoreMode: 'general' as never }), { message: /scoreMode must be one of 'dot', 'concat', received 'general'/ });
  t.throws(() => layers.additiveAttention({ dropout: 1 }), { message: /dropout must be a number in \[0, 1\), received 1/ });
  t.throws(() => layers.attention({ use_scale: true } as never), { message: /unknown option 'use_scale'.*useScale/ });
});

function lookupModel() {
  // Each query picks the value whose key is nearest: attention is the whole job.
  const q = symbolicInput({ shape: [2, 3], name: 'query' });
  const kv = symbolicInput({ shape: [4, 3], name: 'keys' });
  const vals = symbolicInput({ shape: [4, 2], name: 'values' });
  const pq = layers.dense({ units: 3, name: 'pq' }).apply(q) as ReturnType<typeof symbolicInput>;
  const [y, w] = layers.attention({ useScale: true, name: 'att' }).apply([pq, vals, kv], { returnAttentionScores: true }) as ReturnType<typeof symbolicInput>[];
  return model({ inputs: [q, kv, vals], outputs: [y, w], name: 'lookup' });
}

function lookupData(n: number, seed: number): { xs: Tensor[]; y: Tensor } {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const keys = new Float32Array(n * 12);
  const vals = new Float32Array(n * 8);
  const q = new Float32Array(n * 6);
  const y = new Float32Array(n * 4);
  for (let b = 0; b < n; b++) {
    // Unit keys: the query's own key has the largest dot product with it.
    for (let j = 0; j < 4; j++) {
      const key = [r(), r(), r()];
      const norm = Math.hypot(...key) || 1;
      for (let d = 0; d < 3; d++) keys[b * 12 + j * 3 + d] = key[d] / norm;
    }
    for (let i = 0; i < 8; i++) vals[b * 8 + i] = r();
    for (let i = 0; i < 2; i++) {
      const pick = Math.floor(((r() + 1) / 2) * 4) % 4;
      for (let d = 0; d < 3; d++) q[(b * 2 + i) * 3 + d] = keys[b * 12 + pick * 3 + d];
      for (let d = 0; d < 2; d++) y[(b * 2 + i) * 2 + d] = vals[b * 8 + pick * 2 + d];
    }
  }
  return { xs: [tensor(q, [n, 2, 3]), tensor(keys, [n, 4, 3]), tensor(vals, [n, 4, 2])], y: tensor(y, [n, 2, 2]) };
}

test('a model with attention learns a key-value lookup, and saves and loads with its call options', async (t) => {
  const m = lookupModel();
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.03 }), loss: { att_0: 'mse', att_1: null } });
  const train = lookupData(256, 7);
  const held = lookupData(64, 8);
  const before = (await m.evaluate(held.xs, { att_0: held.y }, { returnDict: true })) as Record<string, number>;
  await m.fit(train.xs, { att_0: train.y }, { epochs: 40, batchSize: 32, verbose: 0 });
  const after = (await m.evaluate(held.xs, { att_0: held.y }, { returnDict: true })) as Record<string, number>;
  t.log(`held-out mse ${before.loss.toFixed(4)} -> ${after.loss.toFixed(4)}`);
  t.true(after.loss < before.loss / 4, `mse ${before.loss} -> ${after.loss}`);
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-attention-'));
  try {
    await m.save(dir);
    const loaded = await loadModel(dir);
    const [a, b] = [(await m.predict(held.xs)) as Tensor[], (await loaded.predict(held.xs)) as Tensor[]];
    t.is(b.length, 2, 'the attention weights are still an output');
    t.deepEqual(Array.from(b[0].data), Array.from(a[0].data));
    t.deepEqual(Array.from(b[1].data), Array.from(a[1].data));
    t.deepEqual(loaded.outputs.map((o) => o.shape), [[2, 2], [2, 4]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a shared attention layer takes each call's own options, as in Keras (the scores of one application, causal in another)", async (t) => {
  const q = symbolicInput({ shape: [3, 2], name: 'q' });
  const v = symbolicInput({ shape: [3, 2], name: 'v' });
  const att = layers.attention({ useScale: true, name: 'shared_att' });
  const plain = att.apply([q, v]) as ReturnType<typeof symbolicInput>;
  const [withScores, scores] = att.apply([q, v], { returnAttentionScores: true }) as ReturnType<typeof symbolicInput>[];
  const causal = att.apply([q, v], { useCausalMask: true }) as ReturnType<typeof symbolicInput>;
  const m = model({ inputs: [q, v], outputs: [plain, withScores, scores, causal] });
  t.is(att.weights().length, 1, 'one scale for every application');
  const x = tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), [2, 3, 2]);
  const y = tensor(Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), [2, 3, 2]);
  const [a, b, w, c] = (await m.predict([x, y])) as Tensor[];
  t.deepEqual(Array.from(a.data), Array.from(b.data), 'returning the scores changes nothing else');
  // Causal: the first query sees only the first key, so its weight row is [1, 0, 0] and its output is that value.
  t.deepEqual(Array.from(c.data.subarray(0, 2)), Array.from(y.data.subarray(0, 2)));
  t.notDeepEqual(Array.from(c.data), Array.from(a.data));
  for (let r = 0; r < 6; r++) t.true(Math.abs(w.data[r * 3] + w.data[r * 3 + 1] + w.data[r * 3 + 2] - 1) < 1e-6);
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-attention-calls-'));
  try {
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.save(dir);
    const back = await loadModel(dir);
    const outs = (await back.predict([x, y])) as Tensor[];
    outs.forEach((o, i) => t.deepEqual(Array.from(o.data), Array.from([a, b, w, c][i].data), `output ${i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
