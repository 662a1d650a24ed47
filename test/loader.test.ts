// The loader: a local build first, then the binary of this platform's package
// (@recurrent/<platform>-<arch>[-musl]), and when neither loads, an error that names what was
// tried and what to do. Each case runs in a child process against a temporary copy of the
// package layout.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cpu, packageRoot } from '../lib/native';
import { platformPackage } from '../lib/platform_package';

const nativeJs = path.join(packageRoot, 'dist', 'lib', 'native.js');
const ownPackage = platformPackage('recurrent.node');

function tempPackage(t: { teardown(fn: () => void): void }, installed = false): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-loader-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  // An installed package lives in node_modules/recurrent; a checkout anywhere.
  const root = installed ? path.join(base, 'node_modules', 'recurrent') : base;
  fs.mkdirSync(root, { recursive: true });
  fs.copyFileSync(path.join(packageRoot, 'package.json'), path.join(root, 'package.json'));
  fs.copyFileSync(path.join(packageRoot, 'binding.gyp'), path.join(root, 'binding.gyp'));
  return root;
}

/** Puts a platform package with `binary` where require finds it from root. */
function installPlatformPackage(root: string, binary: Buffer): string {
  const dir = path.join(root.endsWith(path.join('node_modules', 'recurrent')) ? path.dirname(root) : path.join(root, 'node_modules'), ...ownPackage!.name.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: ownPackage!.name, version: '0.1.0' }));
  fs.writeFileSync(path.join(dir, 'recurrent.node'), binary);
  return path.join(dir, 'recurrent.node');
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

test('an installed package without a local build loads the binary of its platform package', (t) => {
  if (!ownPackage) return t.log(`skipped: no platform package is published for ${process.platform}-${process.arch}`), t.pass();
  const root = tempPackage(t, true);
  const file = installPlatformPackage(root, fs.readFileSync(cpu().file));
  const r = loadIn(root);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { source: string; file: string; isa: string };
  t.is(out.source, 'package');
  t.is(out.file, file);
  t.truthy(out.isa);
});

test('a local build is preferred over the platform package', (t) => {
  if (!ownPackage) return t.log(`skipped: no platform package for ${process.platform}-${process.arch}`), t.pass();
  const root = tempPackage(t);
  installPlatformPackage(root, fs.readFileSync(cpu().file));
  const built = path.join(root, 'build', 'Release');
  fs.mkdirSync(built, { recursive: true });
  fs.copyFileSync(cpu().file, path.join(built, 'recurrent.node'));
  const out = JSON.parse(loadIn(root).stdout) as { source: string };
  t.is(out.source, 'build');
});

test('with neither, the error names the platform, every path tried, and what to do', (t) => {
  const root = tempPackage(t, true);
  const r = loadIn(root);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { error: string; message: string };
  t.is(out.error, 'NativeLoadError');
  t.regex(out.message, new RegExp(`platform: ${process.platform}, arch: ${process.arch}, libc: (glibc [\\d.]+|musl|n/a), Node ${process.versions.node}, Node-API \\d+`));
  t.true(out.message.includes(`${path.join(root, 'build', 'Release', 'recurrent.node')} (missing)`), out.message);
  if (ownPackage) {
    t.regex(out.message, new RegExp(`${ownPackage.name.replace('/', '\\/')}/recurrent\\.node \\(${ownPackage.name.replace('/', '\\/')} is not installed\\)`));
    t.regex(out.message, /npm install --include=optional/);
  }
  t.regex(out.message, /npx recurrent build-from-source/);
  t.notRegex(out.message, /npm run build:cuda|prebuilds/);
});

test('a corrupt binary is an error with the reason, not a crash; a checkout is told to run npm run build:native', (t) => {
  const root = tempPackage(t);
  const built = path.join(root, 'build', 'Release');
  fs.mkdirSync(built, { recursive: true });
  fs.writeFileSync(path.join(built, 'recurrent.node'), Buffer.from('not an ELF file at all'));
  fs.mkdirSync(path.join(root, 'native'));
  fs.writeFileSync(path.join(root, 'native', 'sources.json'), '{}');
  const out = JSON.parse(loadIn(root).stdout) as { error: string; message: string };
  t.is(out.error, 'NativeLoadError');
  t.regex(out.message, /recurrent\.node \(failed to load: .*(invalid ELF header|file too short)/);
  t.regex(out.message, /npm run build:native/);
});
