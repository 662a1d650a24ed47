// input({ shape, dtype, name }): a model input as a symbolic tensor (Keras's Input). Its
// producer is an InputLayer, which has no weights and no native counterpart: the native
// graph's inputs are listed in GraphSpec.inputs.
import type { LayerSpec } from '../graph_spec';
import { LayerNode, SymbolicTensor } from '../models/symbolic_tensor';
import { checkedOptions, describe } from '../options';
import { DType, Shape } from '../tensor';
import { Layer, LayerKindDeclaration, TensorType } from './layer';

export interface InputConfig {
  /** Per-sample shape (no batch axis); null marks a free axis, e.g. [null, 8] for sequences of any length. */
  shape: Shape;
  /** 'float32', or 'int32' for token ids; without one, int32 when only Embedding layers read it. */
  dtype?: DType;
  name?: string;
}

export const INPUT_LAYER: LayerKindDeclaration = { className: 'InputLayer', baseName: 'input', options: {} };

export class InputLayer extends Layer {
  readonly shape: Shape;
  readonly dtype: DType | undefined;
  constructor(config: InputConfig) {
    const c = checkedOptions('input', config, ['shape', 'dtype', 'name']);
    super(INPUT_LAYER, c.name === undefined ? {} : { name: c.name });
    const s = c.shape;
    if (!Array.isArray(s) || s.length === 0 || s.length > 8 || !s.every((d) => d === null || (Number.isInteger(d) && d > 0 && d <= 2 ** 24))) {
      throw this.error(`input: shape must be a non-empty array of positive integers or null (the per-sample shape, no batch axis), received ${describe(s)}`);
    }
    if (c.dtype !== undefined && c.dtype !== 'float32' && c.dtype !== 'int32') throw this.error(`input: dtype must be 'float32' or 'int32', received ${describe(c.dtype)}`);
    this.shape = [...s];
    this.dtype = c.dtype;
  }
  outputTypes(): TensorType[] {
    return [{ shape: [...this.shape], dtype: this.dtype }];
  }
  toSpec(): LayerSpec {
    throw this.error('an InputLayer has no native layer');
  }
  override getConfig(): Record<string, unknown> {
    return { batch_input_shape: [null, ...this.shape], dtype: this.dtype ?? 'float32', sparse: false, name: this.name };
  }
  /** The symbolic tensor this input stands for. */
  output(): SymbolicTensor {
    const node = new LayerNode(this, []);
    node.setOutputs([new SymbolicTensor([...this.shape], this.dtype, node, 0, this.name)]);
    return node.outputs[0];
  }
}

/** A model input (Keras's Input): `input({ shape: [null, 8] })`. */
export function input(config: InputConfig): SymbolicTensor {
  return new InputLayer(config).output();
}
