// SimpleRNN: h_t = activation(x_t W + h_{t-1} U + b).
import { RecurrentLayer, RecurrentLayerConfig } from './recurrent';

export type SimpleRNNConfig = RecurrentLayerConfig;

export class SimpleRNN extends RecurrentLayer {
  readonly className = 'SimpleRNN';
  readonly cell = 'simpleRnn';
  readonly gates = 1;
  constructor(config: SimpleRNNConfig) {
    if ('recurrentActivation' in config) {
      throw new RangeError(`${config.name ?? 'simple_rnn'}: SimpleRNN has no recurrentActivation (it has no gates)`);
    }
    super(config, 'simple_rnn');
  }
  withOptions(changes: Partial<SimpleRNNConfig>): SimpleRNN {
    return new SimpleRNN({ ...this.config, ...changes });
  }
}

export function simpleRNN(config: SimpleRNNConfig): SimpleRNN {
  return new SimpleRNN(config);
}
