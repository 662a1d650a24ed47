// Files that are not what a loader expects: FIFOs, devices and directories given as paths
// (a plain open or read of a FIFO waits forever for a writer, /dev/zero never ends), zip
// archives that inflate to gigabytes or hold gigabytes of junk, binary files given as GloVe
// text, and sizes that cannot fit. Each is a reproducer of issue 13: every one must end in a
// clear, rejected error, quickly. The path cases run in a child process with a time limit, so
// that a loader that hangs fails the test instead of stalling the run.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { data, io, layers as L, loadModel, sequential } from '../lib/index';
import { readZipArchive } from '../lib/data/zip_archive';
import { setMemoryLimit } from '../lib/memory_limit';
import { zipArchive } from './support/zip_writer';

const root = fs.mkdtempSync(join(tmpdir(), 'recurrent-hostile-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
const lib = join(__dirname, '..', 'lib', 'index.js');
const KERAS_FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'io');

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

// The child: every loader on the paths of each kind; prints [loader, kind, outcome, ms] rows.
const child = `
const r = require(${JSON.stringify(lib)});
const paths = JSON.parse(process.argv[1]);
const model = () => r.sequential([r.layers.dense({ units: 2, inputShape: [3] })]);
const loaders = {
  loadModel: (p) => r.loadModel(p.modelDir),
  importKerasWeights: (p) => r.io.importKerasWeights(model(), p.file),
  'importKerasWeights(.keras)': (p) => r.io.importKerasWeights(model(), p.keras),
  importSafetensors: (p) => r.io.importSafetensors(model(), p.file),
  readKeras2Weights: (p) => r.io.readKeras2Weights(p.file),
  readKeras3Weights: (p) => r.io.readKeras3Weights(p.file),
  loadImdbNpz: async (p) => r.data.loadImdbNpz(p.file),
  loadGlove: (p) => r.data.loadGlove(p.file, { wordIndex: { the: 1 }, dim: 3 }),
};
(async () => {
  const rows = [];
  for (const [name, load] of Object.entries(loaders)) {
    for (const [kind, p] of Object.entries(paths)) {
      const t0 = Date.now();
      try { await load(p); rows.push([name, kind, 'loaded', Date.now() - t0]); }
      catch (e) { rows.push([name, kind, e instanceof Error ? e.message : 'non-Error: ' + String(e), Date.now() - t0]); }
    }
  }
  process.stdout.write(JSON.stringify(rows));
})().catch((e) => { console.error(e); process.exit(3); });
`;

/** For each kind, a plain path, one ending in .keras, and a model directory whose model.json is of that kind. */
function hostilePaths(): Record<'fifo' | 'dev-zero' | 'directory', { file: string; keras: string; modelDir: string }> {
  const kinds = { fifo: {}, 'dev-zero': {}, directory: {} } as Record<'fifo' | 'dev-zero' | 'directory', { file: string; keras: string; modelDir: string }>;
  const make = (kind: keyof typeof kinds, at: string) => {
    if (kind === 'fifo') spawnSync('mkfifo', [at]);
    else if (kind === 'dev-zero') fs.symlinkSync('/dev/zero', at);
    else fs.mkdirSync(at);
  };
  for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
    const dir = join(root, kind);
    fs.mkdirSync(join(dir, 'model'), { recursive: true });
    kinds[kind] = { file: join(dir, 'weights.h5'), keras: join(dir, 'model.keras'), modelDir: join(dir, 'model') };
    make(kind, kinds[kind].file);
    make(kind, kinds[kind].keras);
    make(kind, join(dir, 'model', 'model.json'));
  }
  return kinds;
}

test('FIFOs, /dev/zero and directories are refused by every loader, at once', (t) => {
  if (!haveMkfifo) {
    t.log('skipped: no mkfifo command on this machine');
    t.pass();
    return;
  }
  const run = spawnSync(process.execPath, ['-e', child, JSON.stringify(hostilePaths())], { encoding: 'utf8', timeout: 90_000 });
  t.is(run.signal, null, `the child was killed (${run.signal}): a loader hangs; stderr: ${run.stderr.slice(-1500)}`);
  t.is(run.status, 0, run.stderr.slice(-1500));
  t.is(run.stderr, '', 'nothing is printed on stderr');
  const rows = JSON.parse(run.stdout) as [string, string, string, number][];
  t.is(rows.length, 8 * 3);
  const expected: Record<string, RegExp> = {
    fifo: /is a FIFO \(named pipe\), expected a regular file/,
    'dev-zero': /is a character device, expected a regular file/,
    directory: /is a directory, expected a regular file/,
  };
  for (const [loader, kind, outcome, ms] of rows) {
    t.regex(outcome, expected[kind], `${loader} on ${kind}`);
    t.true(ms < 10_000, `${loader} on ${kind} took ${ms} ms`);
  }
});

test('loadGlove rejects binary files and absurd sizes with clear errors (the process lives on)', async (t) => {
  const noNewline = join(root, 'binary-long.bin');
  fs.writeFileSync(noNewline, Buffer.alloc(3 << 20, 0xab));
  await t.throwsAsync(data.loadGlove(noNewline, { wordIndex: { the: 1 }, dim: 3 }), { message: /binary-long\.bin:1: a line longer than 1048576 bytes/ });
  const notUtf8 = join(root, 'binary-lines.bin');
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251 === 10 ? 0xff : (i * 7919) % 251;
  bytes[100] = 10;
  fs.writeFileSync(notUtf8, bytes);
  await t.throwsAsync(data.loadGlove(notUtf8, { wordIndex: { the: 1 }, dim: 3 }), { message: /binary-lines\.bin:1: not UTF-8 text/ });
  // A word index that asks for 2^31 rows of 300 floats: refused before allocating, with the estimate.
  const small = join(root, 'glove.txt');
  fs.writeFileSync(small, 'the 1 2 3\n');
  await t.throwsAsync(data.loadGlove(small, { wordIndex: { the: 2 ** 31 }, dim: 300 }), {
    instanceOf: RangeError,
    message: /needs about 2579\.13 GB \(2147483649 rows x 300 float32 values\), more than the memory limit of/,
  });
  await t.throwsAsync(data.loadGlove(small, { wordIndex: { the: 1.5 }, dim: 3 }), { message: /wordIndex\['the'\] must be a non-negative integer row, received 1.5/ });
  await t.throwsAsync(data.loadGlove(small, { wordIndex: { the: '1' } as unknown as Record<string, number>, dim: 3 }), { message: /received '1'/ });
  const ok = await data.loadGlove(small, { wordIndex: { the: 1 }, dim: 3 });
  t.deepEqual(Array.from(ok.matrix.data), [0, 0, 0, 1, 2, 3]);
});

const kerasFiles = {
  config: fs.readFileSync(join(KERAS_FIXTURES, 'keras_model.keras')),
  weights: fs.readFileSync(join(KERAS_FIXTURES, 'keras_model.weights.h5')),
};

function kerasModel() {
  // The architecture of test/fixtures/io (make_io_fixtures.py).
  return sequential([
    L.lstm({ units: 5, returnSequences: true, inputShape: [6, 4] }),
    L.bidirectional({ layer: L.gru({ units: 3, resetAfter: false, returnSequences: true }) }),
    L.timeDistributed({ layer: L.dense({ units: 4, activation: 'tanh' }) }),
    L.gru({ units: 3 }),
    L.dense({ units: 2 }),
  ]);
}

test('a .keras zip bomb is refused before it inflates, a lying directory when it inflates past what it declared', async (t) => {
  const bomb = join(root, 'bomb.keras');
  // 256 MiB of zeros deflate to about 256 KiB.
  fs.writeFileSync(bomb, zipArchive([{ name: 'model.weights.h5', content: Buffer.alloc(256 << 20), deflate: true }]));
  t.true(fs.statSync(bomb).size < 1 << 20);
  const started = process.memoryUsage().rss;
  await t.throwsAsync(io.importKerasWeights(kerasModel(), bomb, { maxInflatedBytes: 64 << 20 }), {
    instanceOf: RangeError,
    message: /bomb\.keras\): inflating "model\.weights\.h5" needs about 0\.27 GB \(268435456 bytes declared by the zip directory\), more than the memory limit of 0\.07 GB/,
  });
  const liar = join(root, 'liar.keras');
  fs.writeFileSync(liar, zipArchive([{ name: 'model.weights.h5', content: Buffer.alloc(256 << 20), deflate: true, declaredSize: 1024 }]));
  await t.throwsAsync(io.importKerasWeights(kerasModel(), liar), { message: /"model\.weights\.h5" inflates to more than the 1024 bytes the directory declares/ });
  t.true(process.memoryUsage().rss - started < 128 << 20, 'neither archive was inflated whole');
});

test('a .keras with gigabytes of junk entries loads without inflating them', async (t) => {
  const junk = join(root, 'junk.keras');
  const config = readZipArchive(kerasFiles.config, 'fixture').get('config.json')!;
  fs.writeFileSync(junk, zipArchive([
    { name: 'junk-1.bin', content: Buffer.alloc(1024), deflate: true, declaredSize: 6 * 2 ** 30 },
    { name: 'config.json', content: config },
    { name: 'model.weights.h5', content: kerasFiles.weights, deflate: true },
    { name: 'junk-2.bin', content: Buffer.alloc(1024), deflate: true, declaredSize: 2 ** 40 },
  ]));
  const model = kerasModel();
  await io.importKerasWeights(model, junk);
  const reference = kerasModel();
  await io.importKerasWeights(reference, join(KERAS_FIXTURES, 'keras_model.weights.h5'));
  t.deepEqual(model.getWeights().map((w) => Array.from(w.data)), reference.getWeights().map((w) => Array.from(w.data)));
});

test('zip archives with too many entries, and npz bombs, are refused with the numbers', (t) => {
  const many = join(root, 'many.npz');
  fs.writeFileSync(many, zipArchive(Array.from({ length: 10_001 }, (_, i) => ({ name: `a${i}.npy`, content: Buffer.alloc(0) }))));
  t.throws(() => data.loadImdbNpz(many), { message: /10001 entries, more than the 10000 allowed/ });
  t.throws(() => data.loadImdbNpz(many, { maxEntries: 20_000 }), { message: /no x_train\.npy in the archive/ });
  const bomb = join(root, 'imdb-bomb.npz');
  fs.writeFileSync(bomb, zipArchive(['x_train', 'y_train', 'x_test', 'y_test'].map((k) => ({ name: `${k}.npy`, content: Buffer.alloc(64 << 20), deflate: true }))));
  const previous = setMemoryLimit(128 << 20);
  try {
    t.throws(() => data.loadImdbNpz(bomb), { instanceOf: RangeError, message: /needs about 0\.27 GB \(268435456 bytes declared by the zip directory\), more than the memory limit of 0\.13 GB/ });
  } finally {
    setMemoryLimit(previous);
  }
});

test('a model.json whose layer config nests thousands of levels deep is a clear error, not a stack overflow', async (t) => {
  const dir = join(root, 'deep-model');
  fs.mkdirSync(dir);
  // Written as text: JSON.stringify itself overflows the stack on such a value.
  const depth = 20_000;
  const layer = '{"class_name": "TimeDistributed", "config": {"layer": '.repeat(depth) + '{"class_name": "Dense", "config": {"units": 1}}' + '}}'.repeat(depth);
  fs.writeFileSync(join(dir, 'model.json'), `{"format": "layers-model", "modelTopology": {"class_name": "Sequential", "config": {"layers": [${layer}]}}, "weightsManifest": [{"paths": ["w.bin"], "weights": []}]}`);
  await t.throwsAsync(loadModel(dir), { instanceOf: RangeError, message: /model\.json: the JSON nests deeper than 64 levels/ });
});
