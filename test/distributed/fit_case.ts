// The model and data that test/distributed.test.ts trains on one process and on 2 and 4
// processes of an mpirun job (test/distributed/fit_worker.ts): an embedding and a GRU
// on seeded token sequences, no dropout, so the only difference between the runs is how
// the batch is split. A batch touches few of the embedding's 500 rows, so its gradient
// goes as gathered rows (sparse) unless the job asks for dense.
import { layers, optimizers, sequential, Sequential, tensor, Tensor } from '../../lib/index';

export type OptimizerName = 'sgd' | 'adam';

/** Samples, of which the last VALIDATION_SPLIT are held out; the 48 trained on split into whole global batches for 1, 2 and 4 processes. */
export const SAMPLES = 64;
export const VALIDATION_SPLIT = 0.25;
/** Samples per process per step. */
export const PER_RANK_BATCH = 4;
export const EPOCHS = 2;
const STEPS = 6;
/** Large enough that gathering the touched rows of the embedding sends less than the dense table. */
const VOCAB = 500;

export function caseData(): { x: Tensor; y: Tensor } {
  let s = 12345;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Int32Array(SAMPLES * STEPS);
  const y = new Float32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    let sum = 0;
    for (let t = 0; t < STEPS; t++) {
      const id = 1 + Math.floor(next() * (VOCAB - 1));
      x[i * STEPS + t] = id;
      sum += id;
    }
    y[i] = sum % 2;
  }
  return { x: tensor(x, [SAMPLES, STEPS], 'int32'), y: tensor(y, [SAMPLES, 1]) };
}

/** A compiled model; `seed` decides its initial weights (a distributed fit takes rank 0's). */
export function caseModel(optimizer: OptimizerName, seed: number): Sequential {
  const m = sequential([layers.embedding({ inputDim: VOCAB, outputDim: 8 }), layers.gru({ units: 8 }), layers.dense({ units: 1, activation: 'sigmoid' })], {
    inputShape: [STEPS],
    seed,
    name: `case_${optimizer}`,
  });
  const opt = optimizer === 'sgd' ? optimizers.sgd({ learningRate: 0.5, momentum: 0.9, clipnorm: 0.5 }) : optimizers.adam({ learningRate: 0.01 });
  m.compile({ optimizer: opt, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** The model's weights as the bytes of their float32 values, joined (compared bit for bit). */
export function weightBytes(m: Sequential): string {
  return Buffer.concat(m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength))).toString('base64');
}
