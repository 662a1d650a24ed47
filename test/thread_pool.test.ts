// The thread pool's contract below the JavaScript surface (exceptions thrown on a worker
// reach the caller, which turns them into JavaScript errors; workers run under the
// caller's flush-to-zero state; the phased loop of recurrent layers): test/native/thread_pool_test.cc,
// compiled here with the compiler that builds the addon against the pool's own sources.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { packageRoot } from '../lib/native';

const compiler = process.env.CXX ?? 'c++';
const compilerMissing = childProcess.spawnSync(compiler, ['--version'], { encoding: 'utf8' }).status !== 0;

(compilerMissing ? test.skip : test)('pool exceptions, float control and phased loops (test/native/thread_pool_test.cc)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-pool-'));
  try {
    const binary = path.join(dir, 'thread_pool_test');
    const sources = ['test/native/thread_pool_test.cc', 'native/runtime/thread_pool.cc', 'native/runtime/phased_loop.cc', 'native/runtime/flush_denormals.cc'];
    const build = childProcess.spawnSync(compiler, ['-std=c++17', '-O2', '-pthread', '-Inative', ...sources, '-o', binary], {
      cwd: packageRoot, encoding: 'utf8',
    });
    t.is(build.status, 0, `compiling the pool test failed:\n${build.stderr}`);
    const run = childProcess.spawnSync(binary, [], { encoding: 'utf8', timeout: 60000 });
    t.log(run.stdout.trim());
    t.is(run.signal, null, `the pool test was killed by ${run.signal}: ${run.stderr}`);
    t.is(run.status, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /^0 failed$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
if (compilerMissing) console.log(`thread_pool.test: skipping: no C++ compiler (${compiler}) to build test/native/thread_pool_test.cc`);
