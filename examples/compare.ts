// The course's comparisons on one task (spam): SimpleRNN vs GRU vs LSTM on the first 60 and
// the first 300 tokens of each mail (long sequences are where SimpleRNN's gradients vanish),
// and a frozen vs a trainable embedding, with parameter counts from summary().
// Run: `npm run example:compare`.
import { dense } from '../lib/layers/dense';
import { embedding } from '../lib/layers/embedding';
import { gru } from '../lib/layers/gru';
import type { Layer } from '../lib/layers/layer';
import { lstm } from '../lib/layers/lstm';
import { simpleRNN } from '../lib/layers/simple_rnn';
import { sequential, Sequential } from '../lib/models/sequential';
import { setNumThreads } from '../lib/runtime';
import { adam } from '../lib/training/optimizers';
import { binaryScores, spamData, type SpamData } from './spam';

/** Trainable and non-trainable parameter counts as summary() prints them. */
export function summaryCounts(summary: string): { total: number; trainable: number; nonTrainable: number } {
  const read = (label: string): number => {
    const m = new RegExp(`^${label}: ([\\d,]+)`, 'm').exec(summary);
    if (!m) throw new Error(`summaryCounts: no '${label}' line in the summary`);
    return Number(m[1].replace(/,/g, ''));
  };
  return { total: read('Total params'), trainable: read('Trainable params'), nonTrainable: read('Non-trainable params') };
}

export interface ComparisonRow {
  model: string;
  trainable: number;
  nonTrainable: number;
  accuracy: number;
  f1: number;
  seconds: number;
}

/** Rows as an aligned text table. */
export function formatTable(rows: ComparisonRow[]): string {
  const header = ['model', 'trainable', 'non-trainable', 'test acc', 'spam F1', 'train s'];
  const cells = rows.map((r) => [
    r.model,
    r.trainable.toLocaleString('en-US'),
    r.nonTrainable.toLocaleString('en-US'),
    `${(100 * r.accuracy).toFixed(2)}%`,
    `${(100 * r.f1).toFixed(2)}%`,
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const NUM_WORDS = 10000;

async function run(name: string, model: Sequential, data: SpamData, epochs: number): Promise<ComparisonRow> {
  const counts = summaryCounts(model.summary({ print: false }));
  model.compile({ optimizer: adam({ learningRate: 0.003, clipnorm: 1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(data.xTrain, data.yTrain, { epochs, batchSize: 64, verbose: 0 });
  const seconds = (performance.now() - started) / 1000;
  const scores = binaryScores(data.testLabels, (await model.predict(data.xTest, { batchSize: 256 })).data);
  const row = { model: name, trainable: counts.trainable, nonTrainable: counts.nonTrainable, accuracy: scores.accuracy, f1: scores.f1, seconds };
  console.log(`${name}: test accuracy ${(100 * row.accuracy).toFixed(2)}%, ${seconds.toFixed(1)} s`);
  return row;
}

function model(name: string, maxlen: number, recurrent: Layer, trainableEmbedding = true): Sequential {
  return sequential(
    [
      embedding({ inputDim: NUM_WORDS, outputDim: 32, inputShape: [maxlen], maskZero: true, trainable: trainableEmbedding }),
      recurrent,
      dense({ units: 1, activation: 'sigmoid' }),
    ],
    { name, seed: 5 },
  );
}

export async function main(options: { epochs?: number; threads?: number } = {}): Promise<void> {
  const { epochs = 4 } = options;
  setNumThreads(options.threads ?? 1);
  const tables: string[] = [];
  let short: SpamData | undefined;
  for (const maxlen of [60, 300]) {
    const data = spamData({ maxlen, numWords: NUM_WORDS });
    short ??= data;
    console.log(`spam, first ${maxlen} tokens, ${data.trainLabels.length} train / ${data.testLabels.length} test mails, ${epochs} epochs each, 32 units`);
    const rows = [
      await run(`SimpleRNN(32), ${maxlen} tokens`, model('simple_rnn_model', maxlen, simpleRNN({ units: 32 })), data, epochs),
      await run(`GRU(32), ${maxlen} tokens`, model('gru_model', maxlen, gru({ units: 32 })), data, epochs),
      await run(`LSTM(32), ${maxlen} tokens`, model('lstm_model', maxlen, lstm({ units: 32 })), data, epochs),
    ];
    tables.push(formatTable(rows));
  }
  const data = short as SpamData;
  const embeddings = [
    await run('GRU(32), trainable embedding', model('trainable_embedding', 60, gru({ units: 32 }), true), data, epochs),
    await run('GRU(32), frozen embedding', model('frozen_embedding', 60, gru({ units: 32 }), false), data, epochs),
  ];
  console.log(`\nSimpleRNN vs GRU vs LSTM\n${tables.join('\n\n')}`);
  console.log(`\nfrozen vs trainable embedding (60 tokens; random 10000 x 32 vectors; frozen = only the GRU and Dense learn)\n${formatTable(embeddings)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
