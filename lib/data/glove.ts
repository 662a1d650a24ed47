// loadGlove: a GloVe text file as an embedding matrix for a tokenizer's word index.
import { TextDecoder } from 'node:util';

import { describe } from '../options';
import { openRegularFile } from '../io/regular_file';
import { checkMemory } from '../memory_limit';
import { checkPositiveInteger, type DataTensor } from './tensor';

export interface LoadGloveOptions {
  /** word -> row, e.g. tokenizer.wordIndex. Row 0 is left for padding by Keras tokenizers. */
  wordIndex: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Vector size of the file (50, 100, 200, 300 for the common GloVe sets). */
  dim: number;
  /** Rows of the matrix (default: largest index + 1); words with an index >= numWords are skipped. */
  numWords?: number;
}

export interface GloveEmbedding {
  /** [numWords, dim]; rows of words absent from the file stay zero. */
  matrix: DataTensor<Float32Array>;
  /** How many rows were filled from the file. */
  found: number;
}

/** A line longer than this is no GloVe vector (a 300-d line of glove.840B is about 4 KB). */
function maxLineBytes(dim: number): number {
  return Math.max(1 << 20, dim * 64);
}

const NEWLINE = 0x0a;

/**
 * Streams a GloVe file ("word v1 ... vdim" per line) and fills the rows of the words in
 * `wordIndex` (use as the initial weights of an Embedding layer). The vector is the last
 * `dim` fields, so words that contain spaces (as in glove.840B) are read whole. A word
 * listed twice keeps its last vector. Lines with fewer than dim + 1 fields, non-numbers,
 * text that is not UTF-8 and over-long lines (a binary file) are errors naming the line;
 * the matrix's size is checked against the memory limit (setMemoryLimit) before it is
 * allocated, and a path that is not a regular file (a FIFO, /dev/zero, a directory) is
 * refused. Every failure rejects the Promise.
 */
export async function loadGlove(path: string, options: LoadGloveOptions): Promise<GloveEmbedding> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`loadGlove: path must be a non-empty string, received ${describe(path)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`loadGlove: options must be an object with wordIndex and dim, received ${describe(options)}`);
  const { dim } = options;
  checkPositiveInteger('loadGlove: dim', dim);
  const index = wordIndexMap(options.wordIndex);
  let rows = options.numWords;
  if (rows === undefined) {
    rows = 0;
    for (const i of index.values()) rows = Math.max(rows, i + 1);
  }
  checkPositiveInteger('loadGlove: numWords', rows);
  checkMemory(`loadGlove(${path})`, rows * dim * 4 + rows, `${rows} rows x ${dim} float32 values`);
  const data = new Float32Array(rows * dim);
  const filled = new Uint8Array(rows);

  const { handle, size } = await openRegularFile(path, 'loadGlove');
  if (size === 0) {
    await handle.close();
    return { matrix: { shape: [rows, dim], data }, found: 0 };
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const limit = maxLineBytes(dim);
  let lineNo = 0;
  const takeLine = (bytes: Buffer): void => {
    lineNo++;
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      throw new Error(`${path}:${lineNo}: not UTF-8 text (is this a GloVe text file?)`);
    }
    if (line.length === 0 || line === '\r') return;
    const fields = line.trimEnd().split(' ');
    if (fields.length < dim + 1) throw new Error(`${path}:${lineNo}: expected a word and ${dim} numbers, found ${fields.length} fields`);
    const word = fields.slice(0, fields.length - dim).join(' ');
    const row = index.get(word);
    if (row === undefined || row >= rows!) return;
    for (let k = 0; k < dim; k++) {
      const v = Number(fields[fields.length - dim + k]);
      if (!Number.isFinite(v)) throw new Error(`${path}:${lineNo}: field ${fields.length - dim + k + 1} is not a number`);
      data[row * dim + k] = v;
    }
    filled[row] = 1;
  };

  // Read at most the size fstat declared (a file appended to meantime is not read further).
  const stream = handle.createReadStream({ start: 0, end: size - 1 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, from); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
        const piece = chunk.subarray(from, nl);
        if (pendingBytes + piece.length > limit) throw new Error(`${path}:${lineNo + 1}: a line longer than ${limit} bytes (is this a GloVe text file?)`);
        takeLine(pending.length ? Buffer.concat([...pending, piece]) : piece);
        pending = [];
        pendingBytes = 0;
        from = nl + 1;
      }
      const rest = chunk.subarray(from);
      pendingBytes += rest.length;
      if (pendingBytes > limit) throw new Error(`${path}:${lineNo + 1}: a line longer than ${limit} bytes (is this a GloVe text file?)`);
      if (rest.length) pending.push(rest);
    }
    if (pendingBytes > 0) takeLine(Buffer.concat(pending));
  } finally {
    stream.destroy();
  }
  let found = 0;
  for (const f of filled) found += f;
  return { matrix: { shape: [rows, dim], data }, found };
}

/** The word index as a Map, each row a non-negative integer. */
function wordIndexMap(wordIndex: LoadGloveOptions['wordIndex']): ReadonlyMap<string, number> {
  if (typeof wordIndex !== 'object' || wordIndex === null) {
    throw new TypeError(`loadGlove: wordIndex must be a Map or an object of word -> row, received ${describe(wordIndex)}`);
  }
  const map: ReadonlyMap<string, number> = wordIndex instanceof Map ? wordIndex : new Map(Object.entries(wordIndex));
  for (const [word, row] of map) {
    if (typeof row !== 'number' || !Number.isSafeInteger(row) || row < 0) {
      throw new RangeError(`loadGlove: wordIndex['${word}'] must be a non-negative integer row, received ${describe(row)}`);
    }
  }
  return map;
}
