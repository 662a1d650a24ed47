// The mixed-precision policy of models (Keras's mixed_bfloat16): `mixedPrecision:
// 'bfloat16'` on a model, or setMixedPrecision for models made afterwards, runs every
// recurrent layer's matrix products on bfloat16 operands. Checked: the policy reaches the
// native layers (outputs move away from float32, towards the reference backend that rounds
// the same operands), training in it lowers the loss like float32 does, the bits do not
// depend on the thread count, and bad values or a CPU without bfloat16 kernels are errors
// that say why.
import test from 'ava';

import { getMixedPrecision, layers, referenceBackend, sequential, setMixedPrecision, tensor } from '../lib/index';
import type { MixedPrecisionPolicy } from '../lib/index';
import { cpu } from '../lib/native';
import { bfloat16Isas } from './support/bfloat16';
import { Rng } from './support/random';

const binding = cpu().binding;
const haveBfloat16 = bfloat16Isas().length > 0;
const bf16Test = haveBfloat16 ? test.serial : test.serial.skip;
if (!haveBfloat16) console.log('model_mixed_precision.test: this CPU has neither AMX nor AVX512-BF16: only the errors are checked');

const T = 12, F = 24, N = 16;

function build(mixedPrecision?: MixedPrecisionPolicy, backend?: typeof referenceBackend) {
  const m = sequential(
    [layers.lstm({ units: 40, returnSequences: true, inputShape: [T, F] }), layers.gru({ units: 24 }), layers.dense({ units: 1 })],
    { seed: 5, ...(mixedPrecision ? { mixedPrecision } : {}), ...(backend ? { backend } : {}) },
  );
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

const rng = new Rng(9);
const x = tensor(rng.f32(N * T * F), [N, T, F]);
const y = tensor(rng.f32(N), [N, 1]);

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]))));
  return worst;
}

bf16Test("a model with mixedPrecision 'bfloat16' rounds its recurrent products as the reference does", async (t) => {
  const f32 = (await build().predict(x)).data as Float32Array;
  const bf16 = (await build('bfloat16').predict(x)).data as Float32Array;
  const reference = (await build('bfloat16', referenceBackend).predict(x)).data as Float32Array;
  const fromFloat32 = maxDiff(bf16, f32), fromReference = maxDiff(bf16, reference);
  t.log(`max |bfloat16 - float32| ${fromFloat32.toExponential(2)}, max |bfloat16 - reference in bfloat16| ${fromReference.toExponential(2)}`);
  t.true(fromFloat32 > 1e-4, 'the policy changes the products');
  t.true(fromFloat32 < 5e-2, 'and stays close to float32');
  t.true(fromReference < fromFloat32 / 5, 'the reference rounding the same operands is much closer than float32');
});

bf16Test('training in bfloat16 lowers the loss as float32 does, with the same bits for 1 and 2 threads', async (t) => {
  const before = binding.runtimeInfo().threads;
  const losses: Record<string, number[]> = {};
  const weights: Float32Array[][] = [];
  try {
    for (const [label, policy, threads] of [['float32', 'float32', 2], ['bfloat16, 1 thread', 'bfloat16', 1], ['bfloat16, 2 threads', 'bfloat16', 2]] as const) {
      binding.setNumThreads(threads);
      const m = build(policy);
      losses[label] = [];
      for (let s = 0; s < 30; s++) losses[label].push((await m.trainOnBatch(x, y)).loss);
      if (policy === 'bfloat16') weights.push(m.getWeights().map((w) => w.data as Float32Array));
    }
  } finally {
    binding.setNumThreads(before);
  }
  const f32 = losses['float32'], bf16 = losses['bfloat16, 2 threads'];
  t.log(`loss after 30 Adam steps: float32 ${f32[29].toFixed(5)} (from ${f32[0].toFixed(5)}), bfloat16 ${bf16[29].toFixed(5)} (from ${bf16[0].toFixed(5)})`);
  t.true(bf16[29] < bf16[0] * 0.8);
  t.true(Math.abs(bf16[29] - f32[29]) < 0.05 * f32[29], 'within 5% of float32 after 30 steps');
  t.deepEqual(losses['bfloat16, 1 thread'], bf16);
  weights[0].forEach((w, i) => t.deepEqual(w, weights[1][i]));
});

test.serial('setMixedPrecision sets the policy of models made afterwards; a model option overrides it', (t) => {
  t.is(getMixedPrecision(), 'float32');
  try {
    setMixedPrecision('bfloat16');
    t.is(build().mixedPrecision, 'bfloat16');
    t.is(build('float32').mixedPrecision, 'float32');
  } finally {
    setMixedPrecision('float32');
  }
  t.is(build().mixedPrecision, 'float32');
});

test.serial('a policy that is not one is an error that names the choices', (t) => {
  t.throws(() => setMixedPrecision('mixed_bfloat16' as MixedPrecisionPolicy), {
    instanceOf: RangeError, message: /setMixedPrecision: mixedPrecision must be 'float32' or 'bfloat16', received 'mixed_bfloat16' \(Keras's mixed_bfloat16 is 'bfloat16' here\)/,
  });
  t.throws(() => build('float16' as MixedPrecisionPolicy), { instanceOf: RangeError, message: /mixedPrecision must be 'float32' or 'bfloat16', received 'float16'/ });
});

test.serial('without bfloat16 kernels, a bfloat16 model is an error that says what is missing', async (t) => {
  const before = binding.runtimeInfo().isa;
  try {
    binding.setIsa(binding.runtimeInfo().isaAvailable.includes('avx512') ? 'avx512' : 'scalar');
    const m = build('bfloat16');
    const error = await t.throwsAsync(async () => m.predict(x));
    t.regex(error?.message ?? '', /mixedPrecision 'bfloat16' needs bfloat16 kernels: .*needs AMX \(AMX-BF16\) or AVX512-BF16/);
  } finally {
    binding.setIsa(before);
  }
});
