// Fuzz cases that load files: mutated model directories (the mutations of the former
// io_fuzz test: truncations, flipped bytes, wrong shapes, huge declared sizes, hostile JSON),
// mutated safetensors, Keras 3 .weights.h5 and Keras 2 .h5 files, .keras archives (mutated
// bytes, mutated entries, bombs), imdb.npz archives and GloVe text, the hostile HDF5 fixtures,
// and FIFOs, /dev/zero and directories in place of any of them. Each case writes and loads
// one file (or directory) and returns 1; a load must end in a model or data, or an Error.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';

import type * as Recurrent from '../../lib/index';
import { zipArchive } from '../support/zip_writer';
import { settle } from './call_cases';
import { FuzzRandom, hostileValue, mutateBytes } from './hostile_values';

type Lib = typeof Recurrent;

export interface FileFixtures {
  dir: string;
  modelFiles: [string, Buffer][];
  modelJson: Record<string, any>;
  safetensors: Buffer;
  keras3: Buffer;
  keras2: Buffer[];
  kerasArchive: Buffer;
  hostileHdf5: string[];
  npz: Buffer;
  glove: string;
  fifo?: string;
}

export type FileCase = (r: FuzzRandom, lib: Lib, f: FileFixtures, scratch: string) => Promise<number>;

const repoFixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const x = [[1, 2, 3, 0], [4, 5, 0, 0]];

function smallModel(lib: Lib) {
  const L = lib.layers;
  return lib.sequential([L.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 4 }),
    L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true, dropout: 0.1 }) }), L.lstm({ units: 2 }), L.dense({ units: 2, activation: 'softmax' })], { seed: 1 });
}

function kerasModel(lib: Lib) {
  const L = lib.layers;
  return lib.sequential([
    L.lstm({ units: 5, returnSequences: true, inputShape: [6, 4] }),
    L.bidirectional({ layer: L.gru({ units: 3, resetAfter: false, returnSequences: true }) }),
    L.timeDistributed({ layer: L.dense({ units: 4, activation: 'tanh' }) }),
    L.gru({ units: 3 }),
    L.dense({ units: 2 }),
  ]);
}

function npy(descr: string, shape: number[], body: Buffer): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

/** The files every case mutates, made once per child process. */
export async function makeFileFixtures(lib: Lib, dir: string): Promise<FileFixtures> {
  const model = smallModel(lib);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await model.fit(x, [0, 1], { epochs: 1, verbose: 0 });
  const good = join(dir, 'good');
  await model.save(good);
  const st = join(dir, 'w.safetensors');
  await lib.io.exportSafetensors(model, st);
  const modelFiles = fs.readdirSync(good).map((f) => [f, fs.readFileSync(join(good, f))] as [string, Buffer]);
  const ints = (values: number[]) => {
    const b = Buffer.alloc(8 * values.length);
    values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), 8 * i));
    return b;
  };
  const npz = zipArchive([
    { name: 'x_train.npy', content: npy('<i8', [2, 3], ints([1, 2, 3, 4, 5, 6])) },
    { name: 'y_train.npy', content: npy('<i8', [2], ints([0, 1])), deflate: true },
    { name: 'x_test.npy', content: npy('<i8', [1, 3], ints([7, 8, 9])) },
    { name: 'y_test.npy', content: npy('<i8', [1], ints([1])) },
  ]);
  let fifo: string | undefined;
  if (spawnSync('mkfifo', [join(dir, 'fifo')]).status === 0) fifo = join(dir, 'fifo');
  const hdf5 = join(repoFixtures, 'hdf5');
  return {
    dir,
    modelFiles,
    modelJson: JSON.parse(modelFiles.find(([f]) => f === 'model.json')![1].toString()),
    safetensors: fs.readFileSync(st),
    keras3: fs.readFileSync(join(repoFixtures, 'io', 'keras_model.weights.h5')),
    keras2: ['keras2_weights.h5', 'keras2_model.h5'].map((n) => fs.readFileSync(join(hdf5, n))),
    kerasArchive: fs.readFileSync(join(repoFixtures, 'io', 'keras_model.keras')),
    hostileHdf5: ['dag.h5', 'cycle.h5', 'deep.h5', 'soft_link.h5', 'external_link.h5', 'virtual_dataset.h5', 'external_storage.h5', 'big_endian.h5'].map((n) => join(hdf5, n)),
    npz,
    glove: 'the 0.1 0.2 0.3\ncat 1 2 3\nsat -1 -2 -3\nmat 4 5 6\n',
    fifo,
  };
}

const HUGE = [2 ** 31, 2 ** 53, 1e300, -1, 1.5, 'x', null, [], {}, 2 ** 32 - 1];

/** The model.json mutations of the former io_fuzz test. */
function mutateModelJson(r: FuzzRandom, j: Record<string, any>): void {
  const pick = <T>(a: readonly T[]) => r.pick(a);
  const mutations: ((j: Record<string, any>) => void)[] = [
    (j) => { const w = pick(j.weightsManifest[0].weights) as { shape: unknown[] }; w.shape[r.int(w.shape.length)] = pick(HUGE); },
    (j) => { (pick(j.weightsManifest[0].weights) as { shape: unknown }).shape = pick([[2 ** 31, 2 ** 31], [], [0], null, 'abc']); },
    (j) => { (pick(j.modelTopology.config.layers) as { config: Record<string, unknown> }).config.units = pick(HUGE); },
    (j) => { (pick(j.modelTopology.config.layers) as { class_name: unknown }).class_name = pick(['Conv2D', 'LSTM', 'GRU', 'Dense', '', 7, '__proto__', 'constructor']); },
    (j) => { j.modelTopology.config.layers[0].config.input_dim = pick(HUGE); },
    (j) => { j.modelTopology.config.layers[0].config.batch_input_shape = pick([[null, 2 ** 31], [null, -4], 'x', [null]]); },
    (j) => { const o = j.userDefinedMetadata.recurrent.optimizer; o.slotLengths[r.int(o.slotLengths.length)] = pick(HUGE); },
    (j) => { const o = j.userDefinedMetadata.recurrent.optimizer; o.step = pick(HUGE); o.nativeIterations = pick(HUGE); },
    (j) => { j.userDefinedMetadata.recurrent.position = { epoch: pick(HUGE), batch: pick(HUGE) }; },
    (j) => { j.userDefinedMetadata.recurrent.compile.optimizer.learningRate = pick(HUGE); },
    (j) => { j.weightsManifest[0].paths = [pick(['../../etc/passwd', '/etc/passwd', 'missing.bin', '.hidden', 'a'.repeat(300), '/dev/zero'])]; },
    (j) => { j.weightsManifest[0].weights.pop(); },
    (j) => { j.weightsManifest = pick([null, [], [{}], 'x']); },
    (j) => { j.userDefinedMetadata.recurrent.optimizer.path = pick(['model.json', '../x', 'optimizer.0000000000000000.bin']); },
    (j) => { delete j.userDefinedMetadata.recurrent.weightsSha256; const w = j.weightsManifest[0].weights; w.push(w.shift()); },
    (j) => { j.modelTopology.config.layers[1].config.merge_mode = pick(['bad', null, 3]); },
    (j) => { j.modelTopology.config.layers[1].config.layer.config.reset_after = false; },
    (j) => { (pick(j.modelTopology.config.layers) as { config: Record<string, unknown> }).config[pick(['activation', 'recurrent_activation', 'dropout', 'name'])] = pick([null, 7, 'x', [], {}, -1, 1e300, 'relu6', '', '__proto__']); },
  ];
  for (let k = 1 + r.int(2); k > 0; k--) {
    try {
      pick(mutations)(j);
    } catch {
      // The structure an earlier mutation broke.
    }
  }
}

/** A path to a FIFO, /dev/zero or a directory, in place of a file. */
function notAFile(r: FuzzRandom, f: FileFixtures): string {
  return r.pick([f.fifo ?? '/dev/zero', '/dev/zero', f.dir]);
}

export const FILE_CASES: Record<string, FileCase> = {
  async modelDirectory(r, lib, f, scratch) {
    const target = join(scratch, 'model');
    fs.mkdirSync(target, { recursive: true });
    for (const e of fs.readdirSync(target)) fs.rmSync(join(target, e), { recursive: true, force: true });
    for (const [name, b] of f.modelFiles) fs.writeFileSync(join(target, name), b);
    if (r.chance(0.5)) {
      const [name, b] = r.pick(f.modelFiles);
      fs.writeFileSync(join(target, name), mutateBytes(r, b));
    } else {
      const j = JSON.parse(JSON.stringify(f.modelJson)) as Record<string, any>;
      mutateModelJson(r, j);
      fs.writeFileSync(join(target, 'model.json'), JSON.stringify(j));
    }
    await settle(async () => (await lib.loadModel(target)).predict(x));
    return 1;
  },
  async safetensors(r, lib, f, scratch) {
    let b = mutateBytes(r, f.safetensors);
    if (r.chance(0.3)) b.writeBigUInt64LE(r.pick([2n ** 63n, 2n ** 40n, 0n, 1n, BigInt(b.length)]), 0);
    if (r.chance(0.2)) b = Buffer.from(b.toString('latin1').replace(/"data_offsets":\[\d+/, `"data_offsets":[${r.pick(['99999999999', '-1', '1e308'])}`), 'latin1');
    const file = join(scratch, 'w.safetensors');
    fs.writeFileSync(file, b);
    await settle(async () => {
      const m = smallModel(lib);
      await lib.io.importSafetensors(m, r.chance(0.5) ? file : b);
      await m.predict(x);
    });
    return 1;
  },
  async kerasWeightsH5(r, lib, f, scratch) {
    const file = join(scratch, 'model.weights.h5');
    fs.writeFileSync(file, mutateBytes(r, f.keras3));
    await settle(() => (r.chance(0.5) ? lib.io.importKerasWeights(kerasModel(lib), file) : lib.io.readKeras3Weights(file)));
    return 1;
  },
  async keras2H5(r, lib, f, scratch) {
    const file = join(scratch, 'weights.h5');
    fs.writeFileSync(file, mutateBytes(r, r.pick(f.keras2)));
    await settle(() => lib.io.readKeras2Weights(file));
    return 1;
  },
  async hostileHdf5(r, lib, f) {
    const file = r.pick(f.hostileHdf5);
    await settle(() => (r.chance(0.5) ? lib.io.readKeras3Weights(file, { maxObjects: 1 + r.int(200), maxDepth: r.int(80) }) : lib.io.readKeras2Weights(file)));
    return 1;
  },
  async kerasArchive(r, lib, f, scratch) {
    const file = join(scratch, 'model.keras');
    const entries = ['config.json', 'metadata.json', 'model.weights.h5'].map((name) => ({ name, content: name === 'model.weights.h5' ? f.keras3 : Buffer.from(name === 'config.json' ? '{"class_name": "Sequential", "config": {"layers": []}}' : '{}') }));
    let bytes: Buffer;
    switch (r.int(4)) {
      case 0: bytes = mutateBytes(r, f.kerasArchive); break;
      case 1: bytes = zipArchive(entries.map((e) => ({ ...e, deflate: r.chance(0.5), content: r.chance(0.3) ? mutateBytes(r, e.content) : e.content }))); break;
      case 2: bytes = zipArchive([...entries, { name: 'junk.bin', content: Buffer.alloc(1 << 16), deflate: true, declaredSize: r.pick([2 ** 33, 2 ** 40, 1]) }]); break;
      default: bytes = zipArchive([{ name: 'model.weights.h5', content: Buffer.alloc(r.pick([1 << 20, 16 << 20])), deflate: true, declaredSize: r.pick([1024, 2 ** 33, 2 ** 29]) }]);
    }
    fs.writeFileSync(file, bytes);
    await settle(() => lib.io.importKerasWeights(kerasModel(lib), file, r.chance(0.3) ? { maxInflatedBytes: r.int(1 << 20) } : {}));
    return 1;
  },
  async npz(r, lib, f, scratch) {
    const file = join(scratch, 'imdb.npz');
    fs.writeFileSync(file, mutateBytes(r, f.npz));
    await settle(() => lib.data.loadImdbNpz(file));
    return 1;
  },
  async glove(r, lib, f, scratch) {
    const file = join(scratch, 'glove.txt');
    const text = Buffer.from(f.glove);
    fs.writeFileSync(file, r.chance(0.2) ? Buffer.alloc(r.pick([100, 1 << 21]), r.int(256)) : mutateBytes(r, text));
    const wordIndex = r.chance(0.8) ? { the: 1, cat: 2, mat: 3 } : hostileValue(r);
    await settle(() => lib.data.loadGlove(file, { wordIndex: wordIndex as never, dim: (r.chance(0.8) ? 3 : hostileValue(r)) as never }));
    return 1;
  },
  async notARegularFile(r, lib, f) {
    const p = notAFile(r, f);
    const loaders: (() => unknown)[] = [
      () => lib.loadModel(p),
      () => lib.io.importKerasWeights(kerasModel(lib), p),
      () => lib.io.importSafetensors(smallModel(lib), p),
      () => lib.io.readKeras2Weights(p),
      () => lib.io.readKeras3Weights(p),
      () => lib.data.loadImdbNpz(p),
      () => lib.data.loadGlove(p, { wordIndex: { the: 1 }, dim: 3 }),
    ];
    await settle(r.pick(loaders));
    return 1;
  },
};
