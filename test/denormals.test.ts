// Flush-to-zero / denormals-are-zero: in force inside native kernels (on the calling
// thread, the pool's workers and the libuv worker of an asynchronous op), never in the
// user's JavaScript; switched off by setFlushDenormals(false) or RECURRENT_FLUSH_DENORMALS=0.
import test, { ExecutionContext } from 'ava';
import * as childProcess from 'node:child_process';
import * as path from 'node:path';

import * as recurrent from '../lib/index';
import { cpu, packageRoot } from '../lib/native';

const binding = cpu().binding;
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

// float32 denormals a kernel produces: C = A B with every product 1e-20 * 1e-20 = 1e-40,
// 512 x 512 so that the pool's workers compute part of C.
function denormalProduct(): Float32Array {
  const m = 512, n = 512, k = 2;
  return binding.sgemm({ m, n, k, a: new Float32Array(m * k).fill(1e-20), b: new Float32Array(k * n).fill(1e-20), c: new Float32Array(m * n) });
}

// A SimpleRNN step whose every value is the denormal 1e-20 * 1e-20, run on a libuv worker.
function denormalLayer(): Promise<recurrent.RnnLayerResult<Float32Array>> {
  const B = 64, T = 3, I = 1, H = 32;
  return recurrent.ops.rnnLayer({
    cell: 'simpleRnn', activation: 'linear', batch: B, steps: T, input: I, units: H,
    x: new Float32Array(B * T * I).fill(1e-20), kernel: new Float32Array(I * H).fill(1e-20),
    recurrentKernel: new Float32Array(H * H), bias: new Float32Array(H),
  });
}

// JavaScript arithmetic on the main thread: a double denormal, and a float32 one.
function javascriptKeepsDenormals(t: ExecutionContext, when: string): void {
  const operands = new Float64Array([1e-300, 1e-10, 1e-20]);
  t.true(operands[0] * operands[1] > 0, `${when}: 1e-300 * 1e-10 in JavaScript is the double denormal 1e-310, not 0`);
  const f = new Float32Array(1);
  f[0] = operands[2] * operands[2];
  t.true(f[0] > 0 && f[0] < FLOAT32_MIN_NORMAL, `${when}: storing 1e-40 into a Float32Array keeps the denormal`);
}

function countNonZero(a: Float32Array): number {
  let n = 0;
  for (const v of a) if (v !== 0) n++;
  return n;
}

test.serial('denormals are flushed inside kernels, and JavaScript keeps IEEE arithmetic', async (t) => {
  const threads = recurrent.getNumThreads();
  recurrent.setNumThreads(2);
  try {
    t.true(recurrent.getFlushDenormals(), 'on by default');
    javascriptKeepsDenormals(t, 'before any kernel');
    t.is(countNonZero(denormalProduct()), 0, 'sgemm (calling thread and pool workers) flushes 2e-40 to zero');
    javascriptKeepsDenormals(t, 'after a synchronous kernel');
    const r = await denormalLayer();
    t.is(countNonZero(r.y), 0, 'rnnLayer on a libuv worker flushes 1e-40 to zero');
    javascriptKeepsDenormals(t, 'after an asynchronous kernel');
  } finally {
    recurrent.setNumThreads(threads);
  }
});

test.serial('setFlushDenormals(false) keeps IEEE denormals inside kernels too', async (t) => {
  t.false(recurrent.setFlushDenormals(false));
  try {
    t.false(recurrent.info().flushDenormals);
    const c = denormalProduct();
    t.is(countNonZero(c), c.length, 'every element of the product is the denormal 2e-40');
    t.true(Math.abs(c[0] - 2e-40) < 1e-44);
    const r = await denormalLayer();
    t.is(countNonZero(r.y), r.y.length);
  } finally {
    t.true(recurrent.setFlushDenormals(true));
  }
  t.is(countNonZero(denormalProduct()), 0, 'and true turns flushing back on');
  t.throws(() => recurrent.setFlushDenormals('yes' as unknown as boolean), { instanceOf: TypeError });
});

test('RECURRENT_FLUSH_DENORMALS=0 turns flushing off at load', (t) => {
  const script = `
    const { cpu } = require(${JSON.stringify(path.join(packageRoot, 'dist', 'lib', 'native.js'))});
    const b = cpu().binding;
    const c = b.sgemm({ m: 1, n: 1, k: 1, a: new Float32Array([1e-20]), b: new Float32Array([1e-20]), c: new Float32Array(1) });
    process.stdout.write(JSON.stringify({ flush: b.runtimeInfo().flushDenormals, c: c[0] }));`;
  for (const [value, flushed] of [['0', false], ['1', true]] as const) {
    const r = childProcess.spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, RECURRENT_FLUSH_DENORMALS: value } });
    t.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { flush: boolean; c: number };
    t.is(out.flush, flushed, `RECURRENT_FLUSH_DENORMALS=${value}`);
    t.is(out.c === 0, flushed, `RECURRENT_FLUSH_DENORMALS=${value}: 1e-20 * 1e-20 = ${out.c}`);
  }
});
