// The oneDNN peer (bench/peers/onednn_layers.cc): compiled here, once per version of its
// source, where Debian's libdnnl-dev is installed, and run with the bench's thread count.
// Where it is not installed, the peer is skipped with one line saying so.
import * as childProcess from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const packageRoot = path.resolve(__dirname, '..', '..', '..');
const source = path.join(packageRoot, 'bench', 'peers', 'onednn_layers.cc');
const header = '/usr/include/oneapi/dnnl/dnnl.hpp';

/** One recurrent layer for the peer: onednn_layers.cc's --layer fields. */
export interface OnednnLayer {
  workload: string;
  cell: 'lstm' | 'gru' | 'rnn_relu' | 'rnn_tanh';
  input: number;
  units: number;
  batch: number;
  steps: number;
  returnSequences: boolean;
  train: boolean;
  directions: 1 | 2;
  dtype: 'f32' | 'bf16';
}

export interface OnednnResult {
  workload: string;
  mode: 'train' | 'forward';
  dtype: 'f32' | 'bf16';
  ms_median?: number;
  ms_min?: number;
  ms_max?: number;
  iterations?: number;
  error?: string;
}

export interface OnednnReport {
  onednn?: string;
  threads?: string;
  flush_denormals?: boolean;
  results: OnednnResult[];
  error?: string;
}

/** The compiled peer, or why there is none. */
function build(): { binary?: string; error?: string } {
  if (!fs.existsSync(header)) return { error: 'skipped: oneDNN is not installed (apt-get install libdnnl-dev)' };
  const compiler = process.env.CXX ?? 'c++';
  const digest = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  const binary = path.join(os.tmpdir(), `recurrent-onednn-peer-${digest}`);
  if (fs.existsSync(binary)) return { binary };
  const r = childProcess.spawnSync(compiler, ['-O2', '-std=c++17', source, '-ldnnl', '-o', `${binary}.tmp`], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `the oneDNN peer did not compile: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}` };
  fs.renameSync(`${binary}.tmp`, binary);
  return { binary };
}

export function onednnPeer(layers: OnednnLayer[], threads: number, budgetSeconds: number): OnednnReport {
  const built = build();
  if (!built.binary) {
    process.stderr.write(`oneDNN peer ${built.error}\n`);
    return { results: [], error: built.error };
  }
  const args = ['--budget', String(budgetSeconds)];
  for (const l of layers) {
    args.push('--layer', [l.workload, l.cell, l.input, l.units, l.batch, l.steps, l.returnSequences ? 1 : 0, l.train ? 1 : 0,
      l.directions, l.dtype].join(','));
  }
  const r = childProcess.spawnSync(built.binary, args, {
    encoding: 'utf8', timeout: 20 * 60 * 1000, maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) return { results: [], error: `the oneDNN peer failed (${r.error?.message ?? `exit ${r.status}`})` };
  return JSON.parse(r.stdout) as OnednnReport;
}
