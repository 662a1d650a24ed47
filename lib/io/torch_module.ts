// One PyTorch module's tensors of a state_dict, as a layer asks for them when it takes its
// weights from PyTorch (importSafetensors): nn.Embedding and nn.Linear by bare names
// ('weight', 'bias'), nn.RNN / nn.LSTM / nn.GRU by names of one level ('weight_ih' is
// weight_ih_l<k>, with `reverse` weight_ih_l<k>_reverse).
export interface TorchModule {
  /** Names the layer and module in errors. */
  readonly where: string;
  /** The tensor, checked against `shape`; undefined when optional and absent. */
  take(name: string, shape: number[], options?: { optional?: boolean; reverse?: boolean }): Float32Array | undefined;
}

/** A tensor that must be there. */
export function required(m: TorchModule, name: string, shape: number[], reverse = false): Float32Array {
  return m.take(name, shape, { reverse }) as Float32Array;
}
