// The spam filter of examples/spam.ts trained data-parallel over MPI, Horovod style: every
// process loads the corpus, takes its shard of each epoch and trains with 64 mails per
// step; the gradients are averaged over the processes before each update. Rank 0 prints
// samples/s, the bytes reduced per step and the held-out scores.
//
//   npm run build:mpi && npx tsc -p tsconfig.json
//   mpirun -np 1 node dist/examples/distributed_spam.js
//   mpirun -np 2 node dist/examples/distributed_spam.js [--epochs N] [--threads N] [--dense]
//   mpirun -np 4 --oversubscribe node dist/examples/distributed_spam.js   (more processes than cores)
// As root, add --allow-run-as-root (or set OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1).
import * as distributed from '../lib/distributed/index';
import { getNumThreads, setNumThreads } from '../lib/runtime';
import { adam } from '../lib/training/optimizers';
import { binaryScores, majorityAccuracy, spamData, spamModel } from './spam';

const MAXLEN = 200;
const NUM_WORDS = 10000;
/** Mails per process per step. */
const BATCH_SIZE = 64;

interface Options {
  epochs: number;
  threads: number;
  /** Reduce the embedding's gradient as the dense table (sparseAsDense), to compare. */
  dense: boolean;
}

function options(argv: string[]): Options {
  const o: Options = { epochs: 3, threads: 1, dense: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--dense') {
      o.dense = true;
      i -= 1;
      continue;
    }
    const n = Number(value);
    if ((flag !== '--epochs' && flag !== '--threads') || !Number.isInteger(n) || n < 1) {
      throw new RangeError(`distributed_spam: expected --epochs N, --threads N (positive integers) or --dense, received ${[flag, value].filter((v) => v !== undefined).join(' ')}`);
    }
    o[flag === '--epochs' ? 'epochs' : 'threads'] = n;
  }
  return o;
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const bytes = (v: number) => v.toLocaleString('en-US');

export async function main(argv: string[]): Promise<void> {
  const o = options(argv);
  const { rank, size, library } = distributed.init({ sparseAsDense: o.dense });
  setNumThreads(o.threads);
  const { xTrain, yTrain, xTest, testLabels } = spamData({ maxlen: MAXLEN, numWords: NUM_WORDS });
  const model = spamModel(NUM_WORDS, MAXLEN, 1);
  model.compile({ optimizer: adam({ learningRate: 0.003, clipnorm: 1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const n = xTrain.shape[0];
  const perEpoch = Math.floor(n / size) * size;
  const started = performance.now();
  const history = await model.fit(xTrain, yTrain, { epochs: o.epochs, batchSize: BATCH_SIZE, distributed: true, verbose: rank === 0 ? 2 : 0 });
  const seconds = (performance.now() - started) / 1000;
  if (rank !== 0) return;
  const stats = distributed.reductionStats();
  const probabilities = (await model.predict(xTest, { batchSize: 256 })).data;
  const scores = binaryScores(testLabels, probabilities);
  const loss = history.history.loss;
  console.log(
    [
      `distributed spam classifier: ${size} process${size > 1 ? 'es' : ''} (${library}), ${getNumThreads()} thread${getNumThreads() > 1 ? 's' : ''} each, ${BATCH_SIZE} mails per process per step (${BATCH_SIZE * size} per step)`,
      `trained ${o.epochs} epochs of ${perEpoch} mails (${Math.ceil(n / size / BATCH_SIZE)} steps each), ${model.countParams().toLocaleString('en-US')} params; final training loss ${loss[loss.length - 1].toFixed(4)}`,
      `training speed:     ${((perEpoch * o.epochs) / seconds).toFixed(1)} samples/s (${seconds.toFixed(1)} s)`,
      `reduced per step:   ${bytes(stats.bytesPerStep)} bytes of gradients; rank 0 sent ${bytes(Math.round(stats.sentBytesPerStep))} bytes per step (the embedding ${stats.sparseTables > 0 ? 'as its touched rows' : 'as the dense table'})`,
      `waiting in reductions: ${((1000 * stats.seconds) / stats.steps).toFixed(2)} ms per step, ${pct(stats.seconds / seconds)} of the training time (rank 0)`,
      `test accuracy:      ${pct(scores.accuracy)} of ${testLabels.length} held-out mails (majority class: ${pct(majorityAccuracy(testLabels))}), spam F1 ${pct(scores.f1)}`,
    ].join('\n'),
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`rank ${distributed.isInitialized() ? distributed.rank() : '?'}: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
