// Prints one group of native/sources.json for binding.gyp's command expansion:
//   node native/sources.js core|avx2|avx512|flags.avx2|flags.avx512
//   node ../sources.js mpi --from native/mpi   (paths relative to that folder's binding.gyp)
'use strict';
const list = require('./sources.json');
const key = process.argv[2] || '';
const fromIndex = process.argv.indexOf('--from');
const from = fromIndex > 0 ? process.argv[fromIndex + 1] : null;
const value = key.split('.').reduce((obj, k) => (obj == null ? undefined : obj[k]), list);
if (!Array.isArray(value)) {
  process.stderr.write(`native/sources.js: no list named '${key}' in native/sources.json\n`);
  process.exit(1);
}
// The AMX flags only where the compiler knows them (GCC 11 and later): without them
// isa_amx.cc builds no AMX level and the binary says so (runtime isaBuilt).
function compilerAccepts(flags) {
  const { spawnSync } = require('node:child_process');
  const cxx = process.env.CXX || 'c++';
  const r = spawnSync(cxx, [...flags, '-x', 'c++', '-fsyntax-only', '-'], { input: 'int main() { return 0; }\n', stdio: ['pipe', 'ignore', 'ignore'] });
  return r.status === 0;
}
let out = value;
if (key === 'flags.amx' && !compilerAccepts(['-mamx-tile', '-mamx-bf16'])) {
  out = value.filter((f) => f !== '-mamx-tile' && f !== '-mamx-bf16');
}
if (from) {
  const path = require('node:path');
  out = out.map((file) => path.posix.relative(from, file));
}
process.stdout.write(out.join(' '));
