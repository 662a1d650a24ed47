// Runs the whole-model peers side by side on the workloads of bench/model_workloads.json:
// PyTorch (bench/peers/torch_models.py) and TensorFlow.js on its cpu and wasm backends
// (bench/peers/tfjs_models.ts, each (workload, mode) in a capped child process), and prints
// one table. The recurrent column and the ratios come from the model benchmark once the model
// API exists; this prints the peers only.
//
//   node dist/bench/peers/run_peers.js [--quick] [--threads N] [--workloads W1,W2]
//       [--no-torch] [--no-tfjs-cpu] [--no-tfjs-wasm] [--json FILE]
//
// Default budgets keep all peers on all workloads under about 8 minutes on 2 cores; --quick
// under about 2: fewer timed seconds per figure and tighter tfjs caps.
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { formatMarkdown, formatTable } from '../support/timing';
import { loadModelWorkloads, modesOf, PeerResult } from '../model_workloads';

export interface PeerReport {
  results: PeerResult[];
  error?: string;
  torch?: string;
  flush_denormal?: boolean;
  omp_wait_policy?: string;
  blas?: { kind: string; libraries: string[] };
  ratio_allowed?: boolean;
  tfjs?: string;
  backend?: string;
  threads?: number | null;
  notes?: string[];
}

const packageRoot = path.resolve(__dirname, '..', '..', '..');

function runPeer(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): PeerReport {
  const r = childProcess.spawnSync(command, args, { encoding: 'utf8', env, timeout: 15 * 60 * 1000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    return { results: [], error: `${what} failed (${r.error?.message ?? `exit ${r.status}`})` };
  }
  return JSON.parse(r.stdout) as PeerReport;
}

/** Why a peer cannot run here, in one line, or undefined when it can. */
function missingTorch(python: string): string | undefined {
  const r = childProcess.spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `PyTorch is not compared: ${python} cannot be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}; set RECURRENT_BENCH_PYTHON)`;
  if (r.status !== 0) return `PyTorch is not compared: ${python} cannot import torch (Debian: apt-get install python3-torch)`;
  return undefined;
}

function missingTfjs(backend: 'cpu' | 'wasm'): string | undefined {
  for (const name of ['@tensorflow/tfjs', ...(backend === 'wasm' ? ['@tensorflow/tfjs-backend-wasm'] : [])]) {
    try {
      require.resolve(name);
    } catch {
      return `TensorFlow.js (${backend}) is not compared: ${name} is not installed (npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm)`;
    }
  }
  return undefined;
}

export function torchPeer(ids: string[], threads: number, quick: boolean, flushDenormal = false, device: 'cpu' | 'cuda' = 'cpu'): PeerReport {
  const python = process.env.RECURRENT_BENCH_PYTHON ?? '/usr/bin/python3';
  const missing = missingTorch(python);
  if (missing) {
    process.stderr.write(`${missing}\n`);
    return { results: [], error: missing };
  }
  const script = path.join(packageRoot, 'bench', 'peers', 'torch_models.py');
  // PyTorch runs with its own default OpenMP wait policy (busy-waiting), its best on a quiet
  // machine. On a machine shared with other jobs, spinning workers wait on each other's
  // barriers (at load 8, OMP_WAIT_POLICY=PASSIVE made W2 six times faster): set
  // OMP_WAIT_POLICY=PASSIVE in the environment to measure that way; the report says which.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const flags = [...(flushDenormal ? ['--flush-denormal'] : []), ...(device === 'cuda' ? ['--device', 'cuda'] : [])];
  return runPeer(python, [script, '--threads', String(threads), '--workloads', ids.join(','), '--budget', quick ? '0.5' : '3', ...flags], env,
    device === 'cuda' ? 'the PyTorch CUDA peer' : 'the PyTorch peer');
}

export function tfjsPeer(backend: 'cpu' | 'wasm', ids: string[], quick: boolean): PeerReport {
  const missing = missingTfjs(backend);
  if (missing) {
    process.stderr.write(`${missing}\n`);
    return { results: [], error: missing };
  }
  const script = path.join(__dirname, 'tfjs_models.js');
  const args = [script, '--backend', backend, '--workloads', ids.join(',')];
  if (quick) args.push('--quick');
  return runPeer(process.execPath, args, process.env, `the tfjs-${backend} peer`);
}

function cell(r: PeerResult | undefined): string {
  if (!r) return '-';
  if (r.ms_median === null) return r.ms_lower_bound ? `> ${(r.ms_lower_bound / 1000).toFixed(1)} s` : 'cannot';
  return r.ms_median >= 1000 ? `${(r.ms_median / 1000).toFixed(2)} s` : `${r.ms_median.toFixed(1)} ms`;
}

function main(argv: string[]): void {
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const threads = Number(option('--threads') ?? Math.min(os.cpus().length, 2));
  const wanted = option('--workloads')?.split(',');
  const workloads = loadModelWorkloads().filter((w) => !wanted || wanted.includes(w.id));
  const ids = workloads.map((w) => w.id);
  const skipped = (what: string): PeerReport => ({ results: [], error: `skipped (--no-${what})` });

  const torch = argv.includes('--no-torch') ? skipped('torch') : torchPeer(ids, threads, quick);
  const cpu = argv.includes('--no-tfjs-cpu') ? skipped('tfjs-cpu') : tfjsPeer('cpu', ids, quick);
  const wasm = argv.includes('--no-tfjs-wasm') ? skipped('tfjs-wasm') : tfjsPeer('wasm', ids, quick);

  const header = ['workload', 'mode', 'torch', 'tfjs-cpu', 'tfjs-wasm', 'notes'];
  const rows: string[][] = [];
  for (const w of workloads) {
    for (const mode of modesOf(w)) {
      const find = (p: PeerReport) => p.results.find((r) => r.workload === w.id && r.mode === mode);
      const [t, c, s] = [find(torch), find(cpu), find(wasm)];
      // The row says the mode and the header the GRU variant: the notes keep the reasons.
      const reasons = (p: string, r?: PeerResult) => (r?.note ?? '').split('; ')
        .filter((n) => n && n !== 'embedding frozen' && n !== 'GRU resetAfter false').map((n) => `${p}: ${n}`);
      const notes = [...reasons('torch', t), ...reasons('cpu', c), ...reasons('wasm', s)];
      rows.push([w.id, mode, cell(t), cell(c), cell(s), notes.join(' | ')]);
    }
  }
  const blas = torch.blas ? `${torch.blas.kind} (${torch.blas.libraries.map((l) => path.basename(l)).join(', ')})` : '-';
  const out = process.stdout;
  out.write(`\nwhole-model peers, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  out.write(`PyTorch ${torch.torch ?? '-'}, ${torch.threads ?? threads} threads, OMP_WAIT_POLICY ${torch.omp_wait_policy ?? '-'}, BLAS ${blas}${torch.error ? ` (${torch.error})` : ''}\n`);
  if (torch.ratio_allowed === false) out.write('PyTorch is not using an optimized BLAS: its times are shown, no ratio may be taken from them.\n');
  for (const p of [cpu, wasm]) {
    out.write(`tfjs-${p.backend ?? '?'} ${p.tfjs ?? '-'}${p.error ? ` (${p.error})` : ''}\n`);
  }
  out.write(`tfjs runs: ${[...new Set([...(cpu.notes ?? []), ...(wasm.notes ?? [])])].join('; ')}\n`);
  out.write('A training step: forward + loss + backward + optimizer update on one batch; median time. cannot: see notes.\n\n');
  out.write(`${formatTable(header, rows)}\n\n${formatMarkdown(header, rows)}\n`);
  const file = option('--json');
  if (file) {
    fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), threads, torch, tfjs_cpu: cpu, tfjs_wasm: wasm }, null, 1));
  }
}

if (require.main === module) main(process.argv.slice(2));
