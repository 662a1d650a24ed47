// GEMM benchmark: our sgemm / sgemmPacked against numpy (the BLAS it loaded, normally
// OpenBLAS) on the shapes an RNN layer runs, same thread count, in one run.
//   node dist/bench/gemm_bench.js [--threads N] [--seconds S] [--isa avx512|avx2|scalar]
// Prints GFLOP/s, the ratio to numpy, and the fraction of the practical peak (numpy's best
// on a large square GEMM).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cpu, Isa } from '../lib/native';

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** B is packed once (a recurrent kernel reused by every time step). */
  packed?: boolean;
}

const shapes: Shape[] = [
  { name: 'input projection 6400x128 * 128x1024', m: 6400, n: 1024, k: 128 },
  { name: 'step 64x1024 * 1024x4096 (packed)', m: 64, n: 4096, k: 1024, packed: true },
  { name: 'step 64x256 * 256x1024 (packed)', m: 64, n: 1024, k: 256, packed: true },
  { name: 'step 32x512 * 512x2048 (packed)', m: 32, n: 2048, k: 512, packed: true },
  { name: 'batch-1 1x256 * 256x1024 (packed)', m: 1, n: 1024, k: 256, packed: true },
  { name: 'dW = X^T dG 128x6400 * 6400x1024', m: 128, n: 1024, k: 6400, transA: true },
  { name: 'dX = dG W^T 6400x1024 * 1024x128', m: 6400, n: 128, k: 1024, transB: true },
  { name: 'step dH = dG U^T 64x4096 * 4096x1024 (packed)', m: 64, n: 1024, k: 4096, transB: true, packed: true },
  { name: 'small units 128x24 * 24x72', m: 128, n: 72, k: 24 },
  { name: 'square 2048^3 (peak)', m: 2048, n: 2048, k: 2048 },
];
const peakShape = shapes[shapes.length - 1].name;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = (x >>> 0) / 2147483648 - 1;
  }
  return a;
}

function medianSeconds(fn: () => void, minSeconds: number): number {
  fn();
  fn();
  const times: number[] = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  while (times.length < 5 || (elapsed() < minSeconds && times.length < 200)) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

function timeOurs(s: Shape, minSeconds: number): number {
  const binding = cpu().binding;
  const a = fill(s.m * s.k, 1);
  const b = fill(s.k * s.n, 2);
  const c = new Float32Array(s.m * s.n);
  if (s.packed) {
    const packed = binding.packGemm({ k: s.k, n: s.n, b, transB: s.transB });
    return medianSeconds(() => binding.sgemmPacked({ m: s.m, a, packed, c, transA: s.transA }), minSeconds);
  }
  return medianSeconds(
    () => binding.sgemm({ m: s.m, n: s.n, k: s.k, a, b, c, transA: s.transA, transB: s.transB }),
    minSeconds,
  );
}

interface NumpyReport {
  blas: string;
  reference: boolean;
  numpy: string;
  results: { name: string; seconds: number }[];
}

function timeNumpy(threads: number, minSeconds: number): NumpyReport | string {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'peers', 'numpy_gemm.py');
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const run = spawnSync('/usr/bin/python3', [script], {
    input: JSON.stringify({ shapes, minSeconds }),
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.error) return `numpy peer did not run: ${run.error.message}`;
  if (run.status !== 0) return `numpy peer failed (exit ${run.status}): ${run.stderr.trim()}`;
  return JSON.parse(run.stdout) as NumpyReport;
}

function main(): void {
  const binding = cpu().binding;
  const threads = Number(arg('--threads') ?? 2);
  const minSeconds = Number(arg('--seconds') ?? 0.4);
  const isa = arg('--isa') as Isa | undefined;
  binding.setNumThreads(threads);
  if (isa) binding.setIsa(isa);
  const info = binding.runtimeInfo();
  console.log(`recurrent: isa ${info.isa}, ${info.threads} threads, cpu ${info.cpu}`);

  const numpy = timeNumpy(threads, minSeconds);
  let numpySeconds = new Map<string, number>();
  let ratiosValid = false;
  if (typeof numpy === 'string') {
    console.log(numpy);
  } else {
    console.log(`numpy ${numpy.numpy}, BLAS loaded: ${numpy.blas}`);
    if (numpy.reference) {
      console.log('numpy runs on the reference BLAS (not an optimized one): no ratios reported');
    } else {
      ratiosValid = true;
    }
    numpySeconds = new Map(numpy.results.map((r) => [r.name, r.seconds]));
  }

  const rows: string[][] = [];
  const gflops = (s: Shape, sec: number) => (2 * s.m * s.n * s.k) / sec / 1e9;
  const peakNumpy = numpySeconds.get(peakShape);
  const peak = peakNumpy !== undefined ? gflops(shapes[shapes.length - 1], peakNumpy) : undefined;
  for (const s of shapes) {
    const ours = gflops(s, timeOurs(s, minSeconds));
    const theirs = numpySeconds.has(s.name) ? gflops(s, numpySeconds.get(s.name)!) : undefined;
    rows.push([
      s.name,
      ours.toFixed(1),
      theirs !== undefined ? theirs.toFixed(1) : '-',
      ratiosValid && theirs !== undefined ? (ours / theirs).toFixed(2) : '-',
      ratiosValid && peak !== undefined ? `${((100 * ours) / peak).toFixed(0)}%` : '-',
    ]);
  }
  const header = ['shape (M x K * K x N)', 'ours GFLOP/s', 'numpy GFLOP/s', 'ours/numpy', 'of peak'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (peak !== undefined) console.log(`practical peak (numpy on ${peakShape}): ${peak.toFixed(1)} GFLOP/s`);
}

main();
