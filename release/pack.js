// Packs what a release publishes into a directory (default release/out): the main package
// and each platform package whose binary has been built (packages/<platform>/*.node).
//
//   node release/pack.js [DIR]
//
// The main package is packed from a staged copy whose package.json keeps only what an
// installed package needs: no lifecycle script (a checkout's `prepare` builds the addon, an
// installed package must not run anything at install), no devDependencies, and of the
// scripts only build:native and build:mpi, which `recurrent build-from-source` and
// `recurrent build-mpi` run. Each platform package
// gets a copy of LICENSE.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] || path.join(root, 'release', 'out'));
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const run = (args, cwd) => execFileSync(npm[0], [...npm.slice(1), ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

fs.mkdirSync(out, { recursive: true });
const stage = fs.mkdtempSync(path.join(out, '.stage-'));
try {
  const [listing] = JSON.parse(run(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
  for (const { path: file } of listing.files) {
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(stage, file));
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  pkg.scripts = { 'build:native': pkg.scripts['build:native'], 'build:mpi': pkg.scripts['build:mpi'] };
  delete pkg.devDependencies;
  delete pkg.ava;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const [main] = JSON.parse(run(['pack', '--json', '--ignore-scripts', '--pack-destination', out], stage));
  process.stdout.write(`${path.join(out, main.filename)}\n`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
for (const platform of fs.readdirSync(path.join(root, 'packages')).sort()) {
  const dir = path.join(root, 'packages', platform);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const binary = manifest.files.find((f) => f.endsWith('.node'));
  if (!fs.existsSync(path.join(dir, binary))) {
    process.stderr.write(`pack: ${manifest.name} skipped: packages/${platform}/${binary} is not built\n`);
    continue;
  }
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
  const [packed] = JSON.parse(run(['pack', '--json', '--pack-destination', out], dir));
  process.stdout.write(`${path.join(out, packed.filename)}\n`);
}
