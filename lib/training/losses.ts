// Loss names (Keras camelCase, snake_case and the mse/mae aliases), fromLogits, and the
// check that targets fit the loss and the model's output.
import type { LossName } from '../graph_spec';
import { checkedOptions, checkKnownKeys, describe, ownEntry } from '../options';
import { formatShape, indexText, Shape, Tensor, toTensor, TensorLike } from '../tensor';

export type { LossName };

export interface Loss {
  name: LossName;
  /** The model outputs logits rather than probabilities (cross-entropies only). */
  fromLogits: boolean;
  /** Training uses sampled softmax (losses.sampledSoftmax); evaluation the full loss `name`. */
  sampledSoftmax?: SampledSoftmaxSpec;
}

export interface SampledSoftmaxSpec {
  /** Classes sampled per training step (shared by the batch), fewer than the output's classes. */
  numSampled: number;
  /** Leave a sampled class out of a row whose target it is (TensorFlow's default: true). */
  removeAccidentalHits: boolean;
}

export interface SampledSoftmaxOptions {
  numSampled: number;
  removeAccidentalHits?: boolean;
  /** The output is a linear Dense (logits) rather than a softmax Dense (default false). */
  fromLogits?: boolean;
}

export type LossAlias =
  | LossName
  | 'mse'
  | 'mae'
  | 'mean_squared_error'
  | 'mean_absolute_error'
  | 'binary_crossentropy'
  | 'categorical_crossentropy'
  | 'sparse_categorical_crossentropy';

export type LossLike = LossAlias | Loss;

const ALIASES: Record<LossAlias, LossName> = {
  meanSquaredError: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError',
  binaryCrossentropy: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

export function getLoss(value: LossLike): Loss {
  if (typeof value === 'string') {
    const name = ownEntry(ALIASES, value);
    if (!name) throw new RangeError(`compile: unknown loss '${value}' (known: ${Object.keys(ALIASES).join(', ')})`);
    return { name, fromLogits: false };
  }
  if (value && typeof value === 'object' && typeof value.name === 'string') {
    checkKnownKeys('compile: loss', value, ['name', 'fromLogits', 'sampledSoftmax']);
    const loss = getLoss(value.name as LossAlias);
    if (value.fromLogits !== undefined && typeof value.fromLogits !== 'boolean') {
      throw new TypeError(`compile: fromLogits must be a boolean, received ${describe(value.fromLogits)}`);
    }
    if (value.fromLogits && (loss.name === 'meanSquaredError' || loss.name === 'meanAbsoluteError')) {
      throw new RangeError(`compile: fromLogits applies to cross-entropy losses, not ${loss.name}`);
    }
    const fromLogits = value.fromLogits ?? false;
    if (value.sampledSoftmax === undefined) return { name: loss.name, fromLogits };
    if (loss.name !== 'sparseCategoricalCrossentropy') {
      throw new RangeError(`compile: sampledSoftmax trains on class ids: its loss is sparseCategoricalCrossentropy, received ${loss.name}`);
    }
    return { name: loss.name, fromLogits, sampledSoftmax: sampledSoftmaxSpec(value.sampledSoftmax) };
  }
  throw new TypeError(`compile: loss must be a loss name or losses.<name>({ fromLogits }), received ${describe(value)}`);
}

export const meanSquaredError = (): Loss => ({ name: 'meanSquaredError', fromLogits: false });
export const meanAbsoluteError = (): Loss => ({ name: 'meanAbsoluteError', fromLogits: false });
function withLogits(name: LossName, c: { fromLogits?: boolean }): Loss {
  return getLoss({ name, fromLogits: checkedOptions(name, c, ['fromLogits']).fromLogits ?? false });
}
export const binaryCrossentropy = (c: { fromLogits?: boolean } = {}): Loss => withLogits('binaryCrossentropy', c);
export const categoricalCrossentropy = (c: { fromLogits?: boolean } = {}): Loss => withLogits('categoricalCrossentropy', c);
export const sparseCategoricalCrossentropy = (c: { fromLogits?: boolean } = {}): Loss => withLogits('sparseCategoricalCrossentropy', c);

function sampledSoftmaxSpec(value: unknown): SampledSoftmaxSpec {
  const c = checkedOptions('sampledSoftmax', value as Partial<SampledSoftmaxSpec>, ['numSampled', 'removeAccidentalHits']);
  if (typeof c.numSampled !== 'number' || !Number.isSafeInteger(c.numSampled) || c.numSampled < 1) {
    throw new RangeError(`sampledSoftmax: numSampled must be a positive integer, received ${describe(c.numSampled)}`);
  }
  if (c.removeAccidentalHits !== undefined && typeof c.removeAccidentalHits !== 'boolean') {
    throw new TypeError(`sampledSoftmax: removeAccidentalHits must be a boolean, received ${describe(c.removeAccidentalHits)}`);
  }
  return { numSampled: c.numSampled, removeAccidentalHits: c.removeAccidentalHits ?? true };
}

/**
 * Sampled softmax for a large output vocabulary (TensorFlow's sampled_softmax_loss): in
 * training each step scores every row's own class and `numSampled` classes drawn for the
 * batch by a log-uniform sampler (class ids sorted by falling frequency, 0 the most
 * frequent), corrected by the log of their expected counts; evaluation and predict use the
 * full softmax. The targets are class ids, as for sparseCategoricalCrossentropy; the output
 * must be a Dense layer (softmax, or linear with fromLogits) that nothing else reads.
 */
export function sampledSoftmax(c: SampledSoftmaxOptions): Loss {
  const o = checkedOptions('sampledSoftmax', c, ['numSampled', 'removeAccidentalHits', 'fromLogits']);
  if (o.fromLogits !== undefined && typeof o.fromLogits !== 'boolean') {
    throw new TypeError(`sampledSoftmax: fromLogits must be a boolean, received ${describe(o.fromLogits)}`);
  }
  return {
    name: 'sparseCategoricalCrossentropy',
    fromLogits: o.fromLogits ?? false,
    sampledSoftmax: sampledSoftmaxSpec({ numSampled: o.numSampled, ...(o.removeAccidentalHits === undefined ? {} : { removeAccidentalHits: o.removeAccidentalHits }) }),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Converts targets `y` (`what` names them: "y", "validationData[1]") to the dtype and shape
 * the loss needs for a model whose per-sample output is `outputShape`: int32 class ids of
 * the output shape without its last axis for sparseCategoricalCrossentropy (a trailing
 * axis of 1 is dropped), float32 of the output shape otherwise (a missing trailing axis
 * of 1 is added, as Keras does for binary targets of shape [N]).
 */
export function prepareTargets(y: TensorLike, loss: Loss, outputShape: number[], samples: number, what: string): Tensor {
  const t = toTensor(y, what);
  const received = t.shape;
  if (received[0] !== samples) {
    throw new RangeError(`${what} has ${received[0] ?? 0} samples, but x has ${samples}`);
  }
  const per = received.slice(1);
  const classes = outputShape[outputShape.length - 1];
  const expectedShape = (s: number[]): string => formatShape([null, ...s] as Shape);
  if (loss.name === 'sparseCategoricalCrossentropy') {
    const want = outputShape.slice(0, -1);
    let shape: number[];
    if (sameShape(per, want)) shape = received;
    else if (sameShape(per, [...want, 1])) shape = received.slice(0, -1);
    else {
      const hint = sameShape(per, outputShape) && classes > 1 ? `; for one-hot targets use 'categoricalCrossentropy'` : '';
      throw new RangeError(
        `${what}: sparseCategoricalCrossentropy expects integer class ids of shape ${expectedShape(want)}, received ${formatShape(received)}${hint}`,
      );
    }
    const ids = new Int32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new RangeError(`${what}: class id ${v} at ${what}${indexText(received, i)} is not an integer in [0, ${classes})`);
      }
      ids[i] = v;
    }
    return new Tensor(ids, shape);
  }
  let shape: number[];
  if (sameShape(per, outputShape)) shape = received;
  else if (classes === 1 && sameShape(per, outputShape.slice(0, -1))) shape = [...received, 1];
  else {
    const hint =
      loss.name === 'categoricalCrossentropy' && sameShape(per, outputShape.slice(0, -1))
        ? `; for integer class ids use 'sparseCategoricalCrossentropy'`
        : '';
    throw new RangeError(`${what}: ${loss.name} expects targets of shape ${expectedShape(outputShape)}, received ${formatShape(received)}${hint}`);
  }
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`${what}: the target at ${what}${indexText(received, i)} is ${data[i]}; targets must be finite`);
  }
  return new Tensor(data, shape);
}
