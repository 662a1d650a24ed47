// The runtime API and the `recurrent info` CLI: instruction set, threads, binary.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as path from 'node:path';

import * as recurrent from '../lib/index';
import { packageRoot } from '../lib/native';

const cli = path.join(packageRoot, 'dist', 'bin', 'recurrent.js');

function runInfo(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = childProcess.spawnSync(process.execPath, [cli, 'info', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, RECURRENT_ISA: '', RECURRENT_NUM_THREADS: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('info reports the best instruction set the CPU has, and the thread count', (t) => {
  const r = runInfo({});
  t.is(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as recurrent.Info;
  t.is(info.isa, info.isaAvailable[info.isaAvailable.length - 1]);
  t.true(info.isaAvailable.includes('scalar'));
  t.true(info.threads >= 1);
  t.is(info.binary.source, 'build');
  t.true(info.binary.file.endsWith('recurrent.node'));
  t.is(typeof info.cuda.available, 'boolean');
  if (!info.cuda.available) t.truthy(info.cuda.reason, 'says why CUDA is not in use');
});

test('RECURRENT_ISA forces each available lower level', (t) => {
  const available = recurrent.info().isaAvailable;
  for (const isa of available) {
    const r = runInfo({ RECURRENT_ISA: isa });
    t.is(r.status, 0, r.stderr);
    t.is((JSON.parse(r.stdout) as recurrent.Info).isa, isa);
  }
});

test('RECURRENT_ISA naming an unknown or unsupported level is a clear error', (t) => {
  const bad = runInfo({ RECURRENT_ISA: 'avx1024' });
  t.not(bad.status, 0);
  t.regex(bad.stderr, /RECURRENT_ISA='avx1024' is not an instruction set: use scalar, avx2, avx512, avx512bf16 or amx/);
  const available = recurrent.info().isaAvailable;
  const missing = (['avx2', 'avx512', 'avx512bf16', 'amx'] as const).find((i) => !available.includes(i));
  if (missing) {
    const r = runInfo({ RECURRENT_ISA: missing });
    t.not(r.status, 0);
    t.regex(r.stderr, /supports at most/);
  }
});

test('RECURRENT_NUM_THREADS sets the default thread count', (t) => {
  const r = runInfo({ RECURRENT_NUM_THREADS: '1' });
  t.is(r.status, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as recurrent.Info).threads, 1);
});

test.serial('setNumThreads and setIsa change the runtime, with clear errors for bad values', (t) => {
  const before = recurrent.getNumThreads();
  t.is(recurrent.setNumThreads(1), 1);
  t.is(recurrent.getNumThreads(), 1);
  t.is(recurrent.setNumThreads(3), 3);
  recurrent.setNumThreads(0);
  t.is(recurrent.getNumThreads(), recurrent.info().threads);
  recurrent.setNumThreads(before);
  t.throws(() => recurrent.setNumThreads(-1), { instanceOf: RangeError });
  t.throws(() => recurrent.setNumThreads(1.5), { instanceOf: RangeError });

  const isa = recurrent.getIsa();
  recurrent.setIsa('scalar');
  t.is(recurrent.getIsa(), 'scalar');
  recurrent.setIsa(isa);
  t.is(recurrent.getIsa(), isa);
  t.throws(() => recurrent.setIsa('sse9' as recurrent.Isa), { instanceOf: RangeError, message: /not one of/ });
});

test('the CLI prints a readable summary and rejects unknown commands', (t) => {
  const ok = childProcess.spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8' });
  t.is(ok.status, 0);
  t.regex(ok.stdout, /^recurrent \d+\.\d+\.\d+/);
  t.regex(ok.stdout, /isa: +(amx|avx512bf16|avx512|avx2|scalar)/);
  t.regex(ok.stdout, /cuda: /);
  t.regex(ok.stdout, /backend: +cpu \(the default; /);
  const chosen = childProcess.spawnSync(process.execPath, [cli, 'info', '--json'], { encoding: 'utf8', env: { ...process.env, RECURRENT_BACKEND: 'cuda-emulated' } });
  t.deepEqual((JSON.parse(chosen.stdout) as recurrent.Info).backend, { name: 'cuda-emulated', reason: 'RECURRENT_BACKEND=cuda-emulated' });
  const bad = childProcess.spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /unknown command 'frobnicate'/);
});
