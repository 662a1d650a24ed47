// Proves the model fixtures without the native engine: a plain double-precision forward of
// each stack, from the stored Keras-layout weights, must reproduce PyTorch's predictions;
// a plain re-implementation of the Keras 3 update rules must reproduce the stored weights
// after each optimizer step from the stored gradients; and central differences of the
// plain forward's loss must reproduce those gradients.
import test from 'ava';
import {
  LayerSpec, loadPredictFixtures, loadTrainFixtures, ModelSpec, NamedTensor, OptimizerConfig, RecurrentSpec,
  TrainFixture,
} from './support/model_fixtures';
import { maxAbsDiff, Rng } from './support/random';
import { plainCellStep } from './support/plain_cell';

type Weights = Map<string, ArrayLike<number>>;

// A batch of activations: data [B, ...shape], row-major.
interface Activations {
  data: Float64Array;
  shape: number[];
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

function get(w: Weights, name: string): ArrayLike<number> {
  const v = w.get(name);
  if (!v) throw new Error(`no weight '${name}'`);
  return v;
}

// One recurrent layer in the Keras layout from a zero state. B = batch, T = steps,
// I = input size, H = units. Returns the outputs [B,T,H] or, when reverse, the outputs
// of the reversed sequence (Keras's backward layer: its last output has seen x[0] last).
function recurrentForward(
  spec: RecurrentSpec, kernel: ArrayLike<number>, recurrentKernel: ArrayLike<number>, bias: ArrayLike<number>, // [I,G*H], [H,G*H], [G*H] or GRU [2,3H]
  x: Float64Array, B: number, T: number, I: number, reverse: boolean, // x [B,T,I]
): Float64Array {
  const H = spec.units;
  const G = spec.class === 'LSTM' ? 4 : spec.class === 'GRU' ? 3 : 1;
  const GH = G * H;
  const gru = spec.class === 'GRU';
  const y = new Float64Array(B * T * H); // [B,T,H] in processing order
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    let c = new Float64Array(H);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const xw = new Float64Array(GH);
      const hu = new Float64Array(GH);
      for (let g = 0; g < GH; g++) {
        let a = gru ? bias[g] : 0;
        for (let i = 0; i < I; i++) a += x[(b * T + t) * I + i] * kernel[i * GH + g];
        xw[g] = a;
        let r = gru ? bias[GH + g] : bias[g];
        for (let k = 0; k < H; k++) r += h[k] * recurrentKernel[k * GH + g];
        hu[g] = r;
      }
      const cell = spec.class === 'SimpleRNN' ? 'simpleRnn' : spec.class === 'LSTM' ? 'lstm' : 'gru';
      ({ h, c } = plainCellStep(cell, spec.activation ?? 'tanh', xw, hu, h, c, H));
      y.set(h, (b * T + s) * H);
    }
  }
  return y;
}

function lastStep(y: Float64Array, B: number, T: number, H: number): Float64Array {
  const out = new Float64Array(B * H); // [B,H]
  for (let b = 0; b < B; b++) out.set(y.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
  return out;
}

function layerForward(layer: LayerSpec, w: Weights, input: Activations): Activations {
  const [B, T] = input.shape;
  switch (layer.class) {
    case 'Embedding': {
      const D = layer.outputDim;
      const table = get(w, `${layer.name}.embeddings`); // [V,D]
      const out = new Float64Array(input.data.length * D);
      input.data.forEach((id, k) => {
        if (!Number.isInteger(id) || id < 0 || id >= layer.inputDim) throw new Error(`token id ${id} out of range`);
        for (let d = 0; d < D; d++) out[k * D + d] = table[id * D + d];
      });
      return { data: out, shape: [...input.shape, D] };
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      const p = (n: string) => get(w, `${layer.name}.${n}`);
      const y = recurrentForward(layer, p('kernel'), p('recurrent_kernel'), p('bias'), input.data, B, T, input.shape[2], false);
      const H = layer.units;
      return layer.returnSequences ? { data: y, shape: [B, T, H] } : { data: lastStep(y, B, T, H), shape: [B, H] };
    }
    case 'Bidirectional': {
      if (layer.layer.returnSequences) throw new Error('Bidirectional with returnSequences is not in the fixtures');
      const H = layer.layer.units;
      const run = (dir: string, reverse: boolean) => lastStep(recurrentForward(
        layer.layer, get(w, `${layer.name}.${dir}.kernel`), get(w, `${layer.name}.${dir}.recurrent_kernel`),
        get(w, `${layer.name}.${dir}.bias`), input.data, B, T, input.shape[2], reverse), B, T, H);
      const fwd = run('forward', false);
      const bwd = run('backward', true);
      const out = new Float64Array(B * 2 * H); // [B,2H] = concat(forward, backward)
      for (let b = 0; b < B; b++) {
        out.set(fwd.subarray(b * H, (b + 1) * H), b * 2 * H);
        out.set(bwd.subarray(b * H, (b + 1) * H), b * 2 * H + H);
      }
      return { data: out, shape: [B, 2 * H] };
    }
    case 'Dense': {
      const N = layer.units;
      const I = input.shape[input.shape.length - 1];
      const rows = input.data.length / I;
      const kernel = get(w, `${layer.name}.kernel`); // [I,N]
      const bias = get(w, `${layer.name}.bias`);     // [N]
      const out = new Float64Array(rows * N);
      for (let r = 0; r < rows; r++) {
        for (let n = 0; n < N; n++) {
          let a = bias[n];
          for (let i = 0; i < I; i++) a += input.data[r * I + i] * kernel[i * N + n];
          out[r * N + n] = layer.activation === 'sigmoid' ? sigmoid(a) : a;
        }
        if (layer.activation === 'softmax') {
          const row = out.subarray(r * N, (r + 1) * N);
          const m = Math.max(...row);
          let sum = 0;
          for (let n = 0; n < N; n++) sum += (row[n] = Math.exp(row[n] - m));
          for (let n = 0; n < N; n++) row[n] /= sum;
        }
      }
      return { data: out, shape: [...input.shape.slice(0, -1), N] };
    }
  }
}

function modelForward(model: ModelSpec, w: Weights, x: ArrayLike<number>): Activations[] {
  let a: Activations = { data: Float64Array.from(x), shape: model.input.shape };
  return model.layers.map((layer) => (a = layerForward(layer, w, a)));
}

function weightMap(ws: NamedTensor<Float32Array | Float64Array>[]): Weights {
  return new Map(ws.map((t) => [t.name, t.data]));
}

// Keras MSE: the mean over the last axis, then over the batch; with one output, the mean.
function mse(yPred: Float64Array, yTrue: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yPred.length; i++) s += (yPred[i] - yTrue[i]) ** 2;
  return s / yPred.length;
}

function trainLoss(f: TrainFixture, w: Weights): number {
  const outs = modelForward(f.model, w, f.x);
  return mse(outs[outs.length - 1].data, f.yTrue);
}

// ------------------------------------------------------------------ Keras 3 update rules

function clipGradients(opt: OptimizerConfig, grads: Float64Array[]): Float64Array[] {
  const norm = (g: Float64Array) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  if (opt.clipnorm !== undefined) {
    const c = opt.clipnorm;
    return grads.map((g) => { const k = c / Math.max(norm(g), c); return g.map((v) => v * k); });
  }
  if (opt.globalClipnorm !== undefined) {
    const c = opt.globalClipnorm;
    const n = Math.sqrt(grads.reduce((s, g) => s + norm(g) ** 2, 0));
    const k = c * Math.min(1 / n, 1 / c);
    return grads.map((g) => g.map((v) => v * k));
  }
  if (opt.clipvalue !== undefined) {
    const c = opt.clipvalue;
    return grads.map((g) => g.map((v) => Math.min(c, Math.max(-c, v))));
  }
  return grads;
}

interface SlotState {
  [slot: string]: Float64Array;
}

/** One Keras 3 update of w (in place) by g at step t (from 1); state holds the slots. */
function kerasUpdate(opt: OptimizerConfig, state: SlotState, w: Float64Array, g: Float64Array, t: number): void {
  const lr = opt.learningRate;
  const slot = (name: string, init = 0) => (state[name] ??= new Float64Array(w.length).fill(init));
  switch (opt.name) {
    case 'sgd': {
      if (opt.momentum === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
        return;
      }
      const m = slot('momentum');
      for (let i = 0; i < w.length; i++) {
        m[i] = opt.momentum * m[i] - lr * g[i];
        w[i] += opt.nesterov ? opt.momentum * m[i] - lr * g[i] : m[i];
      }
      return;
    }
    case 'adam': {
      const m = slot('momentum');
      const v = slot('velocity');
      const alpha = lr * Math.sqrt(1 - opt.beta2 ** t) / (1 - opt.beta1 ** t);
      for (let i = 0; i < w.length; i++) {
        m[i] += (g[i] - m[i]) * (1 - opt.beta1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - opt.beta2);
        w[i] -= (m[i] * alpha) / (Math.sqrt(v[i]) + opt.epsilon);
      }
      return;
    }
    case 'rmsprop': {
      const v = slot('velocity');
      for (let i = 0; i < w.length; i++) {
        v[i] = opt.rho * v[i] + (1 - opt.rho) * g[i] * g[i];
        w[i] -= (lr * g[i]) / Math.sqrt(v[i] + opt.epsilon);
      }
      return;
    }
    case 'adadelta': {
      const a = slot('accumulated_grad');
      const ad = slot('accumulated_delta_var');
      for (let i = 0; i < w.length; i++) {
        a[i] = opt.rho * a[i] + (1 - opt.rho) * g[i] * g[i];
        const d = -(Math.sqrt(ad[i] + opt.epsilon) * g[i]) / Math.sqrt(a[i] + opt.epsilon);
        ad[i] = opt.rho * ad[i] + (1 - opt.rho) * d * d;
        w[i] += lr * d;
      }
      return;
    }
    case 'adagrad': {
      const acc = slot('accumulator', opt.initialAccumulatorValue);
      for (let i = 0; i < w.length; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= (lr * g[i]) / Math.sqrt(acc[i] + opt.epsilon);
      }
      return;
    }
  }
}

// ------------------------------------------------------------------ predictions

const predictFixtures = loadPredictFixtures();
const trainFixtures = loadTrainFixtures();

test('the prediction fixtures cover the four stacks of the model API', (t) => {
  const stacks = predictFixtures.map((f) => f.model.layers.map((l) => (l.class === 'Bidirectional' ? `Bi${l.layer.class}` : l.class)).join('-'));
  t.deepEqual(stacks.sort(), [
    'Embedding-BiLSTM-Dense', 'Embedding-GRU-GRU-Dense', 'Embedding-LSTM-Dense', 'SimpleRNN-SimpleRNN-Dense',
  ]);
  for (const f of predictFixtures.filter((p) => p.model.input.dtype === 'int32')) t.true(f.x.includes(0), `${f.file} has token id 0`);
});

for (const f of predictFixtures) {
  test(`${f.file}: weights in Keras shapes, in getWeights order`, (t) => {
    const w = new Map(f.weights.map((x) => [x.name, x.shape]));
    let inputSize = f.model.input.shape[2] ?? 0;
    for (const layer of f.model.layers) {
      const shapes = layer.weights.map((n) => w.get(n));
      if (layer.class === 'Embedding') {
        t.deepEqual(shapes, [[layer.inputDim, layer.outputDim]]);
        inputSize = layer.outputDim;
      } else if (layer.class === 'Dense') {
        t.deepEqual(shapes, [[inputSize, layer.units], [layer.units]]);
        inputSize = layer.units;
      } else {
        const cell = layer.class === 'Bidirectional' ? layer.layer : layer;
        const H = cell.units;
        const G = cell.class === 'LSTM' ? 4 : cell.class === 'GRU' ? 3 : 1;
        const one = [[inputSize, G * H], [H, G * H], cell.class === 'GRU' ? [2, G * H] : [G * H]];
        t.deepEqual(shapes, layer.class === 'Bidirectional' ? [...one, ...one] : one, layer.name);
        t.deepEqual(layer.weights.slice(0, 3).map((n) => n.split('.').pop()), ['kernel', 'recurrent_kernel', 'bias']);
        inputSize = layer.class === 'Bidirectional' ? 2 * H : H;
      }
    }
    t.deepEqual(f.weights.map((x) => x.name), f.model.layers.flatMap((l) => l.weights));
  });

  test(`${f.file}: plain forward in Keras layout reproduces PyTorch's outputs of every layer`, (t) => {
    const outs = modelForward(f.model, weightMap(f.weights), f.x);
    outs.forEach((o, k) => {
      t.deepEqual(o.shape, f.layerOutputs[k].shape, f.layerOutputs[k].name);
      const d = maxAbsDiff(o.data, f.layerOutputs[k].data);
      t.true(d <= 1e-9, `${f.layerOutputs[k].name}: max |diff| ${d}`);
    });
    const d = maxAbsDiff(outs[outs.length - 1].data, f.y.data);
    t.log(`max |diff| of the prediction ${d.toExponential(2)}`);
    t.true(d <= 1e-9);
  });
}

// ------------------------------------------------------------------ optimizer steps

test('the training fixtures cover every optimizer and clipping option, with Keras defaults', (t) => {
  const byFile = new Map(trainFixtures.map((f) => [f.file.replace(/^train_|\.safetensors$/g, ''), f.optimizer]));
  t.deepEqual([...byFile.keys()].sort(), [
    'adadelta', 'adagrad', 'adam', 'rmsprop', 'sgd', 'sgd_clipnorm', 'sgd_clipvalue', 'sgd_global_clipnorm',
    'sgd_momentum', 'sgd_nesterov',
  ]);
  t.like(byFile.get('sgd_nesterov'), { momentum: 0.9, nesterov: true });
  t.like(byFile.get('adam'), { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  t.like(byFile.get('rmsprop'), { rho: 0.9, epsilon: 1e-7 });
  t.like(byFile.get('adadelta'), { learningRate: 1, rho: 0.95, epsilon: 1e-7 });
  t.like(byFile.get('adagrad'), { initialAccumulatorValue: 0.1, epsilon: 1e-7 });
  // Every file starts from the same weights and batch, so step 1 sees the same gradients.
  for (const f of trainFixtures) {
    t.deepEqual(f.grads[0], trainFixtures[0].grads[0], f.file);
    t.deepEqual(f.weights, trainFixtures[0].weights, f.file);
  }
});

for (const f of trainFixtures) {
  test(`${f.file}: plain forward reproduces the loss before every step`, (t) => {
    const weightsBefore = [f.weights, ...f.after.slice(0, -1)];
    weightsBefore.forEach((w, s) => {
      const d = Math.abs(trainLoss(f, weightMap(w)) - f.losses[s]);
      t.true(d <= 1e-12, `step ${s + 1}: |diff| ${d}`);
    });
    if (f.steps > 1) t.true(f.losses[f.steps - 1] < f.losses[0], 'the loss goes down');
  });

  test(`${f.file}: the Keras update rules reproduce the weights after every step`, (t) => {
    const w = f.weights.map((x) => Float64Array.from(x.data));
    const state: SlotState[] = w.map(() => ({}));
    let worst = 0;
    for (let s = 0; s < f.steps; s++) {
      const grads = clipGradients(f.optimizer, f.grads[s].map((g) => g.data));
      w.forEach((wi, k) => kerasUpdate(f.optimizer, state[k], wi, grads[k], s + 1));
      const d = Math.max(...w.map((wi, k) => maxAbsDiff(wi, f.after[s][k].data)));
      worst = Math.max(worst, d);
      t.true(d <= 1e-14, `step ${s + 1}: max |diff| ${d}`);
    }
    const moved = Math.max(...w.map((wi, k) => maxAbsDiff(wi, f.weights[k].data)));
    t.log(`max |diff| ${worst.toExponential(2)} over ${f.steps} step(s); weights moved by up to ${moved.toExponential(2)}`);
    t.true(moved >= 5e-4, 'the steps are large enough to tell the rules apart');
  });
}

test('clipping bounds the step as Keras does', (t) => {
  const step = (name: string) => {
    const f = trainFixtures.find((x) => x.file === `train_${name}.safetensors`)!;
    return f.after[0].map((w, k) => w.data.map((v, i) => v - f.weights[k].data[i]));
  };
  const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  // lr 0.1: clipvalue 0.01 caps every change at 1e-3, and some gradients were larger.
  const byValue = step('sgd_clipvalue');
  t.true(Math.abs(Math.max(...byValue.map((d) => Math.max(...d.map(Math.abs)))) - 1e-3) <= 1e-12);
  // clipnorm 0.05: each tensor's step has norm lr * min(|g|, 0.05).
  const grads = trainFixtures[0].grads[0];
  step('sgd_clipnorm').forEach((d, k) => t.true(Math.abs(norm(d) - 0.1 * Math.min(norm(grads[k].data), 0.05)) <= 1e-12));
  // globalClipnorm 0.05: the whole step has norm lr * 0.05 (the global norm is above 0.05).
  const whole = Math.sqrt(step('sgd_global_clipnorm').reduce((s, d) => s + norm(d) ** 2, 0));
  t.true(Math.abs(whole - 0.005) <= 1e-12);
});

test('the stored gradients match central differences of the plain forward', (t) => {
  const f = trainFixtures[0];
  const rng = new Rng(20261124);
  let worst = 0;
  for (const [k, g] of f.grads[0].entries()) {
    for (let s = 0; s < 6; s++) {
      const i = Math.floor(rng.next() * g.data.length);
      const lossAt = (delta: number) => {
        const w = weightMap(f.weights);
        const a = Float64Array.from(f.weights[k].data);
        a[i] += delta;
        w.set(g.name, a);
        return trainLoss(f, w);
      };
      const eps = 1e-5;
      const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
      const err = Math.abs(numeric - g.data[i]) / Math.max(1, Math.abs(g.data[i]));
      worst = Math.max(worst, err);
      t.true(err <= 1e-7, `${g.name}[${i}]: numeric ${numeric}, stored ${g.data[i]}`);
    }
  }
  t.log(`worst relative error of sampled gradients ${worst.toExponential(2)}`);
});
