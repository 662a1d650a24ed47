// binding.gyp and CMakeLists.txt must compile the same sources: both read
// native/sources.json, and every native source file is listed there.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot } from '../lib/native';

const read = (file: string) => fs.readFileSync(path.join(packageRoot, file), 'utf8');
const sources = JSON.parse(read('native/sources.json')) as Record<string, unknown>;

function walk(dir: string): string[] {
  return fs.readdirSync(path.join(packageRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name).split(path.sep).join('/')],
  );
}

test('binding.gyp takes every CPU source group from native/sources.json', (t) => {
  const gyp = read('binding.gyp');
  for (const group of ['core', 'cpu_entry', 'simt', 'cuda_emulated', 'avx2', 'avx512', 'avx512bf16', 'amx']) {
    t.true(gyp.includes(`node native/sources.js ${group})`), `binding.gyp lists the '${group}' group`);
  }
  for (const flags of ['flags.avx2', 'flags.avx512', 'flags.avx512bf16', 'flags.amx']) {
    t.true(gyp.includes(`node native/sources.js ${flags})`), `binding.gyp uses ${flags}`);
  }
  t.false(/\.(cc|cpp|cu)['"]/.test(gyp), 'binding.gyp names no source file of its own');
});

test('CMakeLists.txt reads the same groups from native/sources.json', (t) => {
  const cmake = read('CMakeLists.txt');
  t.true(cmake.includes('native/sources.json'));
  for (const group of ['core', 'cpu_entry', 'simt', 'cuda_emulated', 'avx2', 'avx512', 'avx512bf16', 'amx', 'cuda', 'cuda_kernels']) t.true(cmake.includes(`read_list(${group} `), group);
  for (const flags of ['avx2', 'avx512', 'avx512bf16', 'amx']) t.true(cmake.includes(`read_flags(${flags} `), flags);
  t.false(/native\/[^\s)"]+\.(cc|cpp|cu)\b/.test(cmake), 'CMakeLists.txt names no source file of its own');
});

test('every native source file is listed exactly once, and every listed file exists', (t) => {
  // simt: the host emulation of the CUDA kernels (in the main addon with cuda_emulated, the
  // kernels' host builds, and in test/cuda_kernels.test.ts);
  // mpi: the separate MPI addon (native/mpi/binding.gyp).
  const listed = ['core', 'cpu_entry', 'avx2', 'avx512', 'avx512bf16', 'amx', 'cuda', 'cuda_kernels', 'simt', 'cuda_emulated', 'mpi'].flatMap((g) => sources[g] as string[]);
  t.is(new Set(listed).size, listed.length, 'no duplicates');
  for (const file of listed) t.true(fs.existsSync(path.join(packageRoot, file)), `${file} exists`);
  const onDisk = walk('native').filter((f) => /\.(cc|cpp|cu)$/.test(f));
  t.deepEqual([...onDisk].sort(), [...listed].sort());
});

test('the MPI addon takes its sources from the mpi group', (t) => {
  const gyp = read('native/mpi/binding.gyp');
  t.true(gyp.includes('node ../sources.js mpi --from native/mpi)'));
  t.false(/\.(cc|cpp|cu)['"]/.test(gyp), 'native/mpi/binding.gyp names no source file of its own');
  const printed = execFileSync(process.execPath, ['../sources.js', 'mpi', '--from', 'native/mpi'], { cwd: path.join(packageRoot, 'native/mpi') }).toString();
  t.is(printed, 'mpi_binding.cc');
});

test('ISA flags stay in their own groups', (t) => {
  const flags = sources.flags as Record<string, string[]>;
  t.true(flags.avx2.includes('-mavx2') && flags.avx2.includes('-mfma'));
  t.true(flags.avx512.includes('-mavx512f'));
  t.true(flags.avx512bf16.includes('-mavx512bf16'));
  t.true(flags.amx.includes('-mamx-tile') && flags.amx.includes('-mamx-bf16'));
  for (const file of sources.core as string[]) t.false(/isa_(avx2|avx512|amx)/.test(file), `${file} is baseline code`);
});
