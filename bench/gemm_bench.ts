// GEMM benchmark: our sgemm / sgemmPacked against numpy (the BLAS it loaded, normally
// OpenBLAS) on the shapes an RNN layer runs, same thread count, in one run.
//   node dist/bench/gemm_bench.js [--threads N] [--seconds S] [--rounds R] [--isa avx512|avx2|scalar]
// Prints GFLOP/s, the ratio to numpy, and the fraction of the practical peak (numpy's best
// on a large square GEMM); where the instruction set has bfloat16 kernels (amx,
// avx512bf16), also the mixed-precision GEMM (bfloat16 operands, float32 sums) and its
// speed-up over our float32 one.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
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

function timeOurs(s: Shape, minSeconds: number, mixedPrecision?: 'bfloat16'): number {
  const binding = cpu().binding;
  const a = fill(s.m * s.k, 1);
  const b = fill(s.k * s.n, 2);
  const c = new Float32Array(s.m * s.n);
  if (s.packed) {
    const packed = binding.packGemm({ k: s.k, n: s.n, b, transB: s.transB, mixedPrecision });
    return medianSeconds(() => binding.sgemmPacked({ m: s.m, a, packed, c, transA: s.transA }), minSeconds);
  }
  return medianSeconds(
    () => binding.sgemm({ m: s.m, n: s.n, k: s.k, a, b, c, transA: s.transA, transB: s.transB, mixedPrecision }),
    minSeconds,
  );
}

// numpy in a child process that times one shape per request, so that its runs and ours
// alternate and a load that comes and goes on a shared machine hits both alike.
class NumpyPeer {
  private child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiting: ((line: string) => void)[] = [];
  private buffer = '';
  private failure = '';

  constructor(threads: number) {
    const script = path.resolve(__dirname, '..', '..', 'bench', 'peers', 'numpy_gemm.py');
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
    this.child = spawn('/usr/bin/python3', [script], { env });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
    let stderr = '';
    this.child.stderr.on('data', (d) => (stderr += d));
    this.child.on('error', (e) => (this.failure = e.message));
    this.child.on('exit', (code) => {
      this.failure ||= `numpy peer exited (${code}): ${stderr.trim()}`;
      for (const w of this.waiting.splice(0)) w('');
    });
  }

  private next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.failure) return Promise.resolve('');
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async header(): Promise<{ blas: string; reference: boolean; numpy: string } | string> {
    const line = await this.next();
    return line ? JSON.parse(line) : this.failure;
  }

  async time(s: Shape, minSeconds: number): Promise<number | undefined> {
    this.child.stdin.write(JSON.stringify({ ...s, minSeconds }) + '\n');
    const line = await this.next();
    return line ? (JSON.parse(line) as { seconds: number }).seconds : undefined;
  }

  close(): void {
    this.child.stdin.end();
  }
}

async function main(): Promise<void> {
  const binding = cpu().binding;
  const threads = Number(arg('--threads') ?? 2);
  const minSeconds = Number(arg('--seconds') ?? 0.15);
  const rounds = Number(arg('--rounds') ?? 3);
  const isa = arg('--isa') as Isa | undefined;
  binding.setNumThreads(threads);
  if (isa) binding.setIsa(isa);
  const info = binding.runtimeInfo();
  console.log(`recurrent: isa ${info.isa}, ${info.threads} threads, cpu ${info.cpu}`);

  const numpy = new NumpyPeer(threads);
  const header = await numpy.header();
  let ratiosValid = false;
  if (typeof header === 'string') {
    console.log(`numpy peer did not start: ${header}`);
  } else {
    console.log(`numpy ${header.numpy} (OMP_NUM_THREADS=${threads}), BLAS loaded: ${header.blas}`);
    if (header.reference) console.log('numpy runs on the reference BLAS, not an optimized one: no ratios reported');
    else ratiosValid = true;
  }

  // Per shape: `rounds` alternations of numpy then ours, each the median of its calls;
  // the figure kept for each side is its best round (the one the machine disturbed least).
  const gflops = (s: Shape, sec: number) => (2 * s.m * s.n * s.k) / sec / 1e9;
  const bf16 = info.isa === 'amx' || info.isa === 'avx512bf16';
  const results: { shape: Shape; ours: number; theirs?: number; bf16?: number }[] = [];
  for (const s of shapes) {
    let ours = 0;
    let theirs: number | undefined;
    let half: number | undefined;
    for (let r = 0; r < rounds; r++) {
      if (typeof header !== 'string') {
        const sec = await numpy.time(s, minSeconds);
        if (sec !== undefined) theirs = Math.max(theirs ?? 0, gflops(s, sec));
      }
      ours = Math.max(ours, gflops(s, timeOurs(s, minSeconds)));
      if (bf16) half = Math.max(half ?? 0, gflops(s, timeOurs(s, minSeconds, 'bfloat16')));
    }
    results.push({ shape: s, ours, theirs, bf16: half });
  }
  numpy.close();

  const peak = results.find((r) => r.shape.name === peakShape)?.theirs;
  const rows = results.map(({ shape, ours, theirs, bf16: half }) => [
    shape.name,
    ours.toFixed(1),
    theirs !== undefined ? theirs.toFixed(1) : '-',
    ratiosValid && theirs !== undefined ? (ours / theirs).toFixed(2) : '-',
    ratiosValid && peak !== undefined ? `${((100 * ours) / peak).toFixed(0)}%` : '-',
    half !== undefined ? half.toFixed(1) : '-',
    half !== undefined ? `${(half / ours).toFixed(2)}x` : '-',
  ]);
  const head = ['shape (M x K * K x N)', 'ours GFLOP/s', 'numpy GFLOP/s', 'ours/numpy', 'of peak', 'bf16 GFLOP/s', 'bf16/ours'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (peak !== undefined) console.log(`practical peak (numpy's best on ${peakShape}): ${peak.toFixed(1)} GFLOP/s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
