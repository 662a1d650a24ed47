// The layer benchmark: the recurrent layer of each workload (bench/layer_workloads.json,
// from WORKLOADS.md) timed in recurrent and, in the same run with the same thread count,
// in PyTorch (its default setup, and with torch.set_flush_denormal(True)) and in oneDNN's
// RNN primitives (bench/peers/onednn_layers.cc, where libdnnl-dev is installed). A
// training step is forward + backward through time with weight gradients (and dx where
// the layer's input is trainable); W6 is forward-only latency. Where the CPU has bfloat16
// kernels, recurrent and oneDNN are also timed in mixed precision ('bf16' columns).
//
//   node dist/bench/layers.js [--threads N] [--workloads W2,W3] [--quick] [--no-torch] [--no-onednn] [--json FILE]
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cpu, packageRoot, RnnCell, RnnLayerArgs } from '../lib/native';
import * as ops from '../lib/ops';
import { OnednnLayer, onednnPeer, OnednnReport } from './peers/onednn_peer';
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
  flush_denormal?: boolean;
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

function runTorchPeer(ids: string[], threads: number, budget: number, flushDenormal: boolean): PeerReport {
  const python = process.env.RECURRENT_BENCH_PYTHON ?? '/usr/bin/python3';
  const script = path.join(packageRoot, 'bench', 'peers', 'torch_layers.py');
  const flags = flushDenormal ? ['--flush-denormal'] : [];
  const r = childProcess.spawnSync(python, [script, '--threads', String(threads), '--workloads', ids.join(','), '--budget', String(budget), ...flags], {
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

/** The workload's layer for the oneDNN peer. */
function onednnLayer(w: Workload, dtype: 'f32' | 'bf16'): OnednnLayer {
  const cell = w.cell === 'simpleRnn' ? (w.activation === 'relu' ? 'rnn_relu' : 'rnn_tanh') : w.cell;
  return { workload: w.id, cell, input: w.input, units: w.units, batch: w.batch, steps: w.steps,
    returnSequences: w.returnSequences, train: w.train, directions: 1, dtype };
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

  const isa = cpu().binding.runtimeInfo().isa;
  const bf16 = isa === 'amx' || isa === 'avx512bf16';
  const ours = new Map<string, Timing>();
  const oursBf16 = new Map<string, Timing>();
  for (const w of workloads) {
    const args = layerArgs(w, w.train);
    const timing = await timeIt(() => ops.rnnLayer(args), { budgetMs, warmup: quick ? 1 : 2, minIters: 3 });
    ours.set(w.id, timing);
    process.stderr.write(`recurrent ${w.id}: ${timing.msMedian.toFixed(2)} ms\n`);
    if (bf16) {
      const half = await timeIt(() => ops.rnnLayer({ ...args, mixedPrecision: 'bfloat16' }), { budgetMs, warmup: quick ? 1 : 2, minIters: 3 });
      oursBf16.set(w.id, half);
      process.stderr.write(`recurrent ${w.id} bfloat16: ${half.msMedian.toFixed(2)} ms\n`);
    }
  }

  const ids = workloads.map((w) => w.id);
  const skipped: PeerReport = { results: [], error: 'skipped (--no-torch)' };
  const peer = flag('--no-torch') ? skipped : runTorchPeer(ids, threads, budgetMs / 1000, false);
  const peerFtz = flag('--no-torch') ? skipped : runTorchPeer(ids, threads, budgetMs / 1000, true);
  const onednn: OnednnReport = flag('--no-onednn')
    ? { results: [], error: 'skipped (--no-onednn)' }
    : onednnPeer(workloads.flatMap((w) => (bf16 ? [onednnLayer(w, 'f32'), onednnLayer(w, 'bf16')] : [onednnLayer(w, 'f32')])),
      threads, budgetMs / 1000);
  const verdict = blasVerdict(peer);
  const ratioAllowed = !peer.error && /openblas|mkl|blis/i.test(verdict);

  const header = ['workload', 'mode', 'recurrent ms', 'GFLOP/s', 'bf16 ms', 'bf16 speed-up', 'torch ms', 'vs torch',
    'torch-ftz ms', 'vs torch-ftz', 'onednn ms', 'vs onednn', 'onednn bf16 ms', 'bf16 vs onednn bf16'];
  const rows: string[][] = [];
  const records: unknown[] = [];
  const ratio = (theirs: number | undefined, mine: Timing | undefined) => (theirs !== undefined && mine ? `${(theirs / mine.msMedian).toFixed(2)}x` : '-');
  const ms = (v: number | undefined) => (v !== undefined ? v.toFixed(2) : '-');
  for (const w of workloads) {
    const t = ours.get(w.id)!;
    const half = oursBf16.get(w.id);
    const mode = w.train ? 'train' : 'forward';
    const flops = forwardFlops(w) * (w.train ? 3 : 1);
    const gflops = flops / (t.msMedian * 1e6);
    const p = peer.results.find((r) => r.workload === w.id && r.mode === mode);
    const pf = peerFtz.results.find((r) => r.workload === w.id && r.mode === mode);
    const d = onednn.results.find((r) => r.workload === w.id && r.mode === mode && r.dtype === 'f32');
    const d16 = onednn.results.find((r) => r.workload === w.id && r.mode === mode && r.dtype === 'bf16');
    rows.push([w.id, mode, `${t.msMedian.toFixed(2)} [${t.msMin.toFixed(1)}-${t.msMax.toFixed(1)}]`, gflops.toFixed(1),
      half ? half.msMedian.toFixed(2) : '-', half ? `${(t.msMedian / half.msMedian).toFixed(2)}x` : '-',
      ms(p?.ms_median), ratioAllowed ? ratio(p?.ms_median, t) : '-', ms(pf?.ms_median), ratioAllowed ? ratio(pf?.ms_median, t) : '-',
      d?.error ? 'error' : ms(d?.ms_median), ratio(d?.ms_median, t),
      d16?.error ? 'unsupported' : ms(d16?.ms_median), ratio(d16?.ms_median, half)]);
    records.push({ workload: w.id, mode, recurrent: t, recurrentBf16: half, gflops, torch: p, torchFlushDenormal: pf, onednn: d, onednnBf16: d16 });
  }
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, ISA ${isa}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  process.stdout.write(`\nrecurrent layer benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}\n`);
  process.stdout.write(`PyTorch ${peer.torch ?? '-'}, BLAS: ${verdict}${peer.error ? ` (${peer.error})` : ''}; torch-ftz: the same with torch.set_flush_denormal(True)\n`);
  process.stdout.write(`oneDNN ${onednn.onednn ?? '-'}${onednn.error ? ` (${onednn.error})` : ', RNN primitives, denormals flushed as TensorFlow does'}\n`);
  const bf16Errors = [...new Set(onednn.results.filter((r) => r.dtype === 'bf16' && r.error).map((r) => `${r.mode}: ${r.error}`))];
  if (bf16Errors.length) process.stdout.write(`oneDNN bf16 unsupported: ${bf16Errors.join('; ')}\n`);
  if (!ratioAllowed && !peer.error) process.stdout.write('No ratio reported: PyTorch is not using an optimized BLAS (install libopenblas0-openmp).\n');
  process.stdout.write(`${formatTable(header, rows)}\n\n${formatMarkdown(header, rows)}\n`);
  const out = value('--json');
  if (out) {
    fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, torch: peer.torch, blas: verdict, onednn: onednn.onednn, results: records }, null, 2));
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
