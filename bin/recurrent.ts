#!/usr/bin/env node
// The `recurrent` command line: `recurrent info [--json]`, `recurrent train spam [...]`,
// `recurrent plot history.json -o loss.svg`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { info } from '../lib/runtime';
import { plotHistory, type HistoryData } from '../lib/training/plot';

export type Command =
  | { command: 'help' }
  | { command: 'info'; json: boolean }
  | { command: 'train'; task: 'spam'; epochs?: number; backend: 'cpu'; threads?: number }
  | { command: 'plot'; input: string; output: string; metrics?: string[] }
  | { command: 'bench'; args: string[] };

/** A command line that cannot run; main prints it with the usage and exits with 2. */
export class UsageError extends Error {}

const TRAIN_TASKS = ['spam'];

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
      const { flags, positional } = splitFlags(rest, ['--epochs', '--backend', '--threads']);
      const [task, ...more] = positional;
      if (task === undefined) throw new UsageError(`train: which task? (${TRAIN_TASKS.join(', ')})`);
      if (!TRAIN_TASKS.includes(task)) throw new UsageError(`train: unknown task '${task}' (known: ${TRAIN_TASKS.join(', ')})`);
      if (more.length) throw new UsageError(`train: unexpected argument '${more[0]}'`);
      const backend = flags.has('--backend') ? flags.get('--backend') : 'cpu';
      if (backend === 'cuda') {
        throw new UsageError("train: --backend cuda is not available: CUDA training is not implemented yet; use --backend cpu");
      }
      if (backend !== 'cpu') throw new UsageError(`train: --backend must be 'cpu', received '${String(backend)}'`);
      return {
        command: 'train',
        task: 'spam',
        backend: 'cpu',
        ...(flags.has('--epochs') ? { epochs: positiveIntegerFlag('--epochs', flags.get('--epochs')) } : {}),
        ...(flags.has('--threads') ? { threads: positiveIntegerFlag('--threads', flags.get('--threads')) } : {}),
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
    `node:        ${i.node} (Node-API ${i.napi})`,
    i.cuda.available
      ? `cuda:        ${i.cuda.devices.map((d) => `${d.name} (sm_${d.computeCapability.replace('.', '')}, ${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB)`).join('; ')}`
      : `cuda:        not in use: ${i.cuda.reason ?? 'unknown reason'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function usage(): string {
  return [
    'usage: recurrent <command>',
    '',
    'commands:',
    '  info [--json]                                   which binary, instruction set, threads and GPU are in use',
    '  train spam [--epochs N] [--backend cpu] [--threads N]',
    '                                                  train the GRU spam filter on SpamAssassin (needs the dev dependencies)',
    '  plot history.json [-o loss.svg] [--metrics loss,accuracy]',
    '                                                  training curves of a saved History as SVG',
    '  bench [--quick] [--workload W2] [--compare torch,tfjs] [--threads N]',
    '                                                  the benchmark workloads against PyTorch and TensorFlow.js',
  ].join('\n');
}

async function train(c: Extract<Command, { command: 'train' }>): Promise<void> {
  // The examples are not part of the published package: load them only when asked.
  let spam: typeof import('../examples/spam');
  try {
    spam = require('../examples/spam') as typeof import('../examples/spam');
  } catch (err) {
    throw new Error(`recurrent train spam needs a checkout of recurrent with its examples built (npm run build): ${(err as Error).message}`);
  }
  const result = await spam.trainSpam({
    ...(c.epochs !== undefined ? { epochs: c.epochs } : {}),
    ...(c.threads !== undefined ? { threads: c.threads } : {}),
  });
  process.stdout.write(`${spam.formatSpamReport(result)}\n`);
}

// The harness runs in its own process: it spawns the peers and may take minutes.
function bench(c: Extract<Command, { command: 'bench' }>): number {
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'bench', 'run.js'), ...c.args], { stdio: 'inherit' });
  return r.status ?? 1;
}

function plot(c: Extract<Command, { command: 'plot' }>): void {
  const data = JSON.parse(readFileSync(c.input, 'utf8')) as HistoryData;
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
