// The functional API (Keras): model({ inputs, outputs }) over the graph of layers applied
// to symbolic tensors from input(). A layer applied twice shares its weights; models made
// from the same layers (an encoder and a decoder for inference, beside the training model)
// share them too, and see each other's training.
import { functionalToJson } from '../io/topology';
import type { Layer } from '../layers/layer';
import { checkedOptions, describe } from '../options';
import { Model, ModelConfig } from './model';
import { ModelGraph } from './model_graph';
import { modelName } from './model_names';
import { SummaryConfig } from './sequential';
import { summaryText } from './summary';
import { SymbolicTensor } from './symbolic_tensor';

export interface FunctionalConfig extends ModelConfig {
  /** The model's inputs: tensors made by input(). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's outputs: tensors computed from the inputs by layers. */
  outputs: SymbolicTensor | SymbolicTensor[];
}

function tensorList(what: string, v: unknown): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) throw new TypeError(`${what}[${i}] must be a symbolic tensor (from input() or a layer's apply()), received ${describe(t)}`);
  });
  return list as SymbolicTensor[];
}

export class Functional extends Model {
  private readonly modelGraph: ModelGraph;

  constructor(config: FunctionalConfig) {
    const c = checkedOptions('model', config, ['inputs', 'outputs', 'name', 'seed', 'backend', 'mixedPrecision']);
    const { inputs, outputs, ...rest } = c;
    super(rest, c.name ?? modelName('functional'));
    if (inputs === undefined || outputs === undefined) throw new TypeError(`${this.name}: model({ inputs, outputs }) needs both`);
    this.modelGraph = new ModelGraph(this.name, tensorList(`${this.name}: inputs`, inputs), tensorList(`${this.name}: outputs`, outputs));
  }

  protected graph(): ModelGraph {
    return this.modelGraph;
  }

  /** InputLayers first, then every layer in the order of its first application. */
  get layers(): readonly Layer[] {
    return this.modelGraph.layers;
  }

  /** Keras's table of layers, output shapes, parameter counts and connections; printed unless print is false. */
  summary(config: SummaryConfig = {}): string {
    const text = summaryText(this.name, this.modelGraph, true);
    if (config.print !== false) console.log(text);
    return text;
  }

  topology(): unknown {
    return functionalToJson(this.name, this.modelGraph);
  }
}

/** A model from its inputs and outputs (Keras's Model(inputs, outputs)). */
export function model(config: FunctionalConfig): Functional {
  return new Functional(config);
}
