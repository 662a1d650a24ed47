// Builds the MPI addon (native/mpi/build/Release/recurrent_mpi.node, data-parallel training
// over MPI: lib/distributed/) where an MPI compiler wrapper is on the PATH, and otherwise
// says why it is skipped and succeeds, so the plain install needs no MPI. node-gyp runs in
// native/mpi with CXX and LINK set to mpicxx, which adds MPI's include and library flags.
//   node release/build_mpi_if_available.js              build (or rebuild) now
//   node release/build_mpi_if_available.js --if-missing  only when no build exists (npm install's prepare step)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'native', 'mpi');
const output = path.join(dir, 'build', 'Release', 'recurrent_mpi.node');
const args = process.argv.slice(2);
for (const a of args) {
  if (a !== '--if-missing') {
    process.stderr.write(`build_mpi_if_available: unknown argument '${a}' (expected --if-missing or nothing)\n`);
    process.exit(2);
  }
}
if (args.includes('--if-missing') && fs.existsSync(output)) process.exit(0);

function onPath(name) {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  }
  return undefined;
}

const mpicxx = onPath('mpicxx');
if (!mpicxx || !onPath('mpicc')) {
  process.stdout.write(
    'recurrent: the MPI addon (distributed training) is not built: no MPI compiler wrapper (mpicc, mpicxx) on the PATH. ' +
      'Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and run npm run build:mpi to add it.\n',
  );
  process.exit(0);
}
const nodeGyp = process.env.npm_config_node_gyp;
const [command, gypArgs] = nodeGyp ? [process.execPath, [nodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(command, gypArgs, { cwd: dir, stdio: 'inherit', env: { ...process.env, CXX: mpicxx, LINK: mpicxx } });
if (r.error) {
  process.stderr.write(`build_mpi_if_available: cannot run node-gyp (${r.error.message})\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
