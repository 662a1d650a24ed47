// The packed GEMM (sgemm, packGemm/sgemmPacked) against the plain reference under every
// instruction set: odd shapes, transpositions, alpha/beta, strides, thread counts, and
// bad arguments.
import test from 'ava';

import { cpu, SgemmArgs } from '../lib/native';
import { forEachIsa } from './support/isas';
import { maxAbs, Rng } from './support/random';

const binding = cpu().binding;

interface Case {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Extra elements at the end of each stored row of A, B and C. */
  pad?: number;
  /** Fill C with NaN before the call (beta must be 0: BLAS never reads C then). */
  nanC?: boolean;
}

// Stored operands for a case: op(A) [m,k], op(B) [k,n], C [m,n], rows padded by `pad`.
function operands(c: Case, seed: number): SgemmArgs {
  const rng = new Rng(seed);
  const pad = c.pad ?? 0;
  const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const lda = aCols + pad;
  const ldb = bCols + pad;
  const ldc = c.n + pad;
  const cArr = c.nanC ? new Float32Array(c.m * ldc).fill(NaN) : rng.f32(c.m * ldc);
  return {
    m: c.m,
    n: c.n,
    k: c.k,
    a: rng.f32(aRows * lda),
    b: rng.f32(bRows * ldb),
    c: cArr,
    transA: c.transA,
    transB: c.transB,
    lda: pad ? lda : undefined,
    ldb: pad ? ldb : undefined,
    ldc: pad ? ldc : undefined,
    alpha: c.alpha,
    beta: c.beta,
  };
}

// Runs the fast path and the reference on copies of C; checks the elements inside the
// matrix within a tolerance that grows with sqrt(K) and the operand magnitudes, and that
// the padding past each row of C is untouched.
function check(t: import('ava').ExecutionContext, c: Case, label: string): void {
  const args = operands(c, 7 + c.m * 31 + c.n * 17 + c.k);
  const fast = binding.sgemm({ ...args, c: args.c.slice() });
  const ref = binding.sgemm({ ...args, c: args.c.slice(), reference: true });
  const ldc = c.n + (c.pad ?? 0);
  // Rounding in a sum of K products grows like sqrt(K) times the size of the terms; a
  // random sum of K products is about sqrt(K) times one product.
  const rootK = Math.sqrt(Math.max(1, c.k));
  const magnitude = Math.abs(c.alpha ?? 1) * maxAbs(args.a) * maxAbs(args.b) * rootK + Math.abs(c.beta ?? 0) * maxAbs(args.c.filter(Number.isFinite));
  const tol = 1e-5 * rootK * Math.max(magnitude, 1e-30);
  let worst = 0;
  let bad = '';
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < ldc; j++) {
      const x = fast[i * ldc + j];
      const y = ref[i * ldc + j];
      if (j >= c.n) {
        if (!Object.is(x, args.c[i * ldc + j]) && !bad) bad = `padding at (${i},${j}) changed`;
        continue;
      }
      if (!Number.isFinite(x) && !bad) bad = `non-finite ${x} at (${i},${j})`;
      worst = Math.max(worst, Math.abs(x - y));
    }
  }
  t.is(bad, '', label);
  t.true(worst <= tol, `${label}: max |fast - reference| ${worst} > ${tol}`);
}

// Index of the first element whose bits differ, or -1 (ava's deepEqual is slow on large buffers).
function firstBitDifference(x: Float32Array, y: Float32Array): number {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const v = new Uint32Array(y.buffer, y.byteOffset, y.length);
  if (u.length !== v.length) return Math.min(u.length, v.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return i;
  return -1;
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 19],
  [65, 257, 130],
  [13, 40, 300],
  [200, 100, 600],
  [1, 1024, 256],
  [3, 70, 513],
  [128, 72, 24],
  [33, 5, 1],
  [250, 47, 9],
];

test('sgemm matches the reference for odd shapes and every transposition, under every ISA', (t) => {
  forEachIsa((isa) => {
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check(t, { m, n, k, transA, transB }, `${isa} ${m}x${n}x${k} tA=${transA} tB=${transB}`);
        }
      }
    }
  });
});

test('sgemm applies alpha and beta; beta = 0 ignores NaN in C', (t) => {
  forEachIsa((isa) => {
    for (const [m, n, k] of [[7, 33, 19], [65, 257, 130], [1, 100, 300]] as const) {
      for (const [alpha, beta] of [[1, 1], [0.5, -2], [-1.5, 0.25], [2, 0], [0, 0.5]]) {
        check(t, { m, n, k, alpha, beta }, `${isa} ${m}x${n}x${k} alpha=${alpha} beta=${beta}`);
      }
      check(t, { m, n, k, beta: 0, nanC: true }, `${isa} ${m}x${n}x${k} NaN C, beta 0`);
      check(t, { m, n, k, transA: true, transB: true, alpha: 0.3, beta: 0, nanC: true }, `${isa} NaN C, both transposed`);
    }
  });
});

test('sgemm honours leading dimensions larger than the rows', (t) => {
  forEachIsa((isa) => {
    for (const [m, n, k] of [[7, 33, 19], [65, 257, 130], [200, 100, 600]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check(t, { m, n, k, transA, transB, pad: 5, beta: 0.5 }, `${isa} ${m}x${n}x${k} padded tA=${transA} tB=${transB}`);
        }
      }
    }
  });
});

test('sgemm with an empty dimension: M or N = 0 leaves C alone, K = 0 gives beta * C', (t) => {
  forEachIsa((isa) => {
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    t.deepEqual(binding.sgemm({ m: 0, n: 3, k: 4, a: new Float32Array(0), b: new Float32Array(12), c: c.slice() }), c, isa);
    t.deepEqual(binding.sgemm({ m: 2, n: 0, k: 4, a: new Float32Array(8), b: new Float32Array(0), c: c.slice() }), c, isa);
    const out = binding.sgemm({ m: 2, n: 3, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: c.slice(), beta: 0.5 });
    t.deepEqual(Array.from(out), [0.5, 1, 1.5, 2, 2.5, 3], isa);
    const nan = new Float32Array(6).fill(NaN);
    t.deepEqual(Array.from(binding.sgemm({ m: 2, n: 3, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: nan })), [0, 0, 0, 0, 0, 0]);
    check(t, { m: 9, n: 17, k: 1, beta: 1 }, `${isa} K = 1`);
    check(t, { m: 40, n: 300, k: 1, transA: true, transB: true }, `${isa} K = 1 transposed`);
  });
});

test('sgemmPacked with B packed once matches sgemm and the reference', (t) => {
  forEachIsa((isa) => {
    for (const [m, n, k] of [[1, 1024, 256], [4, 100, 37], [64, 96, 300], [13, 40, 300], [200, 33, 7]] as const) {
      for (const transB of [false, true]) {
        const args = operands({ m, n, k, transB, transA: false }, m + n + k);
        const packed = binding.packGemm({ k, n, b: args.b, transB });
        for (const beta of [0, 1]) {
          const viaPacked = binding.sgemmPacked({ m, a: args.a, packed, c: args.c.slice(), beta, alpha: 0.75 });
          const viaSgemm = binding.sgemm({ ...args, c: args.c.slice(), beta, alpha: 0.75 });
          const ref = binding.sgemm({ ...args, c: args.c.slice(), beta, alpha: 0.75, reference: true });
          // Same kernels, same order of the sums: the same bits.
          t.is(firstBitDifference(viaPacked, viaSgemm), -1, `${isa} ${m}x${n}x${k} tB=${transB}`);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(viaPacked[i] - ref[i]));
          t.true(worst <= 1e-5 * k, `${isa} ${m}x${n}x${k}: ${worst}`);
        }
        // transA through the packed path.
        const at = operands({ m, n, k, transA: true, transB }, 3 * m + k);
        const packedT = binding.packGemm({ k, n, b: at.b, transB });
        const viaPackedT = binding.sgemmPacked({ m, a: at.a, packed: packedT, c: at.c.slice(), transA: true });
        const viaSgemmT = binding.sgemm({ ...at, c: at.c.slice() });
        t.is(firstBitDifference(viaPackedT, viaSgemmT), -1, `${isa} ${m}x${n}x${k} transA`);
      }
    }
  });
});

test('a matrix packed under one ISA still gives the right product under another', (t) => {
  const isas = binding.runtimeInfo().isaAvailable;
  const before = binding.runtimeInfo().isa;
  try {
    const m = 20, n = 70, k = 50;
    const args = operands({ m, n, k }, 11);
    const ref = binding.sgemm({ ...args, c: args.c.slice(), reference: true });
    for (const packIsa of isas) {
      binding.setIsa(packIsa);
      const packed = binding.packGemm({ k, n, b: args.b });
      for (const runIsa of isas) {
        binding.setIsa(runIsa);
        const out = binding.sgemmPacked({ m, a: args.a, packed, c: args.c.slice() });
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]));
        t.true(worst <= 1e-4, `packed under ${packIsa}, run under ${runIsa}: ${worst}`);
      }
    }
  } finally {
    binding.setIsa(before);
  }
});

test.serial('sgemm gives the same bits on 1 and 2 threads', (t) => {
  const before = binding.runtimeInfo().threads;
  try {
    forEachIsa((isa) => {
      const cases: Case[] = [
        { m: 6400 / 16, n: 1024, k: 128 },
        { m: 64, n: 1024, k: 512, beta: 1 },
        { m: 1, n: 1024, k: 256 },
        { m: 128, n: 512, k: 700, transA: true, beta: 1 },
        { m: 700, n: 128, k: 256, transB: true },
        { m: 65, n: 257, k: 130, transA: true, transB: true, alpha: 0.5, beta: 0.5 },
      ];
      for (const c of cases) {
        const args = operands(c, 5);
        binding.setNumThreads(1);
        const one = binding.sgemm({ ...args, c: args.c.slice() });
        binding.setNumThreads(2);
        const two = binding.sgemm({ ...args, c: args.c.slice() });
        const label = `${isa} ${c.m}x${c.n}x${c.k} tA=${!!c.transA} tB=${!!c.transB}`;
        t.is(firstBitDifference(one, two), -1, label);
        if (!c.transB) {
          const packed = binding.packGemm({ k: c.k, n: c.n, b: args.b });
          binding.setNumThreads(1);
          const p1 = binding.sgemmPacked({ m: c.m, a: args.a, packed, c: args.c.slice(), transA: c.transA, alpha: c.alpha, beta: c.beta });
          binding.setNumThreads(2);
          const p2 = binding.sgemmPacked({ m: c.m, a: args.a, packed, c: args.c.slice(), transA: c.transA, alpha: c.alpha, beta: c.beta });
          t.is(firstBitDifference(p1, p2), -1, `${label} packed`);
        }
      }
    });
  } finally {
    binding.setNumThreads(before);
  }
});

test('bad arguments throw TypeError or RangeError, never crash', (t) => {
  const a = new Float32Array(6);
  const b = new Float32Array(12);
  const c = new Float32Array(8);
  const ok = { m: 2, n: 4, k: 3, a, b, c };
  t.notThrows(() => binding.sgemm(ok));
  t.throws(() => binding.sgemm({ ...ok, a: new Float32Array(5) }), { instanceOf: RangeError, message: /'a' needs at least 6/ });
  t.throws(() => binding.sgemm({ ...ok, b: new Float32Array(11) }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, c: new Float32Array(7) }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, lda: 2 }), { instanceOf: RangeError, message: /leading dimension of a/ });
  // Sizes whose product overflows int64 must not slip past the length check.
  t.throws(() => binding.sgemm({ ...ok, m: 2 ** 40, k: 2 ** 40, lda: 2 ** 40 }), { instanceOf: RangeError, message: /would span more elements/ });
  t.throws(() => binding.sgemm({ ...ok, ldb: 3 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, ldc: 3 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, transA: true, lda: 1 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, lda: 4 }), { instanceOf: RangeError }, 'a row stride of 4 needs 7 elements');
  t.throws(() => binding.sgemm({ ...ok, m: -1 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, k: -3 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, n: 1.5 }), { instanceOf: RangeError });
  t.throws(() => binding.sgemm({ ...ok, a: new Float64Array(6) as unknown as Float32Array }), { instanceOf: TypeError });
  t.throws(() => binding.sgemm({ ...ok, m: '2' as unknown as number }), { instanceOf: TypeError });
  t.throws(() => binding.sgemm({ ...ok, transB: 1 as unknown as boolean }), { instanceOf: TypeError });
  t.throws(() => binding.sgemm(undefined as unknown as SgemmArgs), { instanceOf: TypeError });
  t.throws(() => binding.packGemm({ k: 3, n: 4, b: new Float32Array(11) }), { instanceOf: RangeError });
  t.throws(() => binding.packGemm({ k: -1, n: 4, b }), { instanceOf: RangeError });
  const packed = binding.packGemm({ k: 3, n: 4, b });
  t.notThrows(() => binding.sgemmPacked({ m: 2, a, packed, c }));
  t.throws(() => binding.sgemmPacked({ m: 2, a: new Float32Array(5), packed, c }), { instanceOf: RangeError });
  t.throws(() => binding.sgemmPacked({ m: 3, a, packed, c }), { instanceOf: RangeError });
  t.throws(() => binding.sgemmPacked({ m: 2, a, packed: {} as typeof packed, c }), { instanceOf: TypeError, message: /packGemm/ });
});
