// The HDF5 reader (lib/io/hdf5_file.ts) and the Keras layouts on top of it, on fixtures made
// with h5py (test/fixtures/make_hdf5_fixtures.py): Keras 2 weight and full-model files read
// to the recorded values; hostile files (a DAG of 2^40 paths, a cycle, 200 levels of groups,
// soft and external links, a virtual dataset, external raw storage) end quickly, either read
// once per object or refused, and never read the secret file the links point at; HDF5's own
// diagnostics never reach stderr. And the Keras 3 writer's files read back, here and in h5py.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readHdf5 } from '../lib/io/hdf5_file';
import { readKeras2Weights } from '../lib/io/keras2_weights_file';
import { readKeras3Weights, writeKeras3Weights } from '../lib/io/keras3_weights_file';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'hdf5');
const fixture = (name: string) => join(FIXTURES, name);
const root = fs.mkdtempSync(join(tmpdir(), 'recurrent-hdf5-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

interface ReferenceLayer {
  layerName: string;
  weights: { name: string; shape: number[]; data: number[] }[];
}
const reference = JSON.parse(fs.readFileSync(fixture('keras2_reference.json'), 'utf8')) as ReferenceLayer[];

for (const file of ['keras2_weights.h5', 'keras2_model.h5']) {
  test(`Keras 2 layout: ${file} gives every layer's weights in weight_names order`, async (t) => {
    const layers = await readKeras2Weights(fixture(file));
    t.deepEqual(layers.map((l) => l.layerName), ['embedding', 'lstm', 'dropout', 'bidirectional', 'dense']);
    t.deepEqual(
      layers.map((l) => ({ layerName: l.layerName, weights: l.weights.map((w) => ({ name: w.name, shape: w.shape, data: Array.from(w.data) })) })),
      reference.map((l) => ({ ...l, weights: l.weights.map((w) => ({ ...w, data: Array.from(Float32Array.from(w.data)) })) })),
    );
  });
}

test('each layout reader names the other layout when given its file', async (t) => {
  await t.throwsAsync(readKeras3Weights(fixture('keras2_model.h5')), { message: /no 'layers' group: not a Keras 3 weights file \(it is a Keras 2 \.h5 file: read it with readKeras2Weights\)/ });
  const keras3 = join(__dirname, '..', '..', 'test', 'fixtures', 'io', 'keras_model.weights.h5');
  await t.throwsAsync(readKeras2Weights(keras3), { message: /no layer_names attribute: not a Keras 2 weights file \(it is a Keras 3/ });
});

test('Keras 3 layout: variables per layer group in Keras order (vars, cell, layer, forward_layer, backward_layer)', async (t) => {
  const keras3 = join(__dirname, '..', '..', 'test', 'fixtures', 'io', 'keras_model.weights.h5');
  const layers = await readKeras3Weights(keras3);
  t.deepEqual(
    layers.map((l) => [l.layerName, l.variables.map((v) => `${v.path.split('/').slice(3).join('/')} [${v.shape.join(',')}]`)]),
    [
      ['bidirectional', ['forward_layer/cell/vars/0 [5,9]', 'forward_layer/cell/vars/1 [3,9]', 'forward_layer/cell/vars/2 [9]', 'backward_layer/cell/vars/0 [5,9]', 'backward_layer/cell/vars/1 [3,9]', 'backward_layer/cell/vars/2 [9]']],
      ['dense', ['vars/0 [3,2]', 'vars/1 [2]']],
      ['gru', ['cell/vars/0 [4,9]', 'cell/vars/1 [3,9]', 'cell/vars/2 [2,9]']],
      ['input_layer', []],
      ['lstm', ['cell/vars/0 [4,20]', 'cell/vars/1 [5,20]', 'cell/vars/2 [20]']],
      ['time_distributed', ['layer/vars/0 [6,4]', 'layer/vars/1 [4]']],
    ],
  );
});

// An exponential walk of the DAG would never end: the test's timeout is what catches it (no
// timing assertion: the machine may be loaded).
test('a DAG of 2^40 paths and a cycle are read once per object', async (t) => {
  const dag = await readHdf5(fixture('dag.h5'), 'dag');
  // /, /vars, /layers, dense, dense/vars and its 2 datasets, dense/chain and its 41 levels.
  t.is(dag.objects.size, 1 + 1 + 1 + 1 + 1 + 2 + 1 + 41);
  const layers = await readKeras3Weights(fixture('dag.h5'));
  t.deepEqual(layers[0].variables.map((v) => Array.from(v.data)), [[0, 1, 2, 3, 4, 5], [0.5, -0.5]]);
  const cycle = await readKeras3Weights(fixture('cycle.h5'));
  t.deepEqual(cycle.map((l) => [l.layerName, l.variables.length]), [['dense', 2]]);
});

test('depth, object count and memory are capped, with the numbers in the message', async (t) => {
  await t.throwsAsync(readHdf5(fixture('deep.h5'), "read('deep.h5')"), { message: /^read\('deep\.h5'\): groups nest deeper than 64 levels \(at \/layers\/deep\/g0\/\.\.\.\/g60\/g61\/g62\)$/ });
  await t.throwsAsync(readHdf5(fixture('dag.h5'), 'dag', { maxObjects: 10 }), { message: /more than 10 objects and links/ });
  await t.throwsAsync(readKeras2Weights(fixture('keras2_weights.h5'), { maxBytes: 100 }), { message: /reading 12 datasets needs about 0\.00 GB \(their values and a float32 copy of each\), more than the memory limit of 0\.00 GB/ });
});

test('soft links, external links, virtual datasets and external storage are refused; the secret is never read', async (t) => {
  const cases: [string, RegExp][] = [
    ['soft_link.h5', /\/layers\/dense\/vars\/0 is a soft link to '\/elsewhere' \(refused/],
    ['external_link.h5', /\/layers\/dense\/vars is an external link to 'secret\.h5:\/vars' \(refused\)/],
    ['virtual_dataset.h5', /\/layers\/dense\/vars\/0 is a virtual dataset whose data lies in 'secret\.h5' \(refused\)/],
    ['external_storage.h5', /HDF5 cannot read \/layers\/dense\/vars\/0: unable to open external raw data file .*\(HDF5 tried to open '.*secret\.bin', another file: refused\)/],
  ];
  for (const [file, message] of cases) {
    const err = await t.throwsAsync(readKeras3Weights(fixture(file)), { message });
    t.true(err!.message.startsWith(`readKeras3Weights('${fixture(file)}')`), 'the message names the file');
  }
});

test('big-endian datasets are read as their values', async (t) => {
  const layers = await readKeras3Weights(fixture('big_endian.h5'));
  t.deepEqual(layers[0].variables.map((v) => Array.from(v.data)), [[0, 1, 2, 3, 4, 5], [0.5, -0.5], [1.25, -2.5]]);
});

// The corrupt-file cases run in a child so that its stderr can be checked: HDF5 prints
// hundreds of diagnostic lines per failure unless its error handler is replaced.
test('corrupt files: one clear line naming the file, nothing on stderr, and the reader keeps working', (t) => {
  const good = join(__dirname, '..', '..', 'test', 'fixtures', 'io', 'keras_model.weights.h5');
  const bytes = fs.readFileSync(good);
  const files: string[] = [];
  for (let k = 0; k < 6; k++) {
    const b = Buffer.from(bytes);
    for (let i = 600 + k * 97; i < 4000; i += 13) b[i] ^= 0x5a;
    files.push(join(root, `corrupt-${k}.h5`));
    fs.writeFileSync(files[k], b);
  }
  fs.writeFileSync(join(root, 'truncated.h5'), bytes.subarray(0, 3000));
  files.push(join(root, 'truncated.h5'));
  const lib = join(__dirname, '..', 'lib', 'io', 'keras3_weights_file.js');
  const script = `
    const { readKeras3Weights } = require(${JSON.stringify(lib)});
    (async () => {
      const out = [];
      for (const f of ${JSON.stringify(files)}) {
        try { await readKeras3Weights(f); out.push('loaded'); } catch (e) { out.push(e.message); }
        const again = await readKeras3Weights(${JSON.stringify(good)});
        if (again.length !== 6) throw new Error('the reader broke');
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(3); });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
  t.is(run.status, 0, run.stderr.slice(-2000));
  t.is(run.stderr, '');
  const messages = JSON.parse(run.stdout) as string[];
  messages.forEach((m, i) => {
    if (m === 'loaded') return; // a flipped byte in padding is harmless
    t.true(m.startsWith(`readKeras3Weights('${files[i]}'): `), m);
    t.false(m.includes('\n'), `one line: ${m}`);
    t.notRegex(m, /HDF5-DIAG|H5[A-Z]\w+\.c line/);
  });
  t.regex(messages[messages.length - 1], /HDF5 cannot open the file \(truncated or corrupt/);
});

const havePythonH5py = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { encoding: 'utf8' }).status === 0;

test('the Keras 3 writer: its files read back here and in h5py, with the vars groups Keras keeps', async (t) => {
  const file = join(root, 'written.weights.h5');
  const kernel = Float32Array.from({ length: 6 }, (_, i) => i / 4 - 0.5);
  await writeKeras3Weights(file, [
    { layerPath: 'layers/dense', arrays: [{ shape: [3, 2], data: kernel.slice() }, { shape: [2], data: new Float32Array([1, -1]) }] },
    { layerPath: 'layers/lstm/cell', arrays: [{ shape: [1, 4], data: new Float32Array([0.1, 0.2, 0.3, 0.4]) }] },
  ]);
  const back = await readKeras3Weights(file);
  t.deepEqual(back.map((l) => [l.layerName, l.variables.map((v) => [v.path, v.shape, Array.from(v.data)])]), [
    ['dense', [['/layers/dense/vars/0', [3, 2], Array.from(kernel)], ['/layers/dense/vars/1', [2], [1, -1]]]],
    ['lstm', [['/layers/lstm/cell/vars/0', [1, 4], Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4]))]]],
  ]);
  t.deepEqual(fs.readdirSync(root).filter((f) => f.includes('.partial-')), [], 'no temporary file is left');
  if (!havePythonH5py) {
    t.log('h5py check skipped: /usr/bin/python3 cannot import h5py (apt-get install python3-h5py)');
    return;
  }
  const py = spawnSync('/usr/bin/python3', ['-c', `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
out = []
f.visititems(lambda name, o: out.append([name, o.dtype.str, list(o.shape), o[()].reshape(-1).tolist()] if isinstance(o, h5py.Dataset) else [name]))
print(json.dumps(out))`, file], { encoding: 'utf8' });
  t.is(py.status, 0, py.stderr);
  t.deepEqual(JSON.parse(py.stdout), [
    ['layers'], ['layers/dense'], ['layers/dense/vars'],
    ['layers/dense/vars/0', '<f4', [3, 2], Array.from(kernel)], ['layers/dense/vars/1', '<f4', [2], [1, -1]],
    ['layers/lstm'], ['layers/lstm/cell'], ['layers/lstm/cell/vars'], ['layers/lstm/cell/vars/0', '<f4', [1, 4], Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4]))],
    ['layers/lstm/vars'], ['vars'],
  ]);
});

test('the writer refuses malformed entries, naming them', async (t) => {
  const file = join(root, 'bad.weights.h5');
  await t.throwsAsync(writeKeras3Weights(file, [{ layerPath: '', arrays: [] }]), { message: /entries\[0\]\.layerPath must be a path like 'layers\/dense', received ''/ });
  await t.throwsAsync(writeKeras3Weights(file, [{ layerPath: 'layers/../x', arrays: [] }]), { message: /layerPath must be a path/ });
  await t.throwsAsync(writeKeras3Weights(file, [{ layerPath: 'layers/d', arrays: [{ shape: [2, 2], data: new Float32Array(3) }] }]), { message: /layers\/d array 0 has 3 values, its shape \[2,2\] does not describe them/ });
  await t.throwsAsync(writeKeras3Weights(file, [{ layerPath: 'layers/d', arrays: [{ shape: [1], data: [1] as unknown as Float32Array }] }]), { message: /must hold a Float32Array, received \[1\]/ });
  t.false(fs.existsSync(file));
});
