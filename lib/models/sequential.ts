// Sequential: a stack of layers, the chain case of a model's graph (one input, each layer
// applied to the previous layer's output). add and pop change the stack; the graph, and
// with it the native model, is remade when the stack changes.
import type { DType, Shape } from '../tensor';
import { formatShape, Tensor } from '../tensor';
import { Bidirectional } from '../layers/bidirectional';
import { InputLayer } from '../layers/input_layer';
import { Layer } from '../layers/layer';
import { describe } from '../options';
import { InputsLike, Model, ModelConfig, PredictConfig } from './model';
import { ModelGraph } from './model_graph';
import { modelName } from './model_names';
import { sequentialToJson } from '../io/topology';
import { summaryText } from './summary';
import type { SymbolicTensor } from './symbolic_tensor';

export interface SequentialConfig extends ModelConfig {
  /** Per-sample input shape (no batch axis); or give the first layer an inputShape. */
  inputShape?: Shape;
}

export interface SummaryConfig {
  /** Print with console.log (default true); the text is returned either way. */
  print?: boolean;
}

function shapesCompatible(expected: readonly (number | null)[], received: readonly (number | null)[]): boolean {
  return expected.length === received.length && expected.every((d, i) => d === null || received[i] === null || d === received[i]);
}

export class Sequential extends Model {
  private readonly stack: Layer[] = [];
  private readonly declaredInputShape: Shape | undefined;
  private builtInputShape: Shape | undefined;
  private cachedGraph: ModelGraph | undefined;

  constructor(layers: Layer[] = [], config: SequentialConfig = {}) {
    const { inputShape, ...rest } = (config ?? {}) as SequentialConfig;
    super(rest, config?.name ?? modelName('sequential'));
    if (inputShape !== undefined) {
      if (!Array.isArray(inputShape) || !inputShape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
        throw new RangeError(`${this.name}: inputShape must be an array of positive integers or null, received ${describe(inputShape)}`);
      }
      this.declaredInputShape = [...inputShape];
    }
    if (!Array.isArray(layers)) throw new TypeError(`${this.name}: the first argument must be an array of layers, received ${describe(layers)}`);
    for (const layer of layers) this.add(layer);
  }

  get layers(): readonly Layer[] {
    return this.stack;
  }

  /** Per-sample input shape, once known (null: a free axis). */
  get inputShape(): Shape | undefined {
    return this.declaredInputShape ?? this.builtInputShape ?? this.stack[0]?.inputShape;
  }

  /** Per-sample output shape. */
  get outputShape(): Shape {
    return this.graph().outputs[0].shape;
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer) || layer instanceof InputLayer) throw new TypeError(`${this.name}: add() takes a layer (layers.dense(...), ...), received ${describe(layer)}`);
    if (this.stack.includes(layer)) throw new RangeError(`${this.name}: layer '${layer.name}' is already in the model`);
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new RangeError(`${this.name}: the model already has a layer named '${layer.name}'; layer names must be unique`);
    }
    if (layer instanceof Bidirectional && layer.mergeMode === null) {
      throw new RangeError(
        `${this.name}: ${layer.name} (Bidirectional) has mergeMode null, which returns two outputs; ` +
          "a Sequential model passes on one: use mergeMode 'concat', 'sum', 'mul' or 'ave'",
      );
    }
    this.stack.push(layer);
    this.invalidate();
    if (this.inputShape !== undefined) {
      try {
        this.graph();
      } catch (err) {
        this.stack.pop();
        this.invalidate();
        throw err;
      }
    }
  }

  /** Removes and returns the last layer. */
  pop(): Layer {
    const layer = this.stack[this.stack.length - 1];
    if (!layer) throw new RangeError(`${this.name}: pop() on a model without layers`);
    this.stack.pop();
    this.invalidate();
    return layer;
  }

  /** Fixes the per-sample input shape (when neither the model nor its first layer has one). */
  build(inputShape?: Shape): void {
    if (inputShape !== undefined) {
      const current = this.inputShape;
      if (current !== undefined && !shapesCompatible(current, inputShape)) {
        throw new RangeError(`${this.name}: build(${formatShape([null, ...inputShape])}) conflicts with the input shape ${formatShape([null, ...current])}`);
      }
      this.builtInputShape = [...inputShape];
      this.invalidate();
    }
    this.graph();
  }

  private invalidate(): void {
    this.cachedGraph = undefined;
    this.graphChanged();
  }

  protected graph(): ModelGraph {
    if (this.cachedGraph) return this.cachedGraph;
    if (this.stack.length === 0) throw new RangeError(`${this.name}: the model has no layers`);
    const shape = this.inputShape;
    if (shape === undefined) {
      throw new RangeError(`${this.name}: the input shape is unknown: give the first layer an inputShape, pass inputShape to sequential(), or call build(inputShape)`);
    }
    const dtype: DType = this.stack[0].tokenVocabulary !== undefined ? 'int32' : 'float32';
    const input = new InputLayer({ shape, dtype, name: `${this.name}_input` }).output();
    let x: SymbolicTensor = input;
    for (const layer of this.stack) {
      const out = layer.apply(x);
      if (Array.isArray(out)) throw new RangeError(`${this.name}: ${layer.name} returns ${out.length} outputs (returnState?); a Sequential model passes on one`);
      x = out;
    }
    this.cachedGraph = new ModelGraph(this.name, [input], [x]);
    return this.cachedGraph;
  }

  /** Built from the shape of its first data: a leading axis of sequences stays free, so later batches may have other lengths. */
  protected override beforeData(x: InputsLike): void {
    if (this.inputShape !== undefined || this.stack.length === 0) return;
    const shape = x instanceof Tensor ? x.shape : shapeOf(x);
    if (!shape || shape.length < 2) return;
    const per: Shape = shape.slice(1);
    if (per.length >= 2 || this.stack[0].tokenVocabulary !== undefined) per[0] = null;
    this.build(per);
  }

  override async predict(x: InputsLike, config: PredictConfig = {}): Promise<Tensor> {
    return (await super.predict(x, config)) as Tensor;
  }

  override async predictOnBatch(x: InputsLike, config: Omit<PredictConfig, 'batchSize'> = {}): Promise<Tensor> {
    return (await super.predictOnBatch(x, config)) as Tensor;
  }

  /** A Keras-like table of layers, output shapes and parameter counts; printed unless print is false. */
  summary(config: SummaryConfig = {}): string {
    const text = summaryText(this.name, this.graph(), false);
    if (config.print !== false) console.log(text);
    return text;
  }

  topology(): unknown {
    return sequentialToJson(this.name, this.stack, this.inputShape as Shape);
  }
}

/** The shape of nested arrays or { data, shape } (for building from data), or undefined. */
function shapeOf(x: unknown): number[] | undefined {
  if (typeof x === 'object' && x !== null && !Array.isArray(x) && 'shape' in x && Array.isArray((x as { shape: unknown }).shape)) return (x as { shape: number[] }).shape;
  const out: number[] = [];
  let v: unknown = x;
  while (Array.isArray(v)) {
    out.push(v.length);
    v = v[0];
  }
  return out.length > 0 ? out : undefined;
}

export function sequential(layers: Layer[] = [], config: SequentialConfig = {}): Sequential {
  return new Sequential(layers, config);
}
