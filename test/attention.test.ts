// The attention layers (Keras Attention: 'dot' and 'concat' scores, AdditiveAttention)
// against values recorded with PyTorch (test/fixtures/make_attention_fixtures.py): the
// output, the attention weights, the loss and the gradient of every weight of a graph
// Dense projections -> attention, on the CPU and the reference backends, within 1e-5;
// with value and query masks, a separate key, the causal mask and each weight form.
// Then the layer API: shapes, call options, errors, training, save and load.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { GraphSpec, LayerSpec, NativeModel, StepArgs } from '../lib/graph_spec';
import { input as symbolicInput, layers, loadModel, model, Tensor, tensor } from '../lib/index';
import { compileSpec, dense, floatInput, GraphBuilder, input, lossSpec, newModel, target } from './support/graph_specs';
import { readSafetensors, Tensor as StoredTensor } from './support/safetensors';

const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'attention');

interface Case {
  score: 'dot' | 'concat' | 'additive';
  useScale: boolean;
  causal: boolean;
  key: boolean;
  qMask: boolean;
  vMask: boolean;
}

interface Fixture {
  name: string;
  c: Case;
  t: Map<string, StoredTensor>;
}

function fixtures(): Fixture[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => {
      const s = readSafetensors(join(DIR, f));
      return { name: f.replace('.safetensors', ''), c: JSON.parse(s.metadata.case) as Case, t: s.tensors };
    });
}

function get(f: Fixture, name: string): StoredTensor {
  const t = f.t.get(name);
  if (!t) throw new Error(`${f.name}: no tensor '${name}'`);
  return t;
}

const f32 = (t: StoredTensor) => Float32Array.from(t.data as ArrayLike<number>);
const u8 = (t: StoredTensor) => Uint8Array.from(t.data as ArrayLike<number>);

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
  const att: LayerSpec = { kind: 'attention', name: 'att', score: f.c.score, useScale: f.c.useScale, dropout: 0, returnAttentionScores: true, useCausalMask: f.c.causal, trainable: true };
  const [out, scores] = g.apply(att, ids);
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
