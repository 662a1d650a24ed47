// padSequences: Keras `keras.utils.pad_sequences` on typed arrays.
import { checkNonNegativeInteger, type DataTensor } from './tensor';

export interface PadSequencesOptions {
  /** Length of every output row; the longest sequence when left out. */
  maxlen?: number;
  /** Element type of the result (default 'int32'; values are cast like NumPy: toward zero). */
  dtype?: 'int32' | 'float32';
  /** Where padding goes: 'pre' (default, before the sequence) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end of a longer sequence is dropped: 'pre' (default, the beginning) or 'post'. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

/**
 * Pads (or truncates) each sequence to `maxlen` and stacks them into a [N, maxlen] tensor.
 *
 * Matches Keras: defaults pre-padding and pre-truncation, empty sequences become a row of
 * `value`. Two cases where Keras raises and this returns a well-defined result instead:
 * an empty list with no `maxlen` gives shape [0, 0], and `maxlen: 0` gives [N, 0] (Keras's
 * `s[-0:]` slice keeps the whole sequence and then fails to fit it into zero columns).
 *
 * ```ts
 * padSequences([[1], [2, 3], [4, 5, 6]]).data          // [0,0,1, 0,2,3, 4,5,6]
 * padSequences([[1], [2, 3], [4, 5, 6]], { maxlen: 2 }) // [0,1, 2,3, 5,6]
 * ```
 */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  options: PadSequencesOptions = {},
): DataTensor {
  const { dtype = 'int32', padding = 'pre', truncating = 'pre', value = 0 } = options;
  if (!Array.isArray(sequences)) throw new TypeError('padSequences: sequences must be an array of sequences');
  if (dtype !== 'int32' && dtype !== 'float32') {
    throw new RangeError(`padSequences: dtype must be 'int32' or 'float32', received ${String(dtype)}`);
  }
  if (padding !== 'pre' && padding !== 'post') {
    throw new RangeError(`padSequences: padding must be 'pre' or 'post', received ${String(padding)}`);
  }
  if (truncating !== 'pre' && truncating !== 'post') {
    throw new RangeError(`padSequences: truncating must be 'pre' or 'post', received ${String(truncating)}`);
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`padSequences: value must be a number, received ${String(value)}`);
  }
  let maxlen = options.maxlen;
  for (let i = 0; i < sequences.length; i++) {
    const s = sequences[i];
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') {
      throw new TypeError(`padSequences: sequences[${i}] is not a sequence`);
    }
  }
  if (maxlen === undefined || maxlen === null) {
    maxlen = 0;
    for (const s of sequences) maxlen = Math.max(maxlen, s.length);
  }
  checkNonNegativeInteger('padSequences: maxlen', maxlen);

  const n = sequences.length;
  const data = dtype === 'int32' ? new Int32Array(n * maxlen) : new Float32Array(n * maxlen);
  if (value !== 0) data.fill(value);
  for (let row = 0; row < n; row++) {
    const s = sequences[row];
    const kept = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - kept : 0;
    const to = row * maxlen + (padding === 'pre' ? maxlen - kept : 0);
    for (let k = 0; k < kept; k++) {
      const v = s[from + k];
      if (typeof v !== 'number') {
        throw new TypeError(`padSequences: sequences[${row}][${from + k}] is not a number (${typeof v})`);
      }
      data[to + k] = v;
    }
  }
  return { shape: [n, maxlen], data };
}
