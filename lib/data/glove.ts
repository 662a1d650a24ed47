// loadGlove: a GloVe text file as an embedding matrix for a tokenizer's word index.
import * as fs from 'node:fs';
import * as readline from 'node:readline';

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

/**
 * Streams a GloVe file ("word v1 ... vdim" per line) and fills the rows of the words in
 * `wordIndex` (use as the initial weights of an Embedding layer). The vector is the last
 * `dim` fields, so words that contain spaces (as in glove.840B) are read whole. A word
 * listed twice keeps its last vector. Lines with fewer than dim + 1 fields or non-numbers
 * are errors naming the line.
 */
export async function loadGlove(path: string, options: LoadGloveOptions): Promise<GloveEmbedding> {
  const { dim } = options;
  checkPositiveInteger('loadGlove: dim', dim);
  const index: ReadonlyMap<string, number> =
    options.wordIndex instanceof Map ? options.wordIndex : new Map(Object.entries(options.wordIndex));
  let rows = options.numWords;
  if (rows === undefined) {
    rows = 0;
    for (const i of index.values()) rows = Math.max(rows, i + 1);
  }
  checkPositiveInteger('loadGlove: numWords', rows);
  const data = new Float32Array(rows * dim);
  const filled = new Uint8Array(rows);

  const lines = readline.createInterface({ input: fs.createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.length === 0) continue;
    const fields = line.trimEnd().split(' ');
    if (fields.length < dim + 1) {
      lines.close();
      throw new Error(`${path}:${lineNo}: expected a word and ${dim} numbers, found ${fields.length} fields`);
    }
    const word = fields.slice(0, fields.length - dim).join(' ');
    const row = index.get(word);
    if (row === undefined || !Number.isInteger(row) || row < 0 || row >= rows) continue;
    for (let k = 0; k < dim; k++) {
      const v = Number(fields[fields.length - dim + k]);
      if (!Number.isFinite(v)) {
        lines.close();
        throw new Error(`${path}:${lineNo}: field ${fields.length - dim + k + 1} is not a number`);
      }
      data[row * dim + k] = v;
    }
    filled[row] = 1;
  }
  let found = 0;
  for (const f of filled) found += f;
  return { matrix: { shape: [rows, dim], data }, found };
}
