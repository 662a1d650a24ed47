// Spam filter: the course's IMDB model (Embedding -> GRU -> GRU -> Dense sigmoid) trained on
// the SpamAssassin corpus. Run: `npm run example:spam` (or `npm start`, `recurrent train spam`).
import { padSequences, Tokenizer, loadSpamAssassin } from '../lib/data/index';
import { dense } from '../lib/layers/dense';
import { embedding } from '../lib/layers/embedding';
import { gru } from '../lib/layers/gru';
import { sequential, Sequential } from '../lib/models/sequential';
import { getNumThreads, setNumThreads } from '../lib/runtime';
import type { History } from '../lib/training/history';
import { adam } from '../lib/training/optimizers';

export interface SpamOptions {
  /** Default 5. */
  epochs?: number;
  /**
   * Native threads (default: the library's, RECURRENT_NUM_THREADS or every available core).
   */
  threads?: number;
}

/** Tokens kept per mail, from its start. */
const MAXLEN = 200;
/** Vocabulary of the tokenizer, fitted on the training mail only. */
const NUM_WORDS = 10000;
const BATCH_SIZE = 64;

export interface BinaryScores {
  accuracy: number;
  /** Of the positive class (spam). */
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface SpamResult {
  history: History;
  test: BinaryScores;
  testLoss: number;
  majorityAccuracy: number;
  trainSamples: number;
  testSamples: number;
  epochs: number;
  /** Training samples per second over all epochs, validation passes included in the time. */
  samplesPerSecond: number;
  trainSeconds: number;
  totalSeconds: number;
  threads: number;
  params: number;
}

/**
 * The part of a raw mail a reader sees: the Subject line and the body. Other headers
 * (Received, Message-Id, dates, list names) identify the corpus folder more than the mail's
 * content and would let the model learn where a message was collected instead of what it says.
 */
export function mailText(raw: string): string {
  const cut = raw.search(/\r?\n\r?\n/);
  const header = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut);
  const subject = /^subject:(.*)$/im.exec(header)?.[1]?.trim() ?? '';
  return `${subject}\n${body}`;
}

/** Accuracy of always answering the most frequent label. */
export function majorityAccuracy(labels: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < labels.length; i++) ones += labels[i] === 1 ? 1 : 0;
  return Math.max(ones, labels.length - ones) / labels.length;
}

/** Accuracy, and precision, recall and F1 of class 1, for probabilities cut at threshold. */
export function binaryScores(labels: ArrayLike<number>, probabilities: ArrayLike<number>, threshold = 0.5): BinaryScores {
  if (labels.length !== probabilities.length) throw new RangeError(`binaryScores: ${labels.length} labels but ${probabilities.length} probabilities`);
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = probabilities[i] >= threshold;
    if (labels[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { accuracy: (tp + tn) / labels.length, precision, recall, f1, tp, fp, fn, tn };
}

/** The course's IMDB model: Embedding(numWords, 32) -> GRU(24, sequences) -> GRU(24) -> Dense(1, sigmoid). */
export function spamModel(numWords: number, maxlen: number, seed: number): Sequential {
  return sequential(
    [
      embedding({ inputDim: numWords, outputDim: 32, inputShape: [maxlen], maskZero: true }),
      gru({ units: 24, returnSequences: true }),
      gru({ units: 24 }),
      dense({ units: 1, activation: 'sigmoid' }),
    ],
    { name: 'spam_gru', seed },
  );
}

export interface SpamData {
  /** [N, maxlen] token ids, 0 = padding. */
  xTrain: { data: Int32Array; shape: number[] };
  /** [N, 1] */
  yTrain: { data: Float32Array; shape: number[] };
  xTest: { data: Int32Array; shape: number[] };
  yTest: { data: Float32Array; shape: number[] };
  trainLabels: Int32Array;
  testLabels: Int32Array;
}

/** SpamAssassin as padded token ids: the tokenizer (numWords) is fitted on the training mail only. */
export function spamData(options: { maxlen: number; numWords: number }): SpamData {
  const { train, test } = loadSpamAssassin({ seed: 0 });
  const trainTexts = train.texts.map(mailText);
  const tokenizer = new Tokenizer({ numWords: options.numWords, oovToken: '<oov>' });
  tokenizer.fitOnTexts(trainTexts);
  // Pre-padding with a masked 0 and keeping the first maxlen tokens (subject and opening lines).
  const pad = (texts: string[]) =>
    padSequences(tokenizer.textsToSequences(texts), { maxlen: options.maxlen, padding: 'pre', truncating: 'post' }) as { data: Int32Array; shape: number[] };
  return {
    xTrain: pad(trainTexts),
    yTrain: { data: Float32Array.from(train.labels), shape: [train.labels.length, 1] },
    xTest: pad(test.texts.map(mailText)),
    yTest: { data: Float32Array.from(test.labels), shape: [test.labels.length, 1] },
    trainLabels: train.labels,
    testLabels: test.labels,
  };
}

export async function trainSpam(options: SpamOptions = {}): Promise<SpamResult> {
  const epochs = options.epochs ?? 5;
  if (options.threads !== undefined) setNumThreads(options.threads);
  const started = performance.now();
  const { xTrain, yTrain, xTest, yTest, trainLabels, testLabels } = spamData({ maxlen: MAXLEN, numWords: NUM_WORDS });

  const model = spamModel(NUM_WORDS, MAXLEN, 1);
  model.compile({ optimizer: adam({ learningRate: 0.003, clipnorm: 1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const trainStart = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: BATCH_SIZE,
    validationData: [xTest, yTest],
  });
  const trainSeconds = (performance.now() - trainStart) / 1000;
  const evaluated = await model.evaluate(xTest, yTest, { batchSize: 256, returnDict: true });
  const probabilities = (await model.predict(xTest, { batchSize: 256 })).data;
  return {
    history,
    test: binaryScores(testLabels, probabilities),
    testLoss: evaluated.loss,
    majorityAccuracy: majorityAccuracy(testLabels),
    trainSamples: trainLabels.length,
    testSamples: testLabels.length,
    epochs: history.epoch.length,
    samplesPerSecond: (trainLabels.length * history.epoch.length) / trainSeconds,
    trainSeconds,
    totalSeconds: (performance.now() - started) / 1000,
    threads: getNumThreads(),
    params: model.countParams(),
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

export function formatSpamReport(r: SpamResult): string {
  const s = r.test;
  return [
    `spam classifier: Embedding(32) -> GRU(24) -> GRU(24) -> Dense(sigmoid), ${r.params.toLocaleString('en-US')} params`,
    `train ${r.trainSamples} mails, test ${r.testSamples} held-out mails, ${r.epochs} epochs, ${r.threads} threads`,
    `test accuracy:      ${pct(s.accuracy)}   (majority class: ${pct(r.majorityAccuracy)})`,
    `test loss:          ${r.testLoss.toFixed(4)}`,
    `spam precision:     ${pct(s.precision)}`,
    `spam recall:        ${pct(s.recall)}`,
    `spam F1:            ${pct(s.f1)}   (tp ${s.tp}, fp ${s.fp}, fn ${s.fn}, tn ${s.tn})`,
    `training speed:     ${r.samplesPerSecond.toFixed(1)} samples/s (${r.trainSeconds.toFixed(1)} s training)`,
    `elapsed:            ${r.totalSeconds.toFixed(1)} s (loading, tokenizing, training, evaluating)`,
  ].join('\n');
}

export async function main(): Promise<void> {
  const result = await trainSpam();
  console.log(formatSpamReport(result));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
