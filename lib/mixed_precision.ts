// The mixed-precision policy of models (Keras's dtype policies, global or per model):
// 'float32' runs every product in float32; 'bfloat16' (Keras's mixed_bfloat16) runs the
// matrix products of every recurrent layer on bfloat16 operands with float32 sums, keeping
// float32 weights, optimizer slots, states and element-wise math.
import { describe } from './options';

export type MixedPrecisionPolicy = 'float32' | 'bfloat16';

const POLICIES: readonly MixedPrecisionPolicy[] = ['float32', 'bfloat16'];

let globalPolicy: MixedPrecisionPolicy = 'float32';

/** Checks a policy given by a user; `where` names the caller in the message. */
export function checkedPolicy(value: unknown, where: string): MixedPrecisionPolicy {
  if (typeof value === 'string' && (POLICIES as readonly string[]).includes(value)) return value as MixedPrecisionPolicy;
  const hint = value === 'mixed_bfloat16' ? " (Keras's mixed_bfloat16 is 'bfloat16' here)" : '';
  throw new RangeError(`${where}: mixedPrecision must be 'float32' or 'bfloat16', received ${describe(value)}${hint}`);
}

/** The policy of models made from now on that do not name their own (Keras's set_global_policy). */
export function setMixedPrecision(policy: MixedPrecisionPolicy): void {
  globalPolicy = checkedPolicy(policy, 'setMixedPrecision');
}

export function getMixedPrecision(): MixedPrecisionPolicy {
  return globalPolicy;
}
