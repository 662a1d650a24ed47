// ops.rnnLayer copies its inputs when it is called: a caller that detaches (transfers) or
// overwrites an input buffer while the call runs on a worker thread, and then collects
// garbage, changes nothing (before the copy this freed the memory the worker was reading and
// crashed the process). And a call whose workspace cannot fit the memory limit is refused,
// with its estimate, before anything is allocated. The detaching cases run in a child process
// started with --expose-gc, so that a crash fails the test instead of ending the test run.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import * as ops from '../lib/ops';
import { getMemoryLimit, setMemoryLimit } from '../lib/memory_limit';

const lib = join(__dirname, '..', 'lib', 'index.js');

// The child runs the same backward call three ways: untouched, with the recurrent kernel's
// buffer transferred away right after the call (then gc), and with a getter that detaches
// the kernel's buffer while the later arguments are read. It prints the max difference.
const child = `
const { ops } = require(${JSON.stringify(lib)});
let s = 12345;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
const f32 = (n) => Float32Array.from({ length: n }, rnd);
const B = 8, T = 200, I = 32, H = 64, G = 4;
const base = { cell: 'lstm', batch: B, steps: T, input: I, units: H, x: f32(B * T * I), kernel: f32(I * G * H),
  recurrentKernel: f32(H * G * H), bias: f32(G * H), dy: f32(B * T * H) };
const fresh = () => Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v instanceof Float32Array ? v.slice() : v]));
const diff = (a, b) => { let d = 0; for (const k of Object.keys(a)) for (let i = 0; i < a[k].length; i++) d = Math.max(d, Math.abs(a[k][i] - b[k][i])); return d; };
(async () => {
  const expected = await ops.rnnLayer(fresh());
  const transferred = fresh();
  const pending = ops.rnnLayer(transferred);
  for (const key of ['recurrentKernel', 'kernel', 'x', 'dy']) {
    structuredClone(transferred[key].buffer, { transfer: [transferred[key].buffer] });
  }
  global.gc();
  for (let i = 0; i < 20; i++) new Float32Array(1 << 20).fill(7);
  global.gc();
  const afterTransfer = await pending;
  const viaGetter = fresh();
  const kernel = viaGetter.kernel;
  Object.defineProperty(viaGetter, 'x', { enumerable: true, get() {
    structuredClone(kernel.buffer, { transfer: [kernel.buffer] });
    global.gc();
    return base.x.slice();
  } });
  const afterGetter = await ops.rnnLayer(viaGetter);
  process.stdout.write(JSON.stringify({ transfer: diff(expected, afterTransfer), getter: diff(expected, afterGetter), detached: kernel.length }));
})().catch((e) => { console.error(e); process.exit(3); });
`;

test('detaching the inputs of a running rnnLayer call and collecting garbage changes nothing', (t) => {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', child], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.signal, null, `the child died of ${r.signal}: ${r.stderr.slice(-2000)}`);
  t.is(r.status, 0, r.stderr.slice(-2000));
  const out = JSON.parse(r.stdout) as { transfer: number; getter: number; detached: number };
  t.is(out.transfer, 0);
  t.is(out.getter, 0);
  t.is(out.detached, 0, 'the getter did detach the kernel');
});

test('an rnnLayer call that needs more than the memory limit is refused with its estimate', async (t) => {
  // LSTM over 2^20 steps of 256 units: a 4 MB input asks for about 12 GB.
  const steps = 2 ** 20, units = 256;
  const args = {
    cell: 'lstm' as const, batch: 1, steps, input: 1, units,
    x: new Float32Array(steps), kernel: new Float32Array(4 * units), recurrentKernel: new Float32Array(units * 4 * units),
  };
  const previous = setMemoryLimit(4 * 2 ** 30);
  try {
    const err = await t.throwsAsync(ops.rnnLayer(args), { instanceOf: RangeError });
    t.regex(err!.message, /^rnnLayer: batch 1, steps 1048576, input 1, units 256 needs about 1\d\.\d\d GB \(workspace 1\d\.\d\d GB, outputs [\d.]+ GB, input copies [\d.]+ GB\), more than the memory limit of 4\.29 GB/);
    t.regex(err!.message, /setMemoryLimit/);
    // A small call under the same limit runs.
    const small = await ops.rnnLayer({ ...args, steps: 4, x: new Float32Array(4) });
    t.is(small.y.length, 4 * units);
  } finally {
    setMemoryLimit(previous);
  }
  t.is(getMemoryLimit(), previous);
});
