#!/usr/bin/env node
// The `recurrent` command line: `recurrent info [--json]`, `recurrent train demo|<file.csv>|spam|g2p
// [...]`, `recurrent plot history.json -o loss.svg`, `recurrent bench [...]` and
// `recurrent build-from-source` and `recurrent build-mpi`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRegularFileSync } from '../lib/io/regular_file';
import { cuda, isCheckout, packageRoot } from '../lib/native';
import { info, setNumThreads } from '../lib/runtime';
import { plotHistory, type HistoryData } from '../lib/training/plot';
import { formatTrainTextReport, trainText } from './train_text';

export type Command =
  | { command: 'help' }
  | { command: 'info'; json: boolean }
  | { command: 'train'; task: 'spam'; epochs?: number; backend: 'cpu' | 'cuda'; threads?: number }
  | { command: 'train'; task: 'g2p'; minutes?: number; stress: boolean; backend: 'cpu' | 'cuda'; threads?: number }
  | { command: 'train'; task: 'text'; source: string; epochs?: number; backend: 'cpu' | 'cuda'; threads?: number; out?: string; textColumn?: string; labelColumn?: string }
  | { command: 'plot'; input: string; output: string; metrics?: string[] }
  | { command: 'bench'; args: string[] }
  | { command: 'build-from-source' }
  | { command: 'build-mpi' };

/** A history.json is kilobytes; this bounds what a wrong path can make plot read. */
const MAX_HISTORY_BYTES = 64 * 2 ** 20;

/** A command line that cannot run; main prints it with the usage and exits with 2. */
export class UsageError extends Error {}

function positiveIntegerFlag(flag: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${flag} needs a value`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, received '${value}'`);
  return n;
}

/** Splits `--flag value` and `--flag=value` into pairs; positional arguments are returned apart. */
function splitFlags(args: string[], known: string[]): { flags: Map<string, string | undefined>; positional: string[] } {
  const flags = new Map<string, string | undefined>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!known.includes(name)) throw new UsageError(`unknown option '${name}' (known: ${known.join(', ')})`);
    if (flags.has(name)) throw new UsageError(`${name} given twice`);
    flags.set(name, eq < 0 ? args[++i] : a.slice(eq + 1));
  }
  return { flags, positional };
}

export function parseCommandLine(argv: string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      return { command: 'help' };
    case 'info': {
      const extra = rest.filter((a) => a !== '--json');
      if (extra.length) throw new UsageError(`info: unexpected argument '${extra[0]}'`);
      return { command: 'info', json: rest.includes('--json') };
    }
    case 'train': {
      // --stress is a switch (g2p only); the other options take values.
      const stress = rest.includes('--stress');
      const { flags, positional } = splitFlags(
        rest.filter((a) => a !== '--stress'),
        ['--epochs', '--minutes', '--backend', '--threads', '--out', '--text-column', '--label-column'],
      );
      const [task, ...more] = positional;
      if (task === undefined) throw new UsageError('train: what to train on? (demo, a CSV or TSV file of labelled texts, or spam or g2p in a checkout)');
      if (more.length) throw new UsageError(`train: unexpected argument '${more[0]}'`);
      const asked = flags.has('--backend') ? flags.get('--backend') : 'cpu';
      if (asked !== 'cpu' && asked !== 'cuda') throw new UsageError(`train: --backend must be 'cpu' or 'cuda', received '${String(asked)}'`);
      const backend: 'cpu' | 'cuda' = asked;
      const common = {
        command: 'train' as const,
        backend,
        ...(flags.has('--epochs') ? { epochs: positiveIntegerFlag('--epochs', flags.get('--epochs')) } : {}),
        ...(flags.has('--threads') ? { threads: positiveIntegerFlag('--threads', flags.get('--threads')) } : {}),
      };
      const textFlags = ['--out', '--text-column', '--label-column'].filter((f) => flags.has(f));
      if (task !== 'g2p' && flags.has('--minutes')) throw new UsageError(`train ${task}: --minutes applies to g2p only (the others train for --epochs)`);
      if (task !== 'g2p' && stress) throw new UsageError(`train ${task}: --stress applies to g2p only`);
      if (task === 'g2p') {
        if (textFlags.length) throw new UsageError(`train g2p: ${textFlags[0]} applies to demo and CSV training only`);
        if (flags.has('--epochs')) throw new UsageError('train g2p: it trains for a time budget: give --minutes N (default 15), not --epochs');
        return {
          command: 'train', task: 'g2p', backend: common.backend, stress,
          ...(flags.has('--minutes') ? { minutes: positiveIntegerFlag('--minutes', flags.get('--minutes')) } : {}),
          ...(common.threads !== undefined ? { threads: common.threads } : {}),
        };
      }
      if (task === 'spam') {
        if (textFlags.length) throw new UsageError(`train spam: ${textFlags[0]} applies to demo and CSV training only`);
        return { ...common, task: 'spam' };
      }
      if (task !== 'demo' && !/\.(csv|tsv)$/i.test(task)) {
        throw new UsageError(`train: '${task}' is neither demo, spam, g2p nor a .csv or .tsv file of labelled texts`);
      }
      const value = (flag: string) => {
        const v = flags.get(flag);
        if (!v) throw new UsageError(`train: ${flag} needs a value`);
        return v;
      };
      if (task === 'demo' && (flags.has('--text-column') || flags.has('--label-column'))) throw new UsageError('train demo: the demo data has no columns to choose');
      return {
        ...common,
        task: 'text',
        source: task,
        ...(flags.has('--out') ? { out: value('--out') } : {}),
        ...(flags.has('--text-column') ? { textColumn: value('--text-column') } : {}),
        ...(flags.has('--label-column') ? { labelColumn: value('--label-column') } : {}),
      };
    }
    case 'plot': {
      const { flags, positional } = splitFlags(rest, ['-o', '--output', '--metrics']);
      const [input, ...more] = positional;
      if (input === undefined) throw new UsageError('plot: which history file? (recurrent plot history.json -o loss.svg)');
      if (more.length) throw new UsageError(`plot: unexpected argument '${more[0]}'`);
      if (flags.has('-o') && flags.has('--output')) throw new UsageError('plot: give -o or --output, not both');
      const flag = flags.has('-o') ? '-o' : flags.has('--output') ? '--output' : undefined;
      const output = flag ? flags.get(flag) : input.replace(/\.json$/i, '') + '.svg';
      if (!output) throw new UsageError(`plot: ${flag} needs a file name`);
      const metrics = flags.get('--metrics')?.split(',').filter((m) => m.length > 0);
      if (flags.has('--metrics') && !metrics?.length) throw new UsageError('plot: --metrics needs names, e.g. --metrics loss,accuracy');
      return { command: 'plot', input, output, ...(metrics ? { metrics } : {}) };
    }
    case 'bench':
      // The harness checks its own options (--quick, --workload, --compare, --threads).
      return { command: 'bench', args: rest };
    case 'build-from-source':
      if (rest.length) throw new UsageError(`build-from-source: unexpected argument '${rest[0]}'`);
      return { command: 'build-from-source' };
    case 'build-mpi':
      if (rest.length) throw new UsageError(`build-mpi: unexpected argument '${rest[0]}'`);
      return { command: 'build-mpi' };
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function printInfo(json: boolean): void {
  const i = info();
  if (json) {
    process.stdout.write(`${JSON.stringify(i, null, 2)}\n`);
    return;
  }
  const lines = [
    `recurrent ${i.version}`,
    `binary:      ${i.binary.file} (${i.binary.source === 'package' ? 'prebuilt, from its platform package' : 'local build'})`,
    `cpu:         ${i.cpu || 'unknown'} (${i.platform})`,
    `isa:         ${i.isa} (available: ${i.isaAvailable.join(', ')}; built: ${i.isaBuilt.join(', ')})`,
    `threads:     ${i.threads}`,
    `denormals:   ${i.flushDenormals ? 'flushed to zero inside kernels (RECURRENT_FLUSH_DENORMALS=0 keeps them)' : 'kept (IEEE)'}`,
    `node:        ${i.node} (Node-API ${i.napi})`,
    i.cuda.available
      ? `cuda:        ${i.cuda.devices.map((d) => `${d.name} (sm_${d.computeCapability.replace('.', '')}, ${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB)`).join('; ')}`
      : `cuda:        not in use: ${i.cuda.reason ?? 'unknown reason'}`,
    `backend:     ${i.backend.name} (${i.backend.reason})`,
    i.distributed.available
      ? `distributed: available (MPI addon ${i.distributed.file}; run the script under mpirun, with distributed.init() and fit({ distributed: true }))`
      : `distributed: not available: ${i.distributed.reason ?? 'unknown reason'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function usage(): string {
  return [
    'usage: recurrent <command>',
    '',
    'commands:',
    '  info [--json]                                   which binary, instruction set, threads and GPU are in use',
    '  train demo [--epochs N] [--threads N] [--out DIR]',
    '                                                  train a GRU sentiment classifier on generated reviews; results in ./recurrent-demo/',
    '  train <file.csv|file.tsv> [--text-column NAME] [--label-column NAME] [--epochs N] [--threads N] [--out DIR]',
    '                                                  train a text classifier on your labelled texts; results in ./recurrent-<file>/',
    '  train spam [--epochs N] [--backend cpu|cuda] [--threads N]',
    '                                                  the GRU spam filter on SpamAssassin (a checkout with its dev dependencies)',
    '  train g2p [--minutes N] [--stress] [--threads N]',
    '                                                  spelling to pronunciation on CMUdict with attention and beam search (a checkout)',
    '  plot history.json [-o loss.svg] [--metrics loss,accuracy]',
    '                                                  training curves of a saved History as SVG',
    '  bench [--quick] [--workload W2] [--compare torch,tfjs,onednn] [--threads N]',
    '                                                  the benchmark workloads against PyTorch and TensorFlow.js',
    '  build-from-source                               compile the native addon for this machine (python3, make, a C++17 compiler)',
    '  build-mpi                                       compile the MPI addon for distributed training (Open MPI or MPICH with mpicc/mpicxx)',
  ].join('\n');
}

async function train(c: Extract<Command, { command: 'train' }>): Promise<void> {
  if (c.backend === 'cuda') {
    // Every model of the run trains on the GPU (they take the default backend).
    const status = cuda();
    if (!status.binding) throw new Error(`train --backend cuda: the CUDA backend cannot run here: ${status.reason ?? 'no CUDA device'}`);
    process.env.RECURRENT_BACKEND = 'cuda';
  }
  if (c.task === 'text') {
    const result = await trainText({
      source: c.source,
      ...(c.epochs !== undefined ? { epochs: c.epochs } : {}),
      ...(c.threads !== undefined ? { threads: c.threads } : {}),
      ...(c.out !== undefined ? { out: c.out } : {}),
      ...(c.textColumn !== undefined ? { textColumn: c.textColumn } : {}),
      ...(c.labelColumn !== undefined ? { labelColumn: c.labelColumn } : {}),
    });
    process.stdout.write(`${formatTrainTextReport(result)}\n`);
    return;
  }
  // The examples and their datasets are not part of the published package.
  if (!existsSync(join(__dirname, '..', 'examples', `${c.task}.js`))) {
    throw new Error(`recurrent train ${c.task} runs in a checkout of recurrent (its examples and dataset packages are not published); try recurrent train demo, or recurrent train your-texts.csv`);
  }
  if (c.task === 'g2p') {
    if (c.threads !== undefined) setNumThreads(c.threads);
    const g2p = require('../examples/g2p') as typeof import('../examples/g2p');
    await g2p.main({ ...(c.minutes !== undefined ? { minutes: c.minutes } : {}), stress: c.stress });
    return;
  }
  const spam = require('../examples/spam') as typeof import('../examples/spam');
  const result = await spam.trainSpam({
    ...(c.epochs !== undefined ? { epochs: c.epochs } : {}),
    ...(c.threads !== undefined ? { threads: c.threads } : {}),
  });
  process.stdout.write(`${spam.formatSpamReport(result)}\n`);
}

// The harness runs in its own process: it spawns the peers and may take minutes. Its
// reports go to the current directory unless --json/--markdown say where (in a checkout,
// npm run bench keeps them in bench/results/); never into the installed package.
function bench(c: Extract<Command, { command: 'bench' }>): number {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const args = [...c.args];
  if (!args.includes('--json')) args.push('--json', join(process.cwd(), `recurrent-bench-${stamp}.json`));
  if (!args.includes('--markdown')) args.push('--markdown', join(process.cwd(), `recurrent-bench-${stamp}.md`));
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'bench', 'run.js'), ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}

/** Node's headers next to this Node (a distribution's or the official tarball's), so node-gyp downloads nothing. */
function localNodeHeaders(): string | undefined {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

// node-gyp through npm (npm carries its own node-gyp and puts it on the scripts' PATH).
function buildFromSource(): number {
  const nodedir = process.env.npm_config_nodedir ?? localNodeHeaders();
  process.stdout.write(`building the native addon in ${packageRoot} (${nodedir ? `Node headers from ${nodedir}` : "no local Node headers: node-gyp will fetch them for this Node version; set npm's nodedir to avoid it"})\n`);
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:native', ...(nodedir ? ['--', `--nodedir=${nodedir}`] : [])], {
    cwd: packageRoot,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status === 0) process.stdout.write(`built ${join(packageRoot, 'build', 'Release', 'recurrent.node')}: it is loaded before any prebuilt binary\n`);
  else process.stderr.write(`the build failed${r.error ? ` (${r.error.message})` : ''}: it needs python3, make and a C++17 compiler${isCheckout() ? '' : ", and node-addon-api (installed with recurrent)"}\n`);
  return r.status ?? 1;
}

// The MPI addon, built with the MPI compiler wrapper (release/build_mpi_if_available.js).
function buildMpi(): number {
  const nodedir = process.env.npm_config_nodedir ?? localNodeHeaders();
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:mpi'], {
    cwd: packageRoot,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
  });
  return r.status ?? 1;
}

function plot(c: Extract<Command, { command: 'plot' }>): void {
  const data = JSON.parse(readRegularFileSync(c.input, 'recurrent plot', MAX_HISTORY_BYTES).toString('utf8')) as HistoryData;
  plotHistory(data, c.output, c.metrics ? { metrics: c.metrics } : {});
  process.stdout.write(`wrote ${c.output}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let c: Command;
  try {
    c = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`recurrent: ${err.message}\n${usage()}\n`);
    return 2;
  }
  switch (c.command) {
    case 'help':
      process.stdout.write(`${usage()}\n`);
      return 0;
    case 'info':
      printInfo(c.json);
      return 0;
    case 'train':
      await train(c);
      return 0;
    case 'plot':
      plot(c);
      return 0;
    case 'bench':
      return bench(c);
    case 'build-from-source':
      return buildFromSource();
    case 'build-mpi':
      return buildMpi();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
