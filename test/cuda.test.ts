// The CUDA addon (recurrent_cuda.node, built by `npm run build:cuda` where nvcc is
// present): it must load and say "no device" on a machine without a GPU or driver (its
// native model on 'cuda' fails with that reason, on 'cpu' it works), the
// loader must fall back to the CPU when the binary is missing, broken or finds no
// device, and on a GPU the fused LSTM element-wise kernel must match a plain reference.
import test, { ExecutionContext } from 'ava';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CudaBinding, packageRoot, probeCuda } from '../lib/native';
import { allCases } from './support/graph_cases';
import { maxAbsDiff, Rng } from './support/random';

const cudaAddon = path.join(packageRoot, 'build-cmake', 'Release', 'recurrent_cuda.node');
const built = fs.existsSync(cudaAddon);
const gpuPresent = process.platform === 'linux' && (fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/nvidia0'));
const notBuilt = `${path.relative(packageRoot, cudaAddon)} is not built (run npm run build:cuda where nvcc is present)`;

// The environment of a probe that tries the CUDA build even without /dev/nvidiactl.
function probeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, RECURRENT_CUDA_PROBE_ANYWAY: '1' };
  delete env.RECURRENT_BACKEND;
  return env;
}

// Registers `body` as a test, or as a skipped test that prints why when `skipReason` is set.
function testUnless(skipReason: string | undefined, title: string, body: (t: ExecutionContext) => void): void {
  if (skipReason === undefined) {
    test(title, body);
  } else {
    console.log(`cuda.test: skipping '${title}': ${skipReason}`);
    test.skip(`${title} (skipped: ${skipReason})`, body);
  }
}

interface ChildReport {
  deviceCount: number;
  devices: unknown[];
  runtimeVersion: number;
  driverVersion: number;
  lstmError: { name: string; message: string } | null;
  badLengthError: { name: string; message: string } | null;
  modelError: { name: string; message: string } | null;
  cpuModelWeights: number;
}

const childScript = `
const b = require(process.argv[1]);
const caught = (f) => { try { f(); return null; } catch (e) { return { name: e.name, message: e.message }; } };
process.stdout.write(JSON.stringify({
  deviceCount: b.deviceCount(),
  devices: b.devices(),
  runtimeVersion: b.runtimeVersion(),
  driverVersion: b.driverVersion(),
  lstmError: caught(() => b.lstmPointwise({ preactivations: new Float32Array(8), cPrev: new Float32Array(2), batch: 1, units: 2 })),
  badLengthError: caught(() => b.lstmPointwise({ preactivations: new Float32Array(7), cPrev: new Float32Array(2), batch: 1, units: 2 })),
  modelError: caught(() => new b.Model(JSON.parse(process.argv[2]), { backend: 'cuda' })),
  cpuModelWeights: (() => { const m = new b.Model(JSON.parse(process.argv[2]), { backend: 'cpu' }); const n = m.getWeights().length; m.dispose(); return n; })(),
}));
`;

testUnless(
  !built ? notBuilt : gpuPresent ? 'this machine has an NVIDIA device; the GPU test below covers it' : undefined,
  'CUDA addon loads without a GPU, reports no device and throws a clear error',
  (t) => {
    // In a child process: if loading aborted, only the child would die.
    // The addon carries the native model too: a graph on 'cuda' fails with the reason, on 'cpu' it is made.
    const run = childProcess.spawnSync(process.execPath, ['-e', childScript, cudaAddon, JSON.stringify(allCases[0].spec)], {
      encoding: 'utf8',
      timeout: 60000,
    });
    t.is(run.signal, null, `child died with ${run.signal}: ${run.stderr}`);
    t.is(run.status, 0, run.stderr);
    const r = JSON.parse(run.stdout) as ChildReport;
    t.log(`runtime ${r.runtimeVersion}, driver ${r.driverVersion}, lstmPointwise: ${r.lstmError?.message}`);
    t.is(r.deviceCount, 0);
    t.deepEqual(r.devices, []);
    t.true(r.runtimeVersion >= 12000, `runtimeVersion ${r.runtimeVersion}`);
    t.true(r.driverVersion >= 0, `driverVersion ${r.driverVersion}`);
    t.truthy(r.lstmError);
    t.is(r.lstmError?.name, 'Error');
    t.regex(r.lstmError?.message ?? '', /lstmPointwise: no CUDA device is available \(.+\)/);
    // Arguments are checked before any device is touched.
    t.is(r.badLengthError?.name, 'RangeError');
    t.regex(r.badLengthError?.message ?? '', /'preactivations' expected shape \[1, 8\] \(8 elements\), received 7/);
    t.is(r.modelError?.name, 'Error');
    t.regex(r.modelError?.message ?? '', /^Model: no CUDA device is available \(.+\)/);
    t.true(r.cpuModelWeights > 0);

    const status = probeCuda(packageRoot, probeEnv());
    t.log(`probeCuda: ${status.reason}`);
    t.is(status.binding, undefined);
    t.deepEqual(status.devices, []);
    t.is(status.file, cudaAddon);
    t.regex(status.reason ?? '', /no device/);
  },
);

test('a corrupt CUDA binary makes the probe fall back to the CPU with a reason', (t) => {
  const real = built ? fs.readFileSync(cudaAddon) : undefined;
  const variants: Array<[string, Buffer]> = [['garbage bytes', Buffer.from('this is not a shared object\n'.repeat(64))]];
  // A real ELF header followed by nothing: dlopen gets further before failing.
  if (real) variants.push(['truncated ELF', real.subarray(0, Math.min(real.length, 4096))]);
  else t.log(`only the garbage-bytes variant: ${notBuilt}`);
  for (const [what, bytes] of variants) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-cuda-'));
    try {
      const file = path.join(root, 'build', 'Release', 'recurrent_cuda.node');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      const status = probeCuda(root, probeEnv());
      t.log(`${what}: ${status.reason}`);
      t.is(status.binding, undefined, what);
      t.deepEqual(status.devices, [], what);
      t.is(status.file, file, what);
      t.regex(status.reason ?? '', /failed to load in a test process/, what);
      // The reason says why, not just Node's version banner.
      t.notRegex(status.reason ?? '', /\(Node\.js v[\d.]+\)/, what);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
});

// --- On a GPU ----------------------------------------------------------------------

type ActivationName = 'linear' | 'tanh' | 'sigmoid' | 'relu' | 'hardSigmoid';

function activate(name: ActivationName, x: number): number {
  switch (name) {
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'relu': return Math.max(0, x);
    case 'hardSigmoid': return Math.min(1, Math.max(0, 0.2 * x + 0.5));
    case 'linear': return x;
  }
}

// The plain reference: Keras gate order i, f, c, o; double precision.
function lstmPointwiseReference(
  pre: Float32Array, // [B, 4H]
  cPrev: Float32Array, // [B, H]
  B: number,
  H: number,
  act: ActivationName,
  ract: ActivationName,
): { c: Float64Array; h: Float64Array } {
  const c = new Float64Array(B * H);
  const h = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const row = b * 4 * H;
      const i = activate(ract, pre[row + j]);
      const f = activate(ract, pre[row + H + j]);
      const g = activate(act, pre[row + 2 * H + j]);
      const o = activate(ract, pre[row + 3 * H + j]);
      const cn = f * cPrev[b * H + j] + i * g;
      c[b * H + j] = cn;
      h[b * H + j] = o * activate(act, cn);
    }
  }
  return { c, h };
}

const gpuStatus = built && gpuPresent ? probeCuda(packageRoot, probeEnv()) : undefined;
const gpuSkip = !built ? notBuilt : !gpuPresent ? 'no NVIDIA device on this machine (no /dev/nvidiactl)'
  : gpuStatus?.binding ? undefined : gpuStatus?.reason ?? 'the CUDA probe found no device';

testUnless(gpuSkip, 'CUDA lstmPointwise matches the plain reference to 1e-6', (t) => {
  const cuda = gpuStatus!.binding as CudaBinding & {
    lstmPointwise(args: {
      preactivations: Float32Array; cPrev: Float32Array; batch: number; units: number;
      activation?: ActivationName; recurrentActivation?: ActivationName;
    }): { c: Float32Array; h: Float32Array };
  };
  t.log(`devices: ${JSON.stringify(gpuStatus!.devices)}`);
  const rng = new Rng(7);
  const cases: Array<[number, number, ActivationName, ActivationName]> = [
    [1, 1, 'tanh', 'sigmoid'],
    [3, 37, 'tanh', 'sigmoid'],      // not a multiple of the block size
    [64, 300, 'tanh', 'sigmoid'],    // several blocks
    [5, 19, 'relu', 'hardSigmoid'],  // the activations are parameters, not baked in
  ];
  for (const [B, H, act, ract] of cases) {
    const pre = rng.f32(B * 4 * H, -3, 3);
    const cPrev = rng.f32(B * H, -2, 2);
    const got = cuda.lstmPointwise({ preactivations: pre, cPrev, batch: B, units: H, activation: act, recurrentActivation: ract });
    const want = lstmPointwiseReference(pre, cPrev, B, H, act, ract);
    const dc = maxAbsDiff(got.c, want.c);
    const dh = maxAbsDiff(got.h, want.h);
    t.log(`B=${B} H=${H} ${act}/${ract}: max |dc| ${dc.toExponential(2)}, max |dh| ${dh.toExponential(2)}`);
    t.true(dc <= 1e-6 && dh <= 1e-6, `B=${B} H=${H} ${act}/${ract}: dc ${dc}, dh ${dh}`);
  }
  t.throws(() => cuda.lstmPointwise({ preactivations: new Float32Array(8), cPrev: new Float32Array(3), batch: 1, units: 2 }), {
    instanceOf: RangeError,
    message: /'cPrev' expected shape \[1, 2\]/,
  });
});
