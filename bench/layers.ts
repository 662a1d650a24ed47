// The layer benchmark: the recurrent layer of each workload (bench/layer_workloads.json,
// from WORKLOADS.md) timed in recurrent and, in the same run, in PyTorch with the same
// thread count. A training step is forward + backward through time with weight
// gradients (and dx where the layer's input is trainable); W6 is forward-only latency.
//
//   node dist/bench/layers.js [--threads N] [--workloads W2,W3] [--quick] [--no-torch] [--json FILE]
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cpu, packageRoot, RnnCell, RnnLayerArgs } from '../lib/native';
import * as ops from '../lib/ops';
import { formatMarkdown, formatTable, timeIt, Timing } from './support/timing';

interface Workload {
  id: string;
  cell: RnnCell;
  activation?: 'relu' | 'tanh';
  input: number;
  units: number;
  batch: number;
  steps: number;
  returnSequences: boolean;
  inputGradient: boolean;
  train: boolean;
}

interface PeerResult {
  workload: string;
  mode: 'train' | 'forward';
  ms_median: number;
  ms_min: number;
  ms_max: number;
}

interface PeerReport {
  torch?: string;
  blas?: { verdict?: string; libraries?: string[] } | string;
  results: PeerResult[];
  error?: string;
}

const GATES: Record<RnnCell, number> = { simpleRnn: 1, lstm: 4, gru: 3 };

export function loadWorkloads(): Workload[] {
  const file = path.join(packageRoot, 'bench', 'layer_workloads.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { workloads: Workload[] }).workloads;
}

/** Forward FLOPs of one layer (WORKLOADS.md): 2 B T (I + H) G H. */
export function forwardFlops(w: Workload): number {
  return 2 * w.batch * w.steps * (w.input + w.units) * GATES[w.cell] * w.units;
}

function randomArray(n: number, scale: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

function layerArgs(w: Workload, train: boolean): RnnLayerArgs {
  const GH = GATES[w.cell] * w.units;
  const args: RnnLayerArgs = {
    cell: w.cell, batch: w.batch, steps: w.steps, input: w.input, units: w.units,
    activation: w.activation ?? 'tanh',
    returnSequences: w.returnSequences,
    inputGradient: w.inputGradient,
    x: randomArray(w.batch * w.steps * w.input, 1, 1),
    kernel: randomArray(w.input * GH, 1 / Math.sqrt(w.input), 2),
    recurrentKernel: randomArray(w.units * GH, 1 / Math.sqrt(w.units), 3),
    bias: randomArray((w.cell === 'gru' ? 2 : 1) * GH, 0.1, 4),
  };
  if (train) args.dy = randomArray(w.returnSequences ? w.batch * w.steps * w.units : w.batch * w.units, 1, 5);
  return args;
}

function runTorchPeer(ids: string[], threads: number, budget: number): PeerReport {
  const python = process.env.RECURRENT_BENCH_PYTHON ?? '/usr/bin/python3';
  const script = path.join(packageRoot, 'bench', 'peers', 'torch_layers.py');
  const r = childProcess.spawnSync(python, [script, '--threads', String(threads), '--workloads', ids.join(','), '--budget', String(budget)], {
    encoding: 'utf8',
    timeout: 15 * 60 * 1000,
    env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0];
    return {
      results: [],
      error: /No module named 'torch'/.test(r.stderr ?? '')
        ? 'PyTorch is not installed: apt-get install -y python3-torch libopenblas0-openmp'
        : `the PyTorch peer failed: ${why}`,
    };
  }
  return JSON.parse(r.stdout) as PeerReport;
}

function blasVerdict(report: PeerReport): string {
  if (!report.blas) return 'unknown';
  if (typeof report.blas === 'string') return report.blas;
  return report.blas.verdict ?? (report.blas.libraries ?? []).join(', ');
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag('--quick');
  const threads = Number(value('--threads') ?? cpu().binding.runtimeInfo().threads);
  cpu().binding.setNumThreads(threads);
  const wanted = value('--workloads')?.split(',');
  const workloads = loadWorkloads().filter((w) => !wanted || wanted.some((id) => w.id === id || w.id.startsWith(`${id}/`)));
  const budgetMs = quick ? 1000 : 4000;

  const ours = new Map<string, Timing>();
  for (const w of workloads) {
    const args = layerArgs(w, w.train);
    const timing = await timeIt(() => ops.rnnLayer(args), { budgetMs, warmup: quick ? 1 : 2, minIters: 3 });
    ours.set(w.id, timing);
    process.stderr.write(`recurrent ${w.id}: ${timing.msMedian.toFixed(2)} ms\n`);
  }

  const peer = flag('--no-torch')
    ? { results: [], error: 'skipped (--no-torch)' }
    : runTorchPeer(workloads.map((w) => w.id), threads, budgetMs / 1000);
  const verdict = blasVerdict(peer);
  const ratioAllowed = !peer.error && /openblas|mkl|blis/i.test(verdict);

  const header = ['workload', 'mode', 'recurrent ms', 'GFLOP/s', 'torch ms', 'torch/recurrent'];
  const rows: string[][] = [];
  const records: unknown[] = [];
  for (const w of workloads) {
    const t = ours.get(w.id)!;
    const mode = w.train ? 'train' : 'forward';
    const flops = forwardFlops(w) * (w.train ? 3 : 1);
    const gflops = flops / (t.msMedian * 1e6);
    const p = peer.results.find((r) => r.workload === w.id && r.mode === mode);
    const ratio = p && ratioAllowed ? p.ms_median / t.msMedian : undefined;
    rows.push([w.id, mode, `${t.msMedian.toFixed(2)} [${t.msMin.toFixed(1)}-${t.msMax.toFixed(1)}]`, gflops.toFixed(1),
      p ? p.ms_median.toFixed(2) : '-', ratio ? `${ratio.toFixed(2)}x` : '-']);
    records.push({ workload: w.id, mode, recurrent: t, gflops, torch: p, ratio });
  }
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, ISA ${cpu().binding.runtimeInfo().isa}`;
  process.stdout.write(`\nrecurrent layer benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}\n`);
  process.stdout.write(`PyTorch ${peer.torch ?? '-'}, BLAS: ${verdict}${peer.error ? ` (${peer.error})` : ''}\n`);
  if (!ratioAllowed && !peer.error) process.stdout.write('No ratio reported: PyTorch is not using an optimized BLAS (install libopenblas0-openmp).\n');
  process.stdout.write(`${formatTable(header, rows)}\n\n${formatMarkdown(header, rows)}\n`);
  const out = value('--json');
  if (out) {
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, torch: peer.torch, blas: verdict, results: records }, null, 2));
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
