// Crash safety of save(): a save that never reaches its final rename (a crash, simulated
// here by a failing rename, and real SIGKILLs of a child process in mid-save) leaves the
// previous model in place, whole and loadable.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFiles, writeModelFiles } from '../lib/io/model_files';
import { layers as L, loadModel, sequential, Sequential, Tensor } from '../lib/index';

// The module object itself (what lib/io calls through), not the import's read-only view.
const fsModule = require('node:fs') as { renameSync: typeof fs.renameSync };
const root = fs.mkdtempSync(join(tmpdir(), 'recurrent-atomic-'));
const x = new Tensor(Float32Array.from({ length: 2 * 6 * 8 }, (_, i) => Math.sin(i)), [2, 6, 8]);

function build(seed: number, units = 16): Sequential {
  return sequential([L.lstm({ units, returnSequences: true, inputShape: [6, 8] }), L.gru({ units }), L.dense({ units: 2 })], { seed });
}

async function prediction(m: Sequential): Promise<string> {
  return Buffer.from((await m.predict(x)).data.buffer).toString('hex');
}

test('a save whose model.json rename fails leaves the old model loadable', async (t) => {
  const dir = join(root, 'rename');
  const old = build(1);
  await old.save(dir);
  const before = fs.readdirSync(dir).sort();
  // save() writes in a worker thread, which this process's fs cannot reach into: the
  // commit logic it runs is writeModelFiles, called here with another model's files.
  const other = join(root, 'rename-source');
  await build(2).save(other);
  const files = readModelFiles(other);
  const rename = fsModule.renameSync;
  fsModule.renameSync = (from, to) => {
    if (String(to).endsWith('model.json')) throw new Error('simulated crash before the commit');
    rename(from, to);
  };
  try {
    t.throws(() => writeModelFiles(dir, { ...files, seed: files.seed ?? 0, generatedBy: 'test' }), { message: /simulated crash/ });
  } finally {
    fsModule.renameSync = rename;
  }
  t.is(await prediction((await loadModel(dir)) as Sequential), await prediction(old));
  t.true(before.every((f) => fs.readdirSync(dir).includes(f)), 'the old files are all still there');
  await build(2).save(dir);
  t.is(await prediction((await loadModel(dir)) as Sequential), await prediction(build(2)));
  t.false(fs.readdirSync(dir).some((f) => f.includes('.partial-')), 'no temporary files left');
});

test('SIGKILL in mid-save, many times: the directory always holds a whole model', async (t) => {
  const dir = join(root, 'kill');
  const seeds = [1, 2, 3];
  await build(seeds[0], 48).save(dir);
  const expected = new Set(await Promise.all(seeds.map((s) => prediction(build(s, 48)))));
  const script = join(root, 'saver.js');
  const lib = JSON.stringify(join(__dirname, '..', 'lib', 'index.js'));
  fs.writeFileSync(
    script,
    `const r = require(${lib});
const L = r.layers;
const models = [2, 3].map((seed) => r.sequential([L.lstm({ units: 48, returnSequences: true, inputShape: [6, 8] }), L.gru({ units: 48 }), L.dense({ units: 2 })], { seed }));
(async () => { process.stdout.write('ready\\n'); for (let i = 0; ; i++) await models[i % 2].save(process.argv[2]); })();`,
  );
  const rounds = 12;
  for (let round = 0; round < rounds; round++) {
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 5 + ((round * 37) % 60)));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const loaded = (await loadModel(dir)) as Sequential;
    t.true(expected.has(await prediction(loaded)), `round ${round}: the model is one of the saved ones`);
  }
});
