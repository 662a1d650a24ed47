#!/usr/bin/env node
// The `recurrent` command line: `recurrent info [--json]`.
import * as childProcess from 'node:child_process';
import * as path from 'node:path';

import { info } from '../lib/runtime';

function printInfo(json: boolean): void {
  const i = info();
  if (json) {
    process.stdout.write(`${JSON.stringify(i, null, 2)}\n`);
    return;
  }
  const lines = [
    `recurrent ${i.version}`,
    `binary:      ${i.binary.file} (${i.binary.source === 'prebuild' ? 'prebuilt' : 'local build'})`,
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
    '  info [--json]   which binary, instruction set, threads and GPU are in use',
    '  bench [--quick] [--workload W2] [--compare torch,tfjs] [--threads N]',
    '                  the benchmark workloads against PyTorch and TensorFlow.js',
  ].join('\n');
}

// The harness runs in its own process (it spawns the peers and may take minutes).
function runBench(args: string[]): number {
  const script = path.join(__dirname, '..', 'bench', 'run.js');
  const r = childProcess.spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info':
      printInfo(rest.includes('--json'));
      return 0;
    case 'bench':
      return runBench(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${usage()}\n`);
      return 0;
    default:
      process.stderr.write(`recurrent: unknown command '${command}'\n${usage()}\n`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
