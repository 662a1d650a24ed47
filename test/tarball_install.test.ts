// The tarballs a release publishes (release/pack.js) install into a fresh project on a PATH
// with no compiler, no make and no Python (only node and sh), and work there: the prebuilt
// binary of the platform package loads, `recurrent train demo` trains and writes into the
// project's directory, `recurrent bench` turns a missing TensorFlow.js into one line, and
// nothing is written into node_modules. Needs packages/linux-x64/recurrent.node (CI builds it
// first); elsewhere it is skipped with the command to build it.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const binary = join(repo, 'packages', 'linux-x64', 'recurrent.node');

/** Every file under dir with its size and mtime, to see that nothing changed. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out.push(`${p.slice(dir.length)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

test('the packed tarballs install and run with no compiler on PATH', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.log('skipped: the check installs the linux-x64 package'), t.pass();
  if (!fs.existsSync(binary)) {
    const why = 'packages/linux-x64/recurrent.node is not built (npm run build:release:linux-x64)';
    if (process.env.CI === 'true') return t.fail(`${why}: CI builds it before the tests`);
    return t.log(`skipped: ${why}`), t.pass();
  }
  const work = fs.mkdtempSync(join(tmpdir(), 'recurrent-tarball-'));
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const packed = execFileSync(process.execPath, [join(repo, 'release', 'pack.js'), join(work, 'packs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
  const main = packed.find((f) => f.endsWith('/recurrent-0.1.0.tgz') || /\/recurrent-\d[^/]*\.tgz$/.test(f))!;
  const platform = packed.find((f) => f.includes('recurrent-linux-x64-'))!;
  t.truthy(main && platform, packed.join(', '));

  // A PATH of node and sh only.
  const bin = join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, join(bin, 'node'));
  fs.symlinkSync('/bin/sh', join(bin, 'sh'));
  const env = { HOME: process.env.HOME ?? work, PATH: bin, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? work, '.npm') };
  const probe = spawnSync('/bin/sh', ['-c', 'command -v cc gcc g++ c++ clang make python3 node-gyp || true'], { env, encoding: 'utf8' });
  t.is(probe.stdout.trim(), '', 'no compiler, make or Python on the PATH');

  const app = join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  const npmCli = process.env.npm_execpath ?? fs.realpathSync(execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const started = Date.now();
  const install = spawnSync(process.execPath, [npmCli, 'install', '--prefer-offline', '--no-audit', '--no-fund', main, platform], { cwd: app, env, encoding: 'utf8', timeout: 240_000 });
  t.is(install.status, 0, install.stderr);
  t.notRegex(install.stderr, /install-scripts|gyp|prebuild/, 'no install script ran or was announced');
  t.log(`npm install of the two tarballs: ${((Date.now() - started) / 1000).toFixed(1)} s; ${install.stdout.trim().split('\n').pop()}`);
  const modules = join(app, 'node_modules');
  t.false(fs.existsSync(join(modules, 'recurrent', 'build')), 'nothing was compiled');
  const before = snapshot(modules);

  const cli = join(modules, 'recurrent', 'dist', 'bin', 'recurrent.js');
  const infoRun = spawnSync(process.execPath, [cli, 'info', '--json'], { cwd: app, env, encoding: 'utf8' });
  t.is(infoRun.status, 0, infoRun.stderr);
  const info = JSON.parse(infoRun.stdout) as { binary: { file: string; source: string }; cuda: { reason?: string } };
  t.is(info.binary.source, 'package');
  t.is(info.binary.file, join(modules, '@recurrent', 'linux-x64', 'recurrent.node'));
  t.notRegex(info.cuda.reason ?? '', /npm run build:cuda/);

  const demo = spawnSync(process.execPath, [cli, 'train', 'demo', '--epochs', '2'], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
  t.is(demo.status, 0, demo.stderr);
  t.regex(demo.stdout, /held-out accuracy:/);
  t.true(fs.existsSync(join(app, 'recurrent-demo', 'model.json')));

  const bench = spawnSync(process.execPath, [cli, 'bench', '--quick', '--workload', 'W5', '--compare', 'tfjs', '--no-fidelity'], { cwd: app, env, encoding: 'utf8', timeout: 240_000 });
  t.is(bench.status, 0, bench.stderr.slice(-2000));
  const tfjsLines = bench.stderr.split('\n').filter((l) => /TensorFlow\.js/.test(l));
  t.deepEqual(tfjsLines, [
    'TensorFlow.js (cpu) is not compared: @tensorflow/tfjs is not installed (npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm)',
    'TensorFlow.js (wasm) is not compared: @tensorflow/tfjs is not installed (npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm)',
  ]);
  t.notRegex(bench.stderr, /^\s+at /m, 'no stack trace');
  t.true(fs.readdirSync(app).some((f) => /^recurrent-bench-.*\.json$/.test(f)), 'the report is in the project directory');
  t.deepEqual(snapshot(modules), before, 'nothing was written into node_modules');
});
