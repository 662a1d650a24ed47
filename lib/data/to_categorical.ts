// toCategorical: Keras `keras.utils.to_categorical`, one-hot rows of float32.
import { checkNonNegativeInteger, type DataTensor } from './tensor';

/**
 * One-hot encodes integer class labels into a [N, numClasses] float32 tensor.
 * `numClasses` defaults to max(label) + 1, as in Keras (0 also means "infer", as Keras's
 * `if not num_classes`). Labels may be given as [N] or as [N, 1] rows.
 * A label outside [0, numClasses) is an error (NumPy would wrap negatives or raise).
 */
export function toCategorical(
  labels: ArrayLike<number> | readonly (readonly [number])[],
  numClasses?: number,
): DataTensor<Float32Array> {
  const n = labels.length;
  const flat = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    const v = Array.isArray(l) && l.length === 1 ? (l[0] as number) : l;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new RangeError(`toCategorical: labels[${i}] must be a non-negative integer, received ${String(v)}`);
    }
    flat[i] = v;
  }
  let c = numClasses;
  if (c === undefined || c === 0) {
    c = 0;
    for (const v of flat) c = Math.max(c, v + 1);
  }
  checkNonNegativeInteger('toCategorical: numClasses', c);
  const data = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    if (flat[i] >= c) {
      throw new RangeError(`toCategorical: labels[${i}] = ${flat[i]} is not below numClasses = ${c}`);
    }
    data[i * c + flat[i]] = 1;
  }
  return { shape: [n, c], data };
}
