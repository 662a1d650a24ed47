// The asynchronous forms of the model-file functions (lib/io/model_files_async.ts): they give
// the same files and values as the synchronous ones, refuse a directory that cannot be made
// (model.save('/proc/nope/x') used to loop forever inside Node's recursive mkdir), and keep
// the event loop free while a model of about 300 MB (Embedding(200000, 128) + GRU(128) with
// Adam's two slots per weight) is written and read: the test prints the lag it measured.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { makeDirectory, makeDirectorySync } from '../lib/io/make_directory';
import { readModelFiles, writeModelFiles, type ModelFilesToWrite } from '../lib/io/model_files';
import { readModelFilesAsync, writeModelFilesAsync } from '../lib/io/model_files_async';
import { writeFileAtomicAsync } from '../lib/io/atomic_write';

const root = fs.mkdtempSync(join(tmpdir(), 'recurrent-async-io-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

const topology = { class_name: 'Sequential', config: { name: 'm', layers: [] } };

function modelFiles(shapes: number[][], seed = 1): ModelFilesToWrite {
  let s = seed;
  const values = shapes.map((shape) => {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    return a;
  });
  return {
    topology,
    entries: shapes.map((shape, i) => ({ name: `w${i}`, shape, dtype: 'float32' as const })),
    values,
    seed,
    generatedBy: 'recurrent test',
    optimizer: { state: { step: 3, iterations: 3, slots: values.flatMap((v) => [v.map((x) => x / 2), v.map((x) => x * x)]) }, iterations: 3 },
  };
}

test('writeModelFilesAsync and readModelFilesAsync give what the synchronous forms give', async (t) => {
  const shapes = [[5, 3], [3], [4, 12]];
  writeModelFiles(join(root, 'sync'), modelFiles(shapes));
  await writeModelFilesAsync(join(root, 'async', 'deeper'), modelFiles(shapes));
  const names = (d: string) => fs.readdirSync(d).sort();
  t.deepEqual(names(join(root, 'async', 'deeper')), names(join(root, 'sync')));
  for (const f of names(join(root, 'sync'))) t.deepEqual(fs.readFileSync(join(root, 'async', 'deeper', f)), fs.readFileSync(join(root, 'sync', f)), f);
  const a = await readModelFilesAsync(join(root, 'async', 'deeper'));
  const b = readModelFiles(join(root, 'sync'));
  t.deepEqual(a.values.map((v) => Array.from(v)), b.values.map((v) => Array.from(v)));
  t.deepEqual(a.optimizer, b.optimizer);
  t.deepEqual(a.topology, b.topology);
  await t.throwsAsync(readModelFilesAsync(join(root, 'missing')), { message: /loadModel\(.*missing\): cannot read '.*model\.json' \(ENOENT\)/ });
});

test("a directory that cannot be created is an error, not an endless loop (model.save('/proc/nope/x'))", (t) => {
  // In a child process with a time limit: the old recursive mkdir never returned here.
  const lib = join(__dirname, '..', 'lib');
  const script = `
    const { makeDirectory, makeDirectorySync } = require(${JSON.stringify(join(lib, 'io', 'make_directory.js'))});
    const { writeModelFilesAsync } = require(${JSON.stringify(join(lib, 'io', 'model_files_async.js'))});
    const r = require(${JSON.stringify(join(lib, 'index.js'))});
    (async () => {
      const out = [];
      try { makeDirectorySync('/proc/nope/x', 'save(/proc/nope/x)'); out.push('made'); } catch (e) { out.push(e.message); }
      try { await makeDirectory('/proc/nope/x', 'save(/proc/nope/x)'); out.push('made'); } catch (e) { out.push(e.message); }
      try { await writeModelFilesAsync('/proc/nope/x', { topology: {}, entries: [], values: [], seed: 1, generatedBy: 't' }); out.push('written'); } catch (e) { out.push(e.message); }
      const m = r.sequential([r.layers.dense({ units: 1, inputShape: [2] })]);
      try { await m.save('/proc/nope/x'); out.push('saved'); } catch (e) { out.push(e.message); }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  t.is(run.signal, null, 'the child hung and was killed');
  t.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as string[];
  t.is(out.length, 4);
  for (const m of out) t.regex(m, /^save\(\/proc\/nope\/x\): cannot create the directory '\/proc\/nope' \(ENOENT\)$/);
});

test('directories are made level by level; a file in the way is named', async (t) => {
  const file = join(root, 'a-file');
  fs.writeFileSync(file, 'x');
  t.throws(() => makeDirectorySync(join(file, 'sub'), 'save(x)'), { message: `save(x): '${file}' is not a directory, so '${join(file, 'sub')}' cannot be created in it` });
  await t.throwsAsync(makeDirectory(join(file, 'sub', 'deeper'), 'save(x)'), { message: /is not a directory/ });
  await makeDirectory(join(root, 'm1', 'm2', 'm3'), 'save');
  makeDirectorySync(join(root, 'm1', 'm2', 'm3', 'm4'), 'save');
  t.true(fs.statSync(join(root, 'm1', 'm2', 'm3', 'm4')).isDirectory());
});

interface Lag {
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}

async function measureLag(work: () => Promise<unknown>): Promise<Lag> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  h.disable();
  const ms = (ns: number) => ns / 1e6;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), seconds };
}

test('saving and loading a 307 MB model leaves the event loop free (lag printed)', async (t) => {
  // Embedding(200000, 128) + GRU(128, 128) + Dense(128, 1): weights and two Adam slots each.
  const files = modelFiles([[200000, 128], [128, 384], [128, 384], [2, 384], [128, 1], [1]]);
  const bytes = 3 * 4 * files.values.reduce((n, v) => n + v.length, 0);
  const dir = join(root, 'big');
  const write = await measureLag(() => writeModelFilesAsync(dir, files));
  const read = await measureLag(() => readModelFilesAsync(dir));
  const syncStart = process.hrtime.bigint();
  readModelFiles(dir);
  const syncReadMs = Number(process.hrtime.bigint() - syncStart) / 1e6;
  const pieces = [Buffer.alloc(bytes >> 1), Buffer.alloc(bytes - (bytes >> 1))];
  const atomic = await measureLag(() => writeFileAtomicAsync(join(root, 'big.bin'), pieces));
  const line = (what: string, l: Lag) => `${what}: ${l.seconds.toFixed(2)} s, event-loop lag p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`;
  t.log(`${(bytes / 1e6).toFixed(0)} MB of weights and optimizer slots`);
  t.log(line('writeModelFilesAsync', write));
  t.log(line('readModelFilesAsync ', read));
  t.log(line('writeFileAtomicAsync', atomic));
  t.log(`for comparison, readModelFiles (synchronous) held the event loop ${syncReadMs.toFixed(0)} ms`);
  t.true(bytes > 300e6);
  // Generous bounds: a shared machine's scheduler, not the library, decides the exact figures.
  for (const l of [write, read, atomic]) t.true(l.p99 < 200, `p99 ${l.p99} ms`);
});
