// The functional API's symbolic tensors (Keras's KerasTensor): what input() returns and a
// layer's apply() returns for symbolic inputs. A tensor knows its per-sample shape, its
// dtype and the node (one application of a layer) that produced it; a model is the graph
// of nodes between its input and output tensors.
import type { Layer, NodeCall } from '../layers/layer';
import { DType, formatShape, Shape } from '../tensor';

export class SymbolicTensor {
  constructor(
    /** Per-sample shape (no batch axis); null marks a free axis. */
    readonly shape: Shape,
    /** float32 or int32; undefined for an input() whose readers decide (int32 when only Embeddings read it). */
    readonly dtype: DType | undefined,
    /** The application of a layer that produced it (an InputLayer's for model inputs). */
    readonly node: LayerNode,
    /** Which of the node's outputs it is. */
    readonly outputIndex: number,
    readonly name: string,
  ) {}

  /** Keras-style description: `<SymbolicTensor lstm (None, 20, 8) float32>`. */
  toString(): string {
    return `<SymbolicTensor ${this.name} ${formatShape([null, ...this.shape])} ${this.dtype ?? 'float32'}>`;
  }
}

let nodesMade = 0;

/** One application of a layer: the tensors it read and the tensors it wrote. */
export class LayerNode {
  private written: SymbolicTensor[] = [];
  /** Counts nodes in the order they were made (the tie-break of a model's node order). */
  readonly serial = nodesMade++;
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    /** The call arguments of this application (attention's returnAttentionScores, useCausalMask). */
    readonly call: Readonly<NodeCall> = {},
  ) {}

  get outputs(): readonly SymbolicTensor[] {
    return this.written;
  }

  setOutputs(outputs: SymbolicTensor[]): void {
    if (this.written.length > 0) throw new Error(`internal: the outputs of a node of ${this.layer.name} are set twice`);
    this.written = outputs;
  }
}
