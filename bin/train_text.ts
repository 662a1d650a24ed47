// `recurrent train <file.csv|file.tsv>` and `recurrent train demo`: a text classifier trained
// on labelled texts, a user's own or the generated demo reviews. Tokenizer (fitted on the
// training part) -> Embedding(32, masked padding) -> GRU(32) -> Dense (sigmoid for two
// classes, softmax for more); a seeded 80/20 split, the held-out fifth never trained on.
// Everything it writes goes into one directory under the current one: the saved model,
// tokenizer.json (the word index to use with it), labels.json, history.json and loss.svg.
import { writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

import { padSequences, Tokenizer, trainTestSplit } from '../lib/data/index';
import { readRegularFile } from '../lib/io/regular_file';
import { dense, embedding, gru } from '../lib/layers/index';
import { sequential } from '../lib/models/sequential';
import { getNumThreads, setNumThreads } from '../lib/runtime';
import { adam } from '../lib/training/optimizers';
import { demoReviews } from './demo_reviews';
import { parseDelimited } from './read_csv';

export interface TrainTextOptions {
  /** 'demo', or the path of a CSV (or .tsv) file. */
  source: string;
  textColumn?: string;
  labelColumn?: string;
  /** Default 5. */
  epochs?: number;
  threads?: number;
  /** Where results go (default: recurrent-<name> in the current directory). */
  out?: string;
}

export interface TrainTextResult {
  out: string;
  samples: number;
  trainSamples: number;
  testSamples: number;
  classes: string[];
  accuracy: number;
  majorityAccuracy: number;
  epochs: number;
  seconds: number;
  params: number;
  threads: number;
}

const MAX_FILE_BYTES = 1 << 30;
const MAX_CLASSES = 100;
const NUM_WORDS = 10_000;
const SEED = 1;

interface Labelled {
  texts: string[];
  labels: string[];
}

/** The text and label columns of a CSV/TSV file: named by a header row, else the first and last. */
export function labelledTexts(rows: string[][], what: string, textColumn?: string, labelColumn?: string): Labelled {
  if (rows.length === 0) throw new Error(`${what}: the file holds no rows`);
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const named = (name: string | undefined, fallbacks: string[]) => {
    if (name !== undefined) {
      const i = header.indexOf(name.toLowerCase());
      if (i < 0) throw new Error(`${what}: no column named '${name}' in the header (${rows[0].map((h) => `'${h}'`).join(', ')})`);
      return i;
    }
    return fallbacks.map((f) => header.indexOf(f)).find((i) => i >= 0) ?? -1;
  };
  let text = named(textColumn, ['text', 'review', 'sentence', 'message']);
  let label = named(labelColumn, ['label', 'class', 'sentiment', 'target']);
  const hasHeader = text >= 0 || label >= 0;
  if (text < 0) text = 0;
  if (label < 0) label = rows[0].length - 1;
  if (text === label) throw new Error(`${what}: the text and the label must be different columns (both are column ${text + 1})`);
  const body = hasHeader ? rows.slice(1) : rows;
  const out: Labelled = { texts: [], labels: [] };
  body.forEach((row, i) => {
    if (row.length <= Math.max(text, label)) {
      throw new Error(`${what}: row ${i + (hasHeader ? 2 : 1)} has ${row.length} fields, the text is column ${text + 1} and the label column ${label + 1}`);
    }
    out.texts.push(row[text]);
    out.labels.push(row[label].trim());
  });
  return out;
}

async function loadSource(o: TrainTextOptions): Promise<Labelled & { name: string }> {
  if (o.source === 'demo') {
    const d = demoReviews(4000, SEED);
    return { name: 'demo', texts: d.texts, labels: d.labels.map((l) => (l === 1 ? 'positive' : 'negative')) };
  }
  const what = `recurrent train ${o.source}`;
  const text = (await readRegularFile(o.source, what, MAX_FILE_BYTES)).toString('utf8');
  const rows = parseDelimited(text, extname(o.source).toLowerCase() === '.tsv' ? '\t' : ',', what);
  return { name: basename(o.source, extname(o.source)), ...labelledTexts(rows, what, o.textColumn, o.labelColumn) };
}

/** Trains, evaluates on the held-out part and writes the results; returns the figures. */
export async function trainText(o: TrainTextOptions): Promise<TrainTextResult> {
  const started = performance.now();
  if (o.threads !== undefined) setNumThreads(o.threads);
  const data = await loadSource(o);
  const what = `recurrent train ${o.source}`;
  const classes = [...new Set(data.labels)].sort();
  if (data.texts.length < 10) throw new Error(`${what}: ${data.texts.length} labelled texts are too few to train on (at least 10)`);
  if (classes.length < 2) throw new Error(`${what}: every text has the label '${classes[0]}': a classifier needs at least two classes`);
  if (classes.length > MAX_CLASSES) throw new Error(`${what}: ${classes.length} distinct labels, more than ${MAX_CLASSES} (is the label column right?)`);
  const classOf = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(data.labels, (l) => classOf.get(l)!);
  const { train: trainIndex, test: testIndex } = trainTestSplit([y], { testFraction: 0.2, seed: SEED }).indices;

  const tokenizer = new Tokenizer({ numWords: NUM_WORDS, oovToken: '<oov>' });
  tokenizer.fitOnTexts(Array.from(trainIndex, (i) => data.texts[i]));
  const lengths = tokenizer.textsToSequences(data.texts).map((s) => s.length).sort((a, b) => a - b);
  const maxlen = Math.max(1, Math.min(200, lengths[Math.floor(0.95 * (lengths.length - 1))]));
  const pad = (index: Int32Array) =>
    padSequences(tokenizer.textsToSequences(Array.from(index, (i) => data.texts[i])), { maxlen, padding: 'pre', truncating: 'post' }) as { data: Int32Array; shape: number[] };
  const binary = classes.length === 2;
  const target = (index: Int32Array) =>
    binary ? { data: Float32Array.from(index, (i) => y[i]), shape: [index.length, 1] } : { data: Int32Array.from(index, (i) => y[i]), shape: [index.length] };

  const vocabulary = Math.min(NUM_WORDS, tokenizer.wordIndex.size + 1);
  const model = sequential(
    [
      embedding({ inputDim: vocabulary, outputDim: 32, inputShape: [maxlen], maskZero: true }),
      gru({ units: 32 }),
      dense({ units: binary ? 1 : classes.length, activation: binary ? 'sigmoid' : 'softmax' }),
    ],
    { name: 'text_classifier', seed: SEED },
  );
  model.compile({ optimizer: adam({ learningRate: 0.005, clipnorm: 1 }), loss: binary ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xTest = pad(testIndex);
  const yTest = target(testIndex);
  const epochs = o.epochs ?? 5;
  const history = await model.fit(pad(trainIndex), target(trainIndex), { epochs, batchSize: 32, validationData: [xTest, yTest], verbose: 0 });
  const probabilities = (await model.predict(xTest, { batchSize: 256 })).data;
  let correct = 0;
  testIndex.forEach((sample, k) => {
    const predicted = binary ? (probabilities[k] >= 0.5 ? 1 : 0) : argmax(probabilities, k * classes.length, classes.length);
    if (predicted === y[sample]) correct++;
  });
  const counts = classes.map((_, c) => Array.from(testIndex).filter((i) => y[i] === c).length);

  const out = resolve(o.out ?? `recurrent-${data.name}`);
  await model.save(out);
  writeFileSync(join(out, 'tokenizer.json'), JSON.stringify({ maxlen, padding: 'pre', tokenizer: tokenizer.toJSON() }));
  writeFileSync(join(out, 'labels.json'), JSON.stringify(classes));
  history.save(join(out, 'history.json'));
  history.plot(join(out, 'loss.svg'));
  return {
    out,
    samples: data.texts.length,
    trainSamples: trainIndex.length,
    testSamples: testIndex.length,
    classes,
    accuracy: correct / testIndex.length,
    majorityAccuracy: Math.max(...counts) / testIndex.length,
    epochs: history.epoch.length,
    seconds: (performance.now() - started) / 1000,
    params: model.countParams(),
    threads: getNumThreads(),
  };
}

function argmax(a: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[from + j] > a[from + best]) best = j;
  return best;
}

export function formatTrainTextReport(r: TrainTextResult): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return [
    `text classifier: Embedding(32) -> GRU(32) -> Dense, ${r.params.toLocaleString('en-US')} params, ${r.threads} threads`,
    `${r.samples} texts, ${r.classes.length} classes (${r.classes.join(', ')}); trained on ${r.trainSamples}, ${r.epochs} epochs`,
    `held-out accuracy:  ${pct(r.accuracy)} of ${r.testSamples} texts   (majority class: ${pct(r.majorityAccuracy)})`,
    `elapsed:            ${r.seconds.toFixed(1)} s`,
    `wrote ${r.out}/: the model (load it with loadModel), tokenizer.json, labels.json, history.json, loss.svg`,
  ].join('\n');
}
