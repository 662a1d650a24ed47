// loadImdbNpz: Keras's imdb.npz, read from a local file.
import { getMemoryLimit } from '../memory_limit';
import { readRegularFileSync } from '../io/regular_file';
import { readNpy } from './npy';
import { readZipArchive, type ZipLimits } from './zip_archive';

export interface ImdbData {
  /** One review per entry, as word ranks (1 = most frequent word in the corpus). */
  xTrain: Int32Array[];
  /** 1 = positive, 0 = negative. */
  yTrain: Int32Array;
  xTest: Int32Array[];
  yTest: Int32Array;
}

const KEYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;

/**
 * Reads the arrays x_train, y_train, x_test, y_test of Keras's imdb.npz (25,000 reviews
 * each in the file Keras ships) exactly as stored, in file order. The x arrays are NumPy
 * object arrays of Python int lists, pickled inside the .npy entries; they are decoded by a
 * restricted reader that accepts that structure only.
 *
 * `keras.datasets.imdb.load_data` goes further: it shuffles each part with NumPy seed 113,
 * prepends start_char = 1, adds index_from = 3 to every rank and maps ranks >= num_words
 * (or < skip_top) to oov_char = 2. Apply the same shift to use Keras's word index.
 *
 * Only those four entries are inflated, and their declared sizes must fit
 * `limits.maxInflatedBytes` (default: getMemoryLimit()); a FIFO, a device or a directory
 * given as the path is refused.
 */
export function loadImdbNpz(path: string, limits: ZipLimits = {}): ImdbData {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`loadImdbNpz: path must be a non-empty string, received ${JSON.stringify(path)}`);
  const file = readRegularFileSync(path, 'loadImdbNpz', limits.maxInflatedBytes ?? getMemoryLimit());
  const arrays = readZipArchive(file, path, { ...limits, entries: KEYS.map((k) => `${k}.npy`) });
  const entry = (key: (typeof KEYS)[number]) => {
    const buf = arrays.get(`${key}.npy`);
    if (!buf) throw new Error(`${path}: no ${key}.npy in the archive (an imdb.npz holds ${KEYS.map((k) => `${k}.npy`).join(', ')})`);
    return readNpy(buf, `${path}:${key}.npy`);
  };
  const sequences = (key: 'x_train' | 'x_test'): Int32Array[] => {
    const a = entry(key);
    if (a.kind === 'int-lists') return a.items;
    // Equal-length reviews may also be saved as a plain 2-D integer array.
    if (a.shape.length === 2 && a.data instanceof Int32Array) {
      const [n, t] = a.shape;
      return Array.from({ length: n }, (_, i) => (a.data as Int32Array).slice(i * t, (i + 1) * t));
    }
    throw new Error(`${path}: ${key} must hold integer sequences, found shape [${a.shape.join(', ')}]`);
  };
  const labels = (key: 'y_train' | 'y_test', n: number): Int32Array => {
    const a = entry(key);
    if (a.kind !== 'numeric' || !(a.data instanceof Int32Array) || a.shape.length !== 1) {
      throw new Error(`${path}: ${key} must be a 1-D integer array`);
    }
    if (a.data.length !== n) throw new Error(`${path}: ${key} has ${a.data.length} labels for ${n} sequences`);
    return a.data;
  };
  const xTrain = sequences('x_train');
  const xTest = sequences('x_test');
  return { xTrain, yTrain: labels('y_train', xTrain.length), xTest, yTest: labels('y_test', xTest.length) };
}
