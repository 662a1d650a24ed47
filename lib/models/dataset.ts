// Datasets for fitDataset and evaluateDataset (TensorFlow.js's fitDataset): an array, a
// sync or an async iterable of batches { xs, ys, sampleWeight?, mask?, lengths? }, each
// batch of its own shape. Iterated anew every epoch, so a generator function's object
// (which runs once) trains one epoch: pass an object whose [Symbol.iterator]() or
// [Symbol.asyncIterator]() starts over, or batchesPerEpoch with an endless one.
import type { StepArgs } from '../graph_spec';
import { checkKnownKeys, describe } from '../options';
import type { TensorLike } from '../tensor';
import type { MaskLike, PerName, SampleWeightLike } from './data_adapter';

export interface DatasetBatch {
  /** The inputs, as fit takes x. */
  xs: PerName<TensorLike>;
  /** The targets, as fit takes y. */
  ys: PerName<TensorLike>;
  sampleWeight?: PerName<SampleWeightLike>;
  mask?: PerName<MaskLike>;
  lengths?: PerName<ArrayLike<number>>;
}

export type DatasetLike = Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>;

const BATCH_KEYS = ['xs', 'ys', 'sampleWeight', 'mask', 'lengths'];

function iteratorOf(dataset: DatasetLike, what: string): Iterator<DatasetBatch> | AsyncIterator<DatasetBatch> {
  if (dataset !== null && typeof dataset === 'object') {
    const asyncIt = (dataset as AsyncIterable<DatasetBatch>)[Symbol.asyncIterator];
    if (typeof asyncIt === 'function') return asyncIt.call(dataset);
    const it = (dataset as Iterable<DatasetBatch>)[Symbol.iterator];
    if (typeof it === 'function') return it.call(dataset);
  }
  throw new TypeError(`${what}: the dataset must be an array, an iterable or an async iterable of { xs, ys } batches, received ${describe(dataset)}`);
}

/**
 * The batches of one pass over `dataset` as native step arguments: from batch `first`
 * on (the earlier ones are read and skipped, for resuming in mid-epoch), at most `limit`
 * in all when given (batchesPerEpoch).
 */
export async function* datasetBatches(dataset: DatasetLike, what: string, first: number, limit: number | undefined, convert: (batch: DatasetBatch, index: number) => StepArgs): AsyncGenerator<StepArgs> {
  // An endless generator's iterator is the generator itself: with batchesPerEpoch, the next
  // epoch goes on where this one stopped.
  const it = iteratorOf(dataset, what);
  let index = 0;
  while (limit === undefined || index < limit) {
    const r = await it.next();
    if (r.done) break;
    const batch = r.value;
    if (batch === null || typeof batch !== 'object' || !('xs' in batch) || !('ys' in batch)) {
      throw new TypeError(`${what}: batch ${index} must be an object { xs, ys }, received ${describe(batch)}`);
    }
    checkKnownKeys(`${what}: batch ${index}`, batch, BATCH_KEYS);
    if (index >= first) yield convert(batch, index);
    index++;
  }
}
