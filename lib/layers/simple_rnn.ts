// SimpleRNN: h_t = activation(x_t W + h_{t-1} U + b).
import { LayerKindDeclaration } from './layer';
import { RECURRENT_OPTIONS, RecurrentLayer, RecurrentLayerConfig } from './recurrent';

export type SimpleRNNConfig = RecurrentLayerConfig;

export const SIMPLE_RNN: LayerKindDeclaration = { className: 'SimpleRNN', baseName: 'simple_rnn', options: RECURRENT_OPTIONS };

export class SimpleRNN extends RecurrentLayer {
  readonly cell = 'simpleRnn';
  readonly gates = 1;
  constructor(config: SimpleRNNConfig) {
    super(SIMPLE_RNN, unitsShorthand(config));
  }
}

/** Keras takes units first: simpleRNN(32) is simpleRNN({ units: 32 }). */
export function unitsShorthand<C extends object>(config: C | number): C | { units: number } {
  return typeof config === 'number' ? { units: config } : config;
}

export function simpleRNN(config: SimpleRNNConfig | number): SimpleRNN {
  return new SimpleRNN(unitsShorthand(config) as SimpleRNNConfig);
}
