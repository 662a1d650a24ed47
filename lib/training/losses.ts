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
    checkKnownKeys('compile: loss', value, ['name', 'fromLogits']);
    const loss = getLoss(value.name as LossAlias);
    if (value.fromLogits !== undefined && typeof value.fromLogits !== 'boolean') {
      throw new TypeError(`compile: fromLogits must be a boolean, received ${describe(value.fromLogits)}`);
    }
    if (value.fromLogits && (loss.name === 'meanSquaredError' || loss.name === 'meanAbsoluteError')) {
      throw new RangeError(`compile: fromLogits applies to cross-entropy losses, not ${loss.name}`);
    }
    return { name: loss.name, fromLogits: value.fromLogits ?? false };
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
