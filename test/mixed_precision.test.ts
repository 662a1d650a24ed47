// Mixed precision ('bfloat16': bfloat16 operands, float32 sums) under every bfloat16
// level the CPU has (amx, avx512bf16): the GEMM against the plain reference on the rounded
// operands, the layer op against the double-precision reference that rounds every product's
// operands the same way, determinism across thread counts, and the error where the CPU (or
// the level in use) has no bfloat16 kernels.
import test from 'ava';

import { cpu, RnnLayerArgs, RnnLayerResult } from '../lib/native';
import * as ops from '../lib/ops';
import { bfloat16Isas, forEachBfloat16Isa, roundToBfloat16 } from './support/bfloat16';
import { maxAbs, Rng } from './support/random';
import { Cell, gateCount } from './support/torch_layout';

const binding = cpu().binding;
const haveBfloat16 = bfloat16Isas().length > 0;
const bf16Test = haveBfloat16 ? test.serial : test.serial.skip;
if (!haveBfloat16) console.log('mixed_precision.test: this CPU has neither AMX nor AVX512-BF16: only the error is checked');

bf16Test('the bfloat16 GEMM equals the reference on bfloat16-rounded operands: odd shapes, transpositions, beta', async (t) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [7, 33, 19], [65, 257, 130], [13, 40, 300], [200, 100, 600],
    [1, 1024, 256], [3, 70, 513], [128, 72, 24], [33, 5, 1], [64, 1024, 256], [37, 45, 300]];
  await forEachBfloat16Isa((isa) => {
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const beta of [0, 1, -0.5]) {
            const rng = new Rng(m * 7 + n * 13 + k);
            const a = rng.f32(m * k), b = rng.f32(k * n), c = rng.f32(m * n);
            const fast = binding.sgemm({ m, n, k, a, b, c: c.slice(), transA, transB, beta, mixedPrecision: 'bfloat16' });
            const ref = binding.sgemm({ m, n, k, a: roundToBfloat16(a), b: roundToBfloat16(b), c: c.slice(), transA, transB, beta, reference: true });
            // Products of bfloat16 values are exact in float32: only the order of the sums differs.
            const tol = 1e-5 * Math.sqrt(k) * (Math.sqrt(k) + Math.abs(beta));
            let worst = 0;
            for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(fast[i] - ref[i]));
            t.true(worst <= tol, `${isa} ${m}x${n}x${k} tA=${transA} tB=${transB} beta=${beta}: ${worst} > ${tol}`);
          }
        }
      }
    }
  });
});

bf16Test('a matrix packed as bfloat16 once (packGemm) gives the same product through sgemmPacked', async (t) => {
  await forEachBfloat16Isa((isa) => {
    for (const [m, n, k, transB] of [[64, 1024, 256, false], [3, 77, 300, true], [33, 40, 513, false]] as const) {
      const rng = new Rng(m + n + k);
      const a = rng.f32(m * k), b = rng.f32(k * n);
      const packed = binding.packGemm({ k, n, b, transB, mixedPrecision: 'bfloat16' });
      const viaPacked = binding.sgemmPacked({ m, a, packed, c: new Float32Array(m * n) });
      const direct = binding.sgemm({ m, n, k, a, b, c: new Float32Array(m * n), transB, mixedPrecision: 'bfloat16' });
      t.true(Buffer.from(viaPacked.buffer).equals(Buffer.from(direct.buffer)), `${isa} ${m}x${n}x${k}: same bits`);
      t.throws(() => binding.sgemmPacked({ m, a, packed, c: new Float32Array(m * n), alpha: 2 }), { instanceOf: RangeError });
    }
  });
});

function makeArgs(cell: Cell, B: number, T: number, I: number, H: number, seed: number, options: Partial<RnnLayerArgs> = {}): RnnLayerArgs {
  const rng = new Rng(seed);
  const GH = gateCount(cell) * H;
  const resetAfter = options.resetAfter ?? true;
  const sequences = options.returnSequences ?? true;
  const args: RnnLayerArgs = {
    cell, batch: B, steps: T, input: I, units: H, ...options, mixedPrecision: 'bfloat16',
    x: rng.f32(B * T * I), kernel: rng.f32(I * GH, -0.5, 0.5), recurrentKernel: rng.f32(H * GH, -0.5, 0.5),
    bias: rng.f32((cell === 'gru' && resetAfter ? 2 : 1) * GH, -0.3, 0.3),
    h0: rng.f32(B * H), dy: rng.f32(sequences ? B * T * H : B * H), dhFinal: rng.f32(B * H),
  };
  if (options.peephole) args.peepholeWeights = rng.f32(3 * H, -0.5, 0.5);
  if (cell === 'lstm') {
    args.c0 = rng.f32(B * H);
    args.dcFinal = rng.f32(B * H);
  }
  const mask = new Uint8Array(B * T).fill(1);
  for (let b = 0; b < B; b++) for (let t = T - (b % 3); t < T; t++) mask[b * T + t] = 0;
  args.mask = mask;
  return args;
}

function toF64(args: RnnLayerArgs): RnnLayerArgs<Float64Array> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = v instanceof Float32Array ? Float64Array.from(v) : v;
  return out as unknown as RnnLayerArgs<Float64Array>;
}

const OUTPUTS = ['y', 'hFinal', 'cFinal', 'dx', 'dh0', 'dc0', 'dKernel', 'dRecurrentKernel', 'dBias', 'dPeephole'] as const;

// Units narrow and wide (both splits of the loop), every cell and the options that change
// the products: peephole, reset_before, recurrent dropout, backwards, truncation.
const cases: Array<[Cell, number, number, number, number, Partial<RnnLayerArgs>]> = [
  ['lstm', 5, 7, 9, 33, {}],
  ['lstm', 4, 6, 13, 133, { peephole: true }],
  ['lstm', 3, 5, 300, 290, { goBackwards: true, truncateSteps: 2 }],
  ['gru', 3, 5, 7, 70, {}],
  ['gru', 37, 6, 5, 24, { resetAfter: false }],
  ['gru', 4, 5, 6, 100, { resetAfter: false, returnSequences: false }],
  ['simpleRnn', 5, 4, 9, 150, { activation: 'relu' }],
  ['simpleRnn', 9, 6, 20, 12, {}],
];

bf16Test('the layer op in bfloat16 equals the reference that rounds every product operand, every cell, under every bfloat16 ISA', async (t) => {
  const reference = binding.rnnReference as (a: RnnLayerArgs<Float64Array>) => RnnLayerResult<Float64Array>;
  await forEachBfloat16Isa(async (isa) => {
    for (const [k, [cell, B, T, I, H, options]] of cases.entries()) {
      const args = makeArgs(cell, B, T, I, H, 500 + k, options);
      if (k === 1) {  // recurrent dropout on one case
        args.recurrentMask = new Float32Array(B * H).map((_, i) => (i % 4 === 0 ? 0 : 4 / 3));
      }
      const label = `${isa} ${cell} B${B} T${T} I${I} H${H} ${JSON.stringify(options)}`;
      const ref = reference(toF64(args));
      const ours = await ops.rnnLayer(args);
      const float32 = await ops.rnnLayer({ ...args, mixedPrecision: undefined });
      let apart = 0;
      for (const key of OUTPUTS) {
        const r = ref[key];
        if (!r) continue;
        const o = ours[key]!;
        const scale = Math.max(1, maxAbs(r));
        const errors = Array.from(o, (v, i) => Math.abs(v - r[i]) / scale).sort((x, y) => x - y);
        // A product operand computed in float32 here and in double there can round to the
        // neighbouring bfloat16 (1 in 256 apart): a few elements move by about 1e-3.
        // Everything else agrees to float32 rounding.
        t.true(errors[errors.length - 1] <= 2e-2, `${label} ${key}: max error ${errors[errors.length - 1].toExponential(2)}`);
        t.true(errors[errors.length >> 1] <= 1e-5, `${label} ${key}: median error ${errors[errors.length >> 1].toExponential(2)}`);
        const f = float32[key]!;
        for (let i = 0; i < o.length; i++) apart = Math.max(apart, Math.abs(o[i] - f[i]) / scale);
      }
      t.true(apart > 1e-4, `${label}: bfloat16 results differ from float32 ones (by ${apart.toExponential(2)})`);
    }
  });
});

bf16Test('bfloat16 results are bitwise identical with 1, 2 and 3 threads', async (t) => {
  const before = binding.runtimeInfo().threads;
  try {
    await forEachBfloat16Isa(async (isa) => {
      for (const [cell, B, T, I, H] of [['lstm', 50, 6, 40, 290], ['gru', 37, 8, 30, 24], ['lstm', 7, 9, 20, 64]] as const) {
        const args = makeArgs(cell, B, T, I, H, 77);
        binding.setNumThreads(1);
        const one = await ops.rnnLayer(args);
        for (const threads of [2, 3]) {
          binding.setNumThreads(threads);
          const many = await ops.rnnLayer(args);
          for (const key of OUTPUTS) {
            if (one[key] === undefined) continue;
            t.true(Buffer.from(one[key]!.buffer).equals(Buffer.from(many[key]!.buffer)), `${isa} ${cell} H${H} ${key}: 1 vs ${threads} threads`);
          }
        }
      }
    });
  } finally {
    binding.setNumThreads(before);
  }
});

test.serial('without bfloat16 kernels, mixedPrecision is an error that says what is missing', async (t) => {
  const before = binding.runtimeInfo().isa;
  const args = makeArgs('lstm', 2, 3, 4, 5, 1);
  try {
    binding.setIsa(binding.runtimeInfo().isaAvailable.includes('avx512') ? 'avx512' : 'scalar');
    await t.throwsAsync(ops.rnnLayer(args), { message: /mixed precision 'bfloat16' needs AMX \(AMX-BF16\) or AVX512-BF16/ });
    t.throws(() => binding.sgemm({ m: 2, n: 2, k: 2, a: new Float32Array(4), b: new Float32Array(4), c: new Float32Array(4), mixedPrecision: 'bfloat16' }),
      { message: /needs AMX \(AMX-BF16\) or AVX512-BF16/ });
  } finally {
    binding.setIsa(before);
  }
  await t.throwsAsync(ops.rnnLayer({ ...args, mixedPrecision: 'float16' as 'bfloat16' }), { instanceOf: RangeError, message: /mixedPrecision 'float16' is not 'bfloat16'/ });
});
