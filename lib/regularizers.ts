// Weight penalties added to the training loss (computed natively): l1 * sum|w| + l2 * sum w^2.
import type { Regularizer } from './graph_spec';
import { checkedOptions, describe } from './options';

export type { Regularizer };

function check(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`regularizers.${name}: the factor must be a non-negative number, received ${describe(value)}`);
  }
  return value;
}

/** l1 * sum |w| (Keras default factor 0.01). */
export function l1(factor = 0.01): Regularizer {
  return { l1: check('l1', factor), l2: 0 };
}

/** l2 * sum w^2 (Keras default factor 0.01). */
export function l2(factor = 0.01): Regularizer {
  return { l1: 0, l2: check('l2', factor) };
}

/** Both penalties (Keras defaults 0 and 0). */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  const config = checkedOptions('regularizers.l1l2', options, ['l1', 'l2']);
  return { l1: check('l1l2', config.l1 ?? 0), l2: check('l1l2', config.l2 ?? 0) };
}
