// An Optimizer from the OptimizerSpec a model file saved (a learning-rate schedule is saved
// as the rate it had then: functions do not serialize).
import type { OptimizerSpec } from '../graph_spec';
import { adadelta, adagrad, adam, Optimizer, rmsprop, sgd } from '../training/optimizers';

export function optimizerFromSpec(s: OptimizerSpec): Optimizer {
  const clip = {
    ...(s.clipvalue > 0 ? { clipvalue: s.clipvalue } : {}),
    ...(s.clipnorm > 0 ? { clipnorm: s.clipnorm } : {}),
    ...(s.globalClipnorm > 0 ? { globalClipnorm: s.globalClipnorm } : {}),
  };
  const learningRate = s.learningRate;
  switch (s.kind) {
    case 'sgd':
      return sgd({ learningRate, momentum: s.momentum, nesterov: s.nesterov, ...clip });
    case 'adam':
      return adam({ learningRate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, ...clip });
    case 'rmsprop':
      return rmsprop({ learningRate, rho: s.rho, epsilon: s.epsilon, ...clip });
    case 'adadelta':
      return adadelta({ learningRate, rho: s.rho, epsilon: s.epsilon, ...clip });
    case 'adagrad':
      return adagrad({ learningRate, initialAccumulatorValue: s.initialAccumulatorValue, epsilon: s.epsilon, ...clip });
    default:
      throw new RangeError(`unknown optimizer kind ${JSON.stringify((s as { kind: unknown }).kind)}`);
  }
}
