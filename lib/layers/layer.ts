// The base of every layer: Keras-style automatic names, the options of its kind checked
// against their declaration (lib/layers/declaration.ts), application to symbolic tensors
// (`layer.apply(x)`, the functional API), and what a model asks of a layer: the output
// types for input types, its weights (Keras names, shapes, order and initial values,
// fixed by its first application), its native LayerSpec and its Keras JSON config.
import type { LayerSpec, NodeSpec } from '../graph_spec';
import type { Initializer } from '../initializers';
import { LayerNode, SymbolicTensor } from '../models/symbolic_tensor';
import type { TorchModule } from '../io/torch_module';
import { checkMemory } from '../memory_limit';
import { describe } from '../options';
import { SeededRandom } from '../random';
import { DType, formatShape, Shape, shapeSize } from '../tensor';
import { nativeOptions, OptionTable, optionsToJson, parseOptions } from './declaration';
import { LayerWeightState } from './layer_weight_state';

export interface LayerConfig {
  /** Unique layer name; default: the snake_case kind with a counter (lstm, lstm_1, ...). */
  name?: string;
  /** Whether training updates this layer's weights (default true). */
  trainable?: boolean;
  /** Per-sample input shape (no batch axis), for a Sequential model's first layer; null: any size. */
  inputShape?: Shape;
}

/** What flows between layers: a per-sample shape and a dtype (undefined: an input whose readers decide). */
export interface TensorType {
  shape: Shape;
  dtype: DType | undefined;
}

/** One weight of a layer: its Keras name and shape, and how it starts. */
export interface WeightInfo {
  name: string;
  shape: number[];
  trainable: boolean;
  init(random: SeededRandom): Float32Array;
}

/** Options of a call: `layer.apply(x, { initialState: [h, c] })`. */
export interface ApplyOptions {
  /** Recurrent layers: the initial states (Keras initial_state). */
  initialState?: SymbolicTensor | SymbolicTensor[];
  /** Attention layers: also return the attention weights (Keras return_attention_scores). */
  returnAttentionScores?: boolean;
  /** Attention layers: each query sees the keys up to its own position (Keras use_causal_mask). */
  useCausalMask?: boolean;
}

/** What one application of a layer was called with besides its inputs (Keras call arguments): attention layers only. */
export interface NodeCall {
  returnAttentionScores?: boolean;
  useCausalMask?: boolean;
}

/** The declaration of a layer kind. */
export interface LayerKindDeclaration {
  /** Keras class name: 'LSTM', 'Dense', ... */
  className: string;
  /** Base of automatic names: 'lstm', 'dense', ... */
  baseName: string;
  options: OptionTable;
  /** Config keys besides the declared and common ones (a wrapped `layer`). */
  extraKeys?: readonly string[];
}

const nameCounts = new Map<string, number>();

/** Keras naming: the first 'gru' is gru, then gru_1, gru_2, ... (per process). */
export function autoName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export abstract class Layer {
  readonly name: string;
  readonly trainable: boolean;
  readonly inputShape: Shape | undefined;
  /** Values of the weights, and which model holds the current ones. */
  readonly weightState = new LayerWeightState();
  /** The checked options of this layer's kind, defaults filled in. */
  protected readonly options: Record<string, unknown>;
  private builtInputs: TensorType[] | undefined;

  protected constructor(
    readonly declaration: LayerKindDeclaration,
    config: object,
  ) {
    const c = config as Record<string, unknown>;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      throw new TypeError(`${declaration.baseName}: the config must be an object, received ${describe(config)}`);
    }
    if (c.name !== undefined && (typeof c.name !== 'string' || c.name.length === 0 || c.name.length > 256)) {
      throw new TypeError(`${declaration.baseName}: name must be a non-empty string, received ${describe(c.name)}`);
    }
    this.name = (c.name as string | undefined) ?? autoName(declaration.baseName);
    this.options = parseOptions(this.name, declaration.options, c, declaration.extraKeys);
    if (c.trainable !== undefined && typeof c.trainable !== 'boolean') {
      throw this.error(`trainable must be a boolean, received ${describe(c.trainable)}`);
    }
    this.trainable = (c.trainable as boolean | undefined) ?? true;
    if (c.inputShape !== undefined) {
      const s = c.inputShape;
      if (!Array.isArray(s) || s.length > 8 || !s.every((d) => d === null || (Number.isInteger(d) && d > 0 && d <= 2 ** 24))) {
        throw this.error(`inputShape must be an array of positive integers or null, received ${describe(s)}`);
      }
      this.inputShape = [...s];
    }
  }

  /** Keras class name shown by summary(): 'LSTM', 'Dense', ... */
  get className(): string {
    return this.declaration.className;
  }

  // ---- What each kind defines.

  /** The vocabulary size of a layer that reads int32 token ids (an Embedding); undefined for the others. */
  get tokenVocabulary(): number | undefined {
    return undefined;
  }

  /** Output types for these input types (and the application's call arguments); throws naming the layer on a misfit. */
  abstract outputTypes(inputs: TensorType[], call?: NodeCall): TensorType[];

  /** The weights for the first application's inputs, in Keras order (none by default). */
  weightsFor(_inputs: TensorType[]): WeightInfo[] {
    return [];
  }

  /** The native LayerSpec (for the first application's inputs). */
  abstract toSpec(): LayerSpec;

  /** Input types of the first application (what the weights were made for). */
  protected get built(): TensorType[] {
    if (!this.builtInputs) throw this.error('the layer has not been applied to an input yet');
    return this.builtInputs;
  }

  get isBuilt(): boolean {
    return this.builtInputs !== undefined;
  }

  /**
   * Fixes the weights' shapes at the first application; later applications (a shared
   * layer) must give inputs that need the same weights.
   */
  build(inputs: TensorType[]): void {
    if (!this.builtInputs) {
      const built = inputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
      // Before anything is allocated: a value, a gradient and two optimizer slots per weight.
      const elements = this.weightsFor(built).reduce((n, w) => n + shapeSize(w.shape), 0);
      checkMemory(`${this.name}: building the layer`, elements * 16, `${elements} float32 parameters, each with a gradient and two optimizer slots`);
      this.builtInputs = built;
      return;
    }
    const have = this.weightsFor(this.builtInputs);
    const want = this.weightsFor(inputs);
    const same = have.length === want.length && have.every((w, i) => w.shape.length === want[i].shape.length && w.shape.every((d, k) => d === want[i].shape[k]));
    if (!same) {
      throw this.error(
        `was built for inputs ${inputs.length === 1 ? formatShape([null, ...this.builtInputs[0].shape]) : this.builtInputs.map((t) => formatShape([null, ...t.shape])).join(', ')} ` +
          `and cannot take ${inputs.map((t) => formatShape([null, ...t.shape])).join(', ')} (its weights would differ)`,
      );
    }
  }

  /** The layer's weights in Keras order (it must have been applied). */
  weights(): WeightInfo[] {
    return this.weightsFor(this.built);
  }

  countParams(): number {
    return this.isBuilt ? this.weights().reduce((n, w) => n + shapeSize(w.shape), 0) : 0;
  }

  /** The layer's Keras JSON config (name, trainable, dtype and its declared options). */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, dtype: 'float32', ...optionsToJson(this.declaration.options, this.options) };
  }

  /**
   * The layer's weights (Keras layout) from the PyTorch module that holds them
   * (importSafetensors); only layers with weights are asked, and only those with a PyTorch
   * counterpart answer.
   */
  fromTorch(module: TorchModule): Float32Array[] {
    throw new Error(`${module.where}: a ${this.className} layer has no PyTorch counterpart`);
  }

  /**
   * Where Keras 3 keeps this layer's variables under its group in a `.weights.h5` file, and
   * how many of its weights (in order) each place holds: the group itself by default.
   */
  kerasVariableGroups(): { path: string; count: number }[] {
    return [{ path: '', count: this.weights().length }];
  }

  /** The layer as Keras JSON (lib/io/topology.ts adds the graph's connections). */
  toJson(): LayerJson {
    return { class_name: this.className, config: this.getConfig() };
  }

  /** The declared options the native LayerSpec carries under their own names. */
  protected nativeOptions(): Record<string, unknown> {
    return nativeOptions(this.declaration.options, this.options);
  }

  /** Input counts this layer takes besides the first (initial states); the default: exactly one input. */
  protected checkInputCount(inputs: readonly TensorType[], min = 1, max = 1): void {
    if (inputs.length < min || inputs.length > max) {
      const want = min === max ? `${min} input${min === 1 ? '' : 's'}` : max === Infinity ? `at least ${min} inputs` : `${min} to ${max} inputs`;
      throw this.error(`takes ${want}, received ${inputs.length}`);
    }
  }

  /**
   * Applies the layer to symbolic tensors (from input() or other layers): returns its
   * output tensor, or a list for several outputs (a recurrent layer with returnState).
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions = {}): SymbolicTensor | SymbolicTensor[] {
    const list = this.callInputs(inputs, options);
    const call = this.nodeCall(options);
    const types = list.map((t) => ({ shape: t.shape, dtype: t.dtype }));
    const outputs = this.outputTypes(types, call);
    this.build(types);
    const node = new LayerNode(this, list, call);
    node.setOutputs(outputs.map((o, i) => new SymbolicTensor(o.shape, o.dtype, node, i, outputs.length === 1 ? this.name : `${this.name}/${i}`)));
    return node.outputs.length === 1 ? node.outputs[0] : [...node.outputs];
  }

  /** The inputs of a call as a list (initial states after the input). */
  protected callInputs(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions): SymbolicTensor[] {
    const { initialState, returnAttentionScores, useCausalMask, ...rest } = options ?? {};
    const extra = Object.keys(rest);
    if (extra.length > 0) throw this.error(`apply: unknown option '${extra[0]}' (known options: initialState, returnAttentionScores, useCausalMask)`);
    if (initialState !== undefined) throw this.error('apply: initialState is for recurrent layers');
    if (returnAttentionScores !== undefined || useCausalMask !== undefined) throw this.error(`apply: ${returnAttentionScores !== undefined ? 'returnAttentionScores' : 'useCausalMask'} is for attention layers`);
    return toSymbolicList(this.name, inputs);
  }

  /** The call arguments an application keeps (none by default: initial states arrive as inputs). */
  protected nodeCall(_options: ApplyOptions): NodeCall {
    return {};
  }

  /** A node's call arguments as Keras writes them in its kwargs (none by default). */
  callKwargs(_call: NodeCall): Record<string, unknown> {
    return {};
  }

  /** A node's call arguments in the native NodeSpec (none by default). */
  nodeSpecCall(_call: NodeCall): NodeSpec['call'] {
    return undefined;
  }

  /** The apply options a saved node's Keras kwargs ask for (none by default: initial states arrive as inputs). */
  applyOptionsFromKwargs(_kwargs: Record<string, unknown>): ApplyOptions {
    return {};
  }

  /** An Error whose message starts with the layer's name. */
  protected error(message: string): RangeError {
    return new RangeError(`${this.name}: ${message}`);
  }

  protected requireRank(input: TensorType, rank: number, what: string): void {
    if (input.shape.length !== rank) {
      throw this.error(`expected input of rank ${rank + 1} (${what}), received input shape ${formatShape([null, ...input.shape])}`);
    }
  }

  protected requireFloat(input: TensorType, index = 0): void {
    if (input.dtype === 'int32') {
      throw this.error(`input ${index} holds int32 token ids; only an Embedding reads those (or give the input dtype 'float32')`);
    }
  }

  protected knownLastAxis(input: TensorType): number {
    const last = input.shape[input.shape.length - 1];
    if (last === null || last === undefined) {
      throw this.error(`the last axis of the input must have a known size, received input shape ${formatShape([null, ...input.shape])}`);
    }
    return last;
  }

  // ---- Sequential's view: one input, one output.

  /** Per-sample output shape for a per-sample input shape (one input and output). */
  computeOutputShape(inputShape: Shape, dtype?: DType): Shape {
    const outputs = this.outputTypes([{ shape: inputShape, dtype }]);
    if (outputs.length !== 1) {
      throw this.error(`returns ${outputs.length} outputs, which a Sequential model cannot pass on`);
    }
    return outputs[0].shape;
  }
}

/** A list of symbolic tensors from one tensor or a list; `where` names the layer. */
export function toSymbolicList(where: string, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) throw new RangeError(`${where}: apply: no inputs`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new TypeError(`${where}: apply takes symbolic tensors (from input() or another layer's apply), but input ${i} is ${describe(t)}`);
    }
  });
  return list;
}

/** A weight drawn from an initializer. */
export function weight(name: string, shape: number[], trainable: boolean, init: Initializer): WeightInfo {
  return { name, shape, trainable, init: (random) => init.generate(shape, random) };
}

/** A layer in Keras JSON: { class_name, config }. */
export interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}
