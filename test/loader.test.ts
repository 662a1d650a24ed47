// The loader: a local build first, then prebuilds/<platform>-<arch>/, and when neither
// loads, an error that names what was tried and what to run. Each case runs in a child
// process against a temporary copy of the package layout.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cpu, packageRoot } from '../lib/native';

const nativeJs = path.join(packageRoot, 'dist', 'lib', 'native.js');

function tempPackage(t: { teardown(fn: () => void): void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-loader-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.copyFileSync(path.join(packageRoot, 'package.json'), path.join(root, 'package.json'));
  fs.copyFileSync(path.join(packageRoot, 'binding.gyp'), path.join(root, 'binding.gyp'));
  return root;
}

function loadIn(root: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    const native = require(${JSON.stringify(nativeJs)});
    try {
      const loaded = native.loadCpuBinary(${JSON.stringify(root)});
      const info = loaded.binding.runtimeInfo();
      process.stdout.write(JSON.stringify({ source: loaded.source, file: loaded.file, isa: info.isa }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: err.name, message: err.message }));
    }`;
  const r = childProcess.spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('with only prebuilds/ (no build/), the prebuilt binary loads', (t) => {
  const root = tempPackage(t);
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(dir, { recursive: true });
  // prebuildify --napi writes prebuilds/<platform>-<arch>/<package name>.node
  fs.copyFileSync(cpu().file, path.join(dir, 'recurrent.node'));
  const r = loadIn(root);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { source: string; file: string; isa: string };
  t.is(out.source, 'prebuild');
  t.is(out.file, path.join(dir, 'recurrent.node'));
  t.truthy(out.isa);
});

test('a local build is preferred over prebuilds', (t) => {
  const root = tempPackage(t);
  const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const built = path.join(root, 'build', 'Release');
  fs.mkdirSync(prebuilt, { recursive: true });
  fs.mkdirSync(built, { recursive: true });
  fs.copyFileSync(cpu().file, path.join(prebuilt, 'recurrent.node'));
  fs.copyFileSync(cpu().file, path.join(built, 'recurrent.node'));
  const out = JSON.parse(loadIn(root).stdout) as { source: string };
  t.is(out.source, 'build');
});

test('with neither, the error names the platform, what was tried and what to run', (t) => {
  const root = tempPackage(t);
  const r = loadIn(root);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { error: string; message: string };
  t.is(out.error, 'NativeLoadError');
  t.regex(out.message, new RegExp(`platform: ${process.platform}, arch: ${process.arch}, libc: `));
  t.regex(out.message, /Node-API \d+/);
  t.true(out.message.includes(path.join(root, 'build', 'Release', 'recurrent.node')));
  t.true(out.message.includes(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`)));
  t.regex(out.message, /npm run build:native/);
});

test('a corrupt binary is an error with the reason, not a crash', (t) => {
  const root = tempPackage(t);
  const built = path.join(root, 'build', 'Release');
  fs.mkdirSync(built, { recursive: true });
  fs.writeFileSync(path.join(built, 'recurrent.node'), Buffer.from('not an ELF file at all'));
  const out = JSON.parse(loadIn(root).stdout) as { error: string; message: string };
  t.is(out.error, 'NativeLoadError');
  t.regex(out.message, /reason: .*(invalid ELF header|file too short)/);
});
