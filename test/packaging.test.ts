// What a user installs: the main package has no install script (npm would otherwise run
// node-gyp for its binding.gyp: gypfile is false), names the platform packages as optional
// dependencies at its own version, each with the os/cpu/libc of lib/platform_package.ts; it
// ships a LICENSE, source maps that carry their sources, and loads h5wasm only inside the
// HDF5 worker.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';

import { PLATFORM_PACKAGES } from '../lib/platform_package';

const repo = join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, any>;

test('no install-time script; binding.gyp is not built implicitly', (t) => {
  for (const s of ['preinstall', 'install', 'postinstall']) t.is(pkg.scripts[s], undefined, s);
  t.is(pkg.gypfile, false);
  t.is(pkg.dependencies['node-gyp-build'], undefined);
});

test('the optional dependencies are the platform packages, at this version, each with its os/cpu/libc', (t) => {
  t.deepEqual(Object.keys(pkg.optionalDependencies).sort(), PLATFORM_PACKAGES.map((p) => p.name).sort());
  for (const p of PLATFORM_PACKAGES) {
    t.is(pkg.optionalDependencies[p.name], pkg.version, p.name);
    const manifest = JSON.parse(fs.readFileSync(join(repo, 'packages', p.name.split('/')[1], 'package.json'), 'utf8')) as Record<string, any>;
    t.is(manifest.name, p.name);
    t.is(manifest.version, pkg.version, `${p.name} version`);
    t.deepEqual(manifest.os, [p.os], `${p.name} os`);
    t.deepEqual(manifest.cpu, [p.cpu], `${p.name} cpu`);
    t.deepEqual(manifest.libc, p.libc ? [p.libc] : undefined, `${p.name} libc`);
    t.true(manifest.files.includes(p.binary), `${p.name} ships ${p.binary}`);
    t.is(manifest.license, pkg.license);
  }
});

test('license, repository and homepage; no registry host named', (t) => {
  t.is(pkg.license, 'MIT');
  const license = fs.readFileSync(join(repo, 'LICENSE'), 'utf8');
  t.regex(license, /^MIT License\n\nCopyright \(c\) \d{4} the recurrent authors\n/);
  t.truthy(pkg.repository?.url);
  t.truthy(pkg.homepage);
  t.notRegex(JSON.stringify([pkg.repository, pkg.homepage]), /npmjs|registry/);
});

test('the packed file list: compiled code with source maps that carry their sources, no tests or examples', (t) => {
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const r = spawnSync(npm[0], [...npm.slice(1), 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const f of ['LICENSE', 'dist/lib/index.js', 'dist/lib/io/hdf5_worker.js', 'dist/bin/recurrent.js', 'binding.gyp', 'release/build_native_if_missing.js']) t.true(files.includes(f), f);
  t.false(files.some((f) => /^(test|examples|dist\/test|dist\/examples|prebuilds|build|packages)\//.test(f)), 'no tests, examples or binaries');
  t.false(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources: the maps carry them');
  for (const map of files.filter((f) => f.endsWith('.js.map')).slice(0, 20)) {
    const m = JSON.parse(fs.readFileSync(join(repo, map), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    t.is(m.sourcesContent?.length, m.sources.length, `${map} carries its sources`);
  }
});

test('h5wasm is imported by the HDF5 worker only, never when recurrent is required', (t) => {
  const importers: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js') && /import\(['"]h5wasm|require\(['"]h5wasm/.test(fs.readFileSync(p, 'utf8'))) importers.push(p.slice(repo.length + 1));
    }
  };
  walk(join(repo, 'dist', 'lib'));
  t.deepEqual(importers, ['dist/lib/io/hdf5_worker.js']);
  // Requiring the package starts no worker and opens no port: only stdout's own pipe is active.
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(repo, 'dist', 'lib', 'index.js'))}); process.stdout.write(JSON.stringify(process.getActiveResourcesInfo()))`], { encoding: 'utf8' });
  t.deepEqual((JSON.parse(r.stdout) as string[]).filter((x) => !/^(PipeWrap|TTYWrap)$/.test(x)), [], r.stderr);
});
