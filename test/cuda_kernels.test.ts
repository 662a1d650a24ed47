// The CUDA backend's kernels without a GPU: test/native/cuda_kernels_test.cc and the
// kernel sources (native/sources.json's cuda_kernels group, kernels/<group>/<group>_cuda.cu)
// compiled here with the host C++ compiler under the SIMT emulation (simt group:
// kernels/cuda/simt_host.cc), where blocks, threads, shared memory, barriers and warp
// shuffles run as fibers. The program checks the emulation itself, then every kernel
// against the reference backend's formulas on odd shapes (normalized error <= 1e-5, or
// bitwise where the op's order is the reference's). The same program, built with nvcc,
// runs on a GPU in bench/cuda/device_check.sh.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { packageRoot } from '../lib/native';

const compiler = process.env.CXX ?? 'c++';
const compilerMissing = childProcess.spawnSync(compiler, ['--version'], { encoding: 'utf8' }).status !== 0;
const sources = JSON.parse(fs.readFileSync(path.join(packageRoot, 'native', 'sources.json'), 'utf8')) as Record<string, string[]>;

(compilerMissing ? test.skip : test)('CUDA kernels under the SIMT emulation match the reference (test/native/cuda_kernels_test.cc)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-simt-'));
  try {
    const binary = path.join(dir, 'cuda_kernels_test');
    const args = ['-std=c++17', '-O2', '-Inative', '-x', 'c++', ...sources.cuda_kernels, '-x', 'none', ...sources.simt,
      'native/kernels/gemm/gemm_reference.cc', 'native/kernels/rnn/rnn_reference.cc', 'test/native/cuda_kernels_test.cc', '-o', binary];
    const build = childProcess.spawnSync(compiler, args, { cwd: packageRoot, encoding: 'utf8' });
    t.is(build.status, 0, `compiling the emulated kernels failed:\n${build.stderr}`);
    const run = childProcess.spawnSync(binary, [], { encoding: 'utf8', timeout: 120000 });
    const lines = run.stdout.trim().split('\n');
    t.log(`${lines.filter((l) => l.startsWith('ok')).length} checks passed; ${lines.filter((l) => l.startsWith('FAIL')).join('; ') || 'none failed'}`);
    t.is(run.signal, null, `the kernel test was killed by ${run.signal}: ${run.stderr}`);
    t.is(run.status, 0, run.stdout + run.stderr);
    t.regex(run.stdout, /^kernels emulated$/m);
    t.regex(run.stdout, /^0 failed$/m);
    t.true(lines.length > 50, 'every check ran');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
if (compilerMissing) console.log(`cuda_kernels.test: skipping: no C++ compiler (${compiler}) to build test/native/cuda_kernels_test.cc`);
