// trainTestSplit: one seeded shuffle applied to several parallel arrays.
import { seededPermutation } from './seeded_random';
import { checkFraction, isDataTensor, type DataTensor, type NumericArray } from './tensor';

/** Anything with one entry per sample: a JS array, a typed array, or a tensor split on its first axis. */
export type Splittable = readonly unknown[] | NumericArray | DataTensor;

export interface SplitOptions {
  /** Fraction of samples in the test part (default 0.2). */
  testFraction?: number;
  /** Fraction of samples in the validation part (default 0). */
  validationFraction?: number;
  /** Shuffle seed (default 0). */
  seed?: number;
}

export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

export interface Split<T extends readonly Splittable[]> {
  /** The arrays, in the order given, restricted to each part. */
  train: T;
  validation: T;
  test: T;
  /** Which original sample went where, in the order of the parts. */
  indices: SplitIndices;
}

/**
 * Splits parallel arrays into train / validation / test with one seeded permutation.
 * Sizes: test = round(N * testFraction), validation = round(N * validationFraction),
 * train = the rest. Parts follow the permutation order: train, then validation, then test.
 * Same seed, same N: same split, on every machine.
 *
 * ```ts
 * const { train: [xTrain, yTrain], test: [xTest, yTest] } = trainTestSplit([texts, labels], { seed: 1 });
 * ```
 */
export function trainTestSplit<T extends readonly Splittable[]>(arrays: readonly [...T], options: SplitOptions = {}): Split<T> {
  const { testFraction = 0.2, validationFraction = 0, seed = 0 } = options;
  checkFraction('trainTestSplit: testFraction', testFraction);
  checkFraction('trainTestSplit: validationFraction', validationFraction);
  if (arrays.length === 0) throw new RangeError('trainTestSplit: give at least one array');
  const n = sampleCount(arrays[0]);
  arrays.forEach((a, i) => {
    if (sampleCount(a) !== n) {
      throw new RangeError(`trainTestSplit: arrays[${i}] has ${sampleCount(a)} samples, arrays[0] has ${n}`);
    }
  });
  const nTest = Math.round(n * testFraction);
  const nValidation = Math.round(n * validationFraction);
  if (nTest + nValidation > n) {
    throw new RangeError(`trainTestSplit: testFraction + validationFraction leave no room (${nTest} + ${nValidation} > ${n})`);
  }
  const perm = seededPermutation(n, seed);
  const nTrain = n - nTest - nValidation;
  const indices: SplitIndices = {
    train: perm.slice(0, nTrain),
    validation: perm.slice(nTrain, nTrain + nValidation),
    test: perm.slice(nTrain + nValidation),
  };
  const part = (idx: Int32Array) => arrays.map((a) => takeSamples(a, idx)) as unknown as T;
  return { train: part(indices.train), validation: part(indices.validation), test: part(indices.test), indices };
}

export function sampleCount(a: Splittable): number {
  if (isDataTensor(a)) return a.shape.length === 0 ? 1 : a.shape[0];
  if (Array.isArray(a) || ArrayBuffer.isView(a)) return a.length;
  throw new TypeError('expected an array, a typed array or a { shape, data } tensor');
}

/** The samples at `indices`, in that order, as the same kind of container. */
export function takeSamples<A extends Splittable>(a: A, indices: ArrayLike<number>): A {
  if (isDataTensor(a)) {
    const rowSize = a.shape.slice(1).reduce((p, d) => p * d, 1);
    const Ctor = a.data.constructor as new (n: number) => Int32Array | Float32Array;
    const data = new Ctor(indices.length * rowSize);
    for (let k = 0; k < indices.length; k++) {
      data.set(a.data.subarray(indices[k] * rowSize, (indices[k] + 1) * rowSize), k * rowSize);
    }
    return { shape: [indices.length, ...a.shape.slice(1)], data } as unknown as A;
  }
  if (Array.isArray(a)) return Array.from(indices, (i) => (a as readonly unknown[])[i]) as unknown as A;
  const t = a as NumericArray;
  const out = new (t.constructor as new (n: number) => NumericArray)(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = t[indices[k]];
  return out as A;
}
