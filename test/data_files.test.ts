// loadImdbNpz and loadGlove on small files written by the tests.
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { data } from '../lib/index';
import { zipArchive } from './support/zip_writer';

// A NumPy object array [[1, 2, 300], [70000, 5], []] pickled by Python 3 / NumPy 2 (protocol 3).
const PICKLE_P3 =
  '8003636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a' +
  '71014b008571024301627103877104527105284b014b03857106636e756d70790a64747970650a710758020000004f387108898887710952' +
  '710a284b0358010000007c710b4e4e4e4affffffff4affffffff4b3f74710c62895d710d285d710e284b014b024d2c01655d710f284a7011' +
  '01004b05655d711065747111622e';
// The same array, protocol 2 from Python 3 (bytes via _codecs.encode).
const PICKLE_P2 =
  '8002636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a' +
  '71014b00857102635f636f646563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108' +
  '527109284b014b0385710a636e756d70790a64747970650a710b58020000004f38710c898887710d52710e284b0358010000007c710f4e4e' +
  '4e4affffffff4affffffff4b3f74711062895d7111285d7112284b014b024d2c01655d7113284a701101004b05655d711465747115622e';
// The same array, protocol 4 (frames, STACK_GLOBAL, MEMOIZE).
const PICKLE_P4 =
  '800495a2000000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c05' +
  '6e756d7079948c076e6461727261799493944b0085944301629487945294284b014b03859468038c0564747970659493948c024f38948988' +
  '87945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462895d94285d94284b014b024d2c01655d94284a701101004b0565' +
  '5d94657494622e';
// Python 2 as Keras's imdb.npz was written: numpy.core.multiarray, and 'b' as a SHORT_BINSTRING.
const PICKLE_PY2 = PICKLE_P3.replace(
  Buffer.from('numpy._core.multiarray').toString('hex'),
  Buffer.from('numpy.core.multiarray').toString('hex'),
).replace('4301627103', '5501627103');
// pickle.dumps(os.getcwd): a global outside the allowed few.
const PICKLE_EVIL = '800263706f7369780a6765746377640a71002e';

function npyHeader(descr: string, shape: number[]): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(total - 10, 8);
  header.write(dict, 10, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

function objectNpy(pickleHex: string, n: number): Buffer {
  return Buffer.concat([npyHeader('|O', [n]), Buffer.from(pickleHex, 'hex')]);
}

function int64Npy(values: number[]): Buffer {
  const body = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => body.writeBigInt64LE(BigInt(v), 8 * i));
  return Buffer.concat([npyHeader('<i8', [values.length]), body]);
}

/** An archive as np.savez (stored) or np.savez_compressed (deflated) writes it. */
function zip(entries: [string, Buffer][], deflate: boolean): Buffer {
  return zipArchive(entries.map(([name, content]) => ({ name, content, deflate })));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-data-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeImdb(name: string, xPickle: string, deflate = false): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(
    file,
    zip(
      [
        ['x_test.npy', objectNpy(xPickle, 3)],
        ['x_train.npy', objectNpy(xPickle, 3)],
        ['y_train.npy', int64Npy([1, 0, 1])],
        ['y_test.npy', int64Npy([0, 0, 1])],
      ],
      deflate,
    ),
  );
  return file;
}

for (const [label, hex] of [
  ['protocol 3', PICKLE_P3],
  ['protocol 2', PICKLE_P2],
  ['protocol 4', PICKLE_P4],
  ['Python 2 (as Keras ships)', PICKLE_PY2],
] as const) {
  test(`loadImdbNpz reads pickled object arrays of int lists: ${label}`, (t) => {
    const imdb = data.loadImdbNpz(writeImdb(`imdb-${label.replace(/\W/g, '')}.npz`, hex));
    t.deepEqual(imdb.xTrain.map((x) => Array.from(x)), [[1, 2, 300], [70000, 5], []]);
    t.deepEqual(imdb.xTest.map((x) => Array.from(x)), [[1, 2, 300], [70000, 5], []]);
    t.deepEqual(Array.from(imdb.yTrain), [1, 0, 1]);
    t.deepEqual(Array.from(imdb.yTest), [0, 0, 1]);
  });
}

test('loadImdbNpz reads a deflated archive (np.savez_compressed)', (t) => {
  const imdb = data.loadImdbNpz(writeImdb('imdb-deflate.npz', PICKLE_P3, true));
  t.deepEqual(Array.from(imdb.xTrain[1]), [70000, 5]);
});

test('loadImdbNpz refuses other pickles, truncated data and missing arrays with clear errors', (t) => {
  t.throws(() => data.loadImdbNpz(writeImdb('evil.npz', PICKLE_EVIL)), { message: /unsupported pickle content \(global posix getcwd\)/ });
  t.throws(() => data.loadImdbNpz(writeImdb('cut.npz', PICKLE_P3.slice(0, 200))), { message: /truncated/ });
  const noY = path.join(tmp, 'noy.npz');
  fs.writeFileSync(noY, zip([['x_train.npy', objectNpy(PICKLE_P3, 3)], ['x_test.npy', objectNpy(PICKLE_P3, 3)]], false));
  t.throws(() => data.loadImdbNpz(noY), { message: /no y_train\.npy in the archive/ });
  const junk = path.join(tmp, 'junk.npz');
  fs.writeFileSync(junk, Buffer.from('not a zip at all, just some words'));
  t.throws(() => data.loadImdbNpz(junk), { message: /not a zip file/ });
});

test('readNpy: numeric arrays keep their shape; int64 beyond int32 is an error', (t) => {
  const body = Buffer.alloc(24);
  [1.5, -2, 3].forEach((v, i) => body.writeDoubleLE(v, 8 * i));
  const a = data.readNpy(Buffer.concat([npyHeader('<f8', [3, 1]), body]), 'a.npy');
  t.is(a.kind, 'numeric');
  if (a.kind === 'numeric') {
    t.deepEqual(a.shape, [3, 1]);
    t.deepEqual(Array.from(a.data), [1.5, -2, 3]);
  }
  t.throws(() => data.readNpy(int64Npy([2 ** 40]), 'big.npy'), { message: /does not fit in int32/ });
});

test('loadGlove fills the rows of known words, leaves unknown rows zero', async (t) => {
  const file = path.join(tmp, 'glove.txt');
  fs.writeFileSync(file, ['the 0.1 0.2 0.3', 'cat -1 0 1.5', 'zebra 9 9 9', '. . . 4 5 6', 'dog 7 8 9', ''].join('\n'));
  const wordIndex = new Map([['the', 1], ['cat', 2], ['unicorn', 3], ['dog', 4], ['. . .', 5]]);
  const { matrix, found } = await data.loadGlove(file, { wordIndex, dim: 3 });
  t.deepEqual(matrix.shape, [6, 3]);
  t.is(found, 4);
  const row = (i: number) => Array.from(matrix.data.subarray(3 * i, 3 * i + 3));
  t.deepEqual(row(0), [0, 0, 0], 'row 0 (padding) stays zero');
  t.deepEqual(row(1), [0.1, 0.2, 0.3].map(Math.fround));
  t.deepEqual(row(2), [-1, 0, 1.5]);
  t.deepEqual(row(3), [0, 0, 0], 'a word missing from the file stays zero');
  t.deepEqual(row(5), [4, 5, 6], 'words with spaces are read whole');
  const cut = await data.loadGlove(file, { wordIndex: { the: 1, dog: 4 }, dim: 3, numWords: 3 });
  t.deepEqual(cut.matrix.shape, [3, 3]);
  t.is(cut.found, 1, 'indices >= numWords are skipped');
  const bad = path.join(tmp, 'bad.txt');
  fs.writeFileSync(bad, 'the 1 2 3\ncat 1 2\n');
  await t.throwsAsync(data.loadGlove(bad, { wordIndex, dim: 3 }), { message: /bad\.txt:2: expected a word and 3 numbers/ });
  fs.writeFileSync(bad, 'the 1 x 3\n');
  await t.throwsAsync(data.loadGlove(bad, { wordIndex, dim: 3 }), { message: /bad\.txt:1: field 3 is not a number/ });
});
