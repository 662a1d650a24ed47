// The CUDA backend's kernels behind the Keras-style API, without a GPU: the
// "cuda-emulated" backend (kernels/cuda/emulated_cuda_backend.h) runs the same kernel
// sources as the device, compiled for the host under the SIMT emulation. A model trained
// with fit on it matches the CPU backend within float rounding; its checkpoint loads on
// the CPU and predicts the same; RECURRENT_BACKEND selects it. (Every op on every graph:
// test/graph_backends.test.ts.)
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cpuBackend, cudaEmulatedBackend, layers, loadModel, optimizers, sequential, tensor } from '../lib/index';
import { defaultBackend } from '../lib/models/native_model';
import { Rng } from './support/random';

const B = 12;
const T = 9;
const V = 20;

function batchOf(rng: Rng) {
  const ids = new Int32Array(B * T);
  const labels = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const length = 3 + Math.floor(rng.next() * (T - 3));  // left-aligned, padded with 0
    for (let t = 0; t < length; t++) ids[b * T + t] = 1 + Math.floor(rng.next() * (V - 1));
    labels[b] = ids[b * T] % 3;
  }
  return { x: tensor(ids, [B, T]), y: tensor(labels, [B]) };
}

function textModel(backend: typeof cpuBackend, optimizer = optimizers.adam({ learningRate: 0.01, clipnorm: 1 })) {
  const m = sequential(
    [
      layers.embedding({ inputDim: V, outputDim: 6, maskZero: true, inputShape: [T] }),
      layers.lstm({ units: 7, returnSequences: true, dropout: 0.2, recurrentDropout: 0.1 }),
      layers.gru({ units: 5, resetAfter: false }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
    { seed: 5, backend },
  );
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

test.serial('fit on the emulated CUDA kernels matches the CPU; the checkpoint loads on the CPU and predicts the same', async (t) => {
  const rng = new Rng(3);
  const { x, y } = batchOf(rng);
  const [cpu, cuda] = [textModel(cpuBackend), textModel(cudaEmulatedBackend)];
  const [hc, hg] = [await cpu.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 }), await cuda.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 })];
  const lossC = hc.history.loss as number[];
  const lossG = hg.history.loss as number[];
  lossC.forEach((l, i) => t.true(Math.abs(l - lossG[i]) < 1e-5, `epoch ${i}: loss ${l} vs ${lossG[i]}`));
  let worst = 0;
  const [wc, wg] = [cpu.getWeights(), cuda.getWeights()];
  wc.forEach((w, i) => w.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - wg[i].data[j])))));
  t.log(`losses ${lossG.map((l) => l.toFixed(5)).join(', ')}; max weight difference after 9 Adam steps with dropout: ${worst.toExponential(2)}`);
  t.true(worst > 0 && worst < 1e-5);

  const dir = mkdtempSync(join(tmpdir(), 'recurrent-cuda-emulated-'));
  try {
    await cuda.save(dir);
    const back = await loadModel(dir, { backend: cpuBackend });
    const [pg, pc] = [(await cuda.predict(x)) as { data: Float32Array }, (await back.predict(x)) as { data: Float32Array }];
    let diff = 0;
    pg.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - pc.data[i]))));
    t.true(diff < 1e-5, `predictions differ by ${diff}`);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  cpu.dispose();
  cuda.dispose();
});

test.serial('RECURRENT_BACKEND=cuda-emulated selects it', (t) => {
  t.is(defaultBackend({ RECURRENT_BACKEND: 'cuda-emulated' }).name, 'cuda-emulated');
  t.throws(() => defaultBackend({ RECURRENT_BACKEND: 'cuda-emulate' }), { message: /known: cpu, reference, cuda-emulated/ });
});

test.serial('RECURRENT_CUDA_TF32=1 runs the products in TF32: within TF32 rounding of the CPU', async (t) => {
  const rng = new Rng(4);
  const { x, y } = batchOf(rng);
  process.env.RECURRENT_CUDA_TF32 = '1';
  let tf32: ReturnType<typeof textModel> | undefined;
  try {
    const sgd = () => optimizers.sgd({ learningRate: 0.1 });
    const cpu = textModel(cpuBackend, sgd());
    tf32 = textModel(cudaEmulatedBackend, sgd());
    const [pc, pg] = [(await cpu.predict(x)) as { data: Float32Array }, (await tf32.predict(x)) as { data: Float32Array }];
    let diff = 0;
    pc.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - pg.data[i]))));
    const [lc, lg] = [(await cpu.trainOnBatch(x, y)).loss, (await tf32.trainOnBatch(x, y)).loss];
    let worst = 0;
    const [wc, wg] = [cpu.getWeights(), tf32.getWeights()];
    wc.forEach((w, i) => w.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - wg[i].data[j])))));
    t.log(`TF32: predictions within ${diff.toExponential(2)}, loss ${lg} vs ${lc}, weights after an SGD step within ${worst.toExponential(2)}`);
    // Differences there are (TF32 keeps 10 mantissa bits), and they stay at that scale.
    t.true(diff > 1e-7 && diff < 2e-3, `predictions differ by ${diff}`);
    t.true(Math.abs(lc - lg) < 2e-3 * Math.abs(lc));
    t.true(worst < 2e-3, `weights differ by ${worst}`);
    cpu.dispose();
  } finally {
    delete process.env.RECURRENT_CUDA_TF32;
    tf32?.dispose();
    // A backend made now switches the process back to float32 products.
    const plain = textModel(cudaEmulatedBackend);
    await plain.predict(x);
    plain.dispose();
  }
});
