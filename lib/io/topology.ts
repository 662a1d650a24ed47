// A Sequential model's architecture as Keras / TensorFlow.js layers JSON: modelTopology
// { class_name: 'Sequential', config: { name, layers: [{ class_name, config }] } } with
// Keras snake_case keys, the first layer carrying batch_input_shape. Reading accepts what
// TensorFlow.js and Keras write for the layers we have (an InputLayer first, config as a
// bare layer list, unknown keys such as initializers ignored) and refuses anything else
// with an error naming the layer and the key.
import type { LayerSpec, Regularizer } from '../graph_spec';
import { Bidirectional, MergeMode } from '../layers/bidirectional';
import { Dense } from '../layers/dense';
import { Dropout } from '../layers/dropout';
import { Embedding } from '../layers/embedding';
import { GRU } from '../layers/gru';
import { Layer } from '../layers/layer';
import { LSTM } from '../layers/lstm';
import { Masking } from '../layers/masking';
import { RecurrentLayer } from '../layers/recurrent';
import { SimpleRNN } from '../layers/simple_rnn';
import { TimeDistributed } from '../layers/time_distributed';
import type { Shape } from '../tensor';

export interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

export interface SequentialTopology {
  class_name: 'Sequential';
  config: { name: string; layers: LayerJson[] };
  backend: string;
}

/** Keras activation names for ours. */
const ACTIVATION_TO_KERAS: Record<string, string> = {
  linear: 'linear',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  softmax: 'softmax',
  hardSigmoid: 'hard_sigmoid',
};
const ACTIVATION_FROM_KERAS: Record<string, string> = {
  linear: 'linear',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  softmax: 'softmax',
  hard_sigmoid: 'hardSigmoid',
  hardSigmoid: 'hardSigmoid',
};

function regularizerJson(r: Regularizer | undefined): unknown {
  return r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null;
}

function recurrentJson(layer: RecurrentLayer, name: string): LayerJson {
  const spec = layer.toSpec();
  const config: Record<string, unknown> = {
    name,
    trainable: layer.trainable,
    dtype: 'float32',
    units: layer.units,
    activation: ACTIVATION_TO_KERAS[layer.activation],
    use_bias: layer.useBias,
    kernel_regularizer: regularizerJson(spec.kernelRegularizer),
    recurrent_regularizer: regularizerJson(spec.recurrentRegularizer),
    bias_regularizer: regularizerJson(spec.biasRegularizer),
    dropout: layer.dropout,
    recurrent_dropout: layer.recurrentDropout,
    return_sequences: layer.returnSequences,
    return_state: layer.returnState,
    go_backwards: layer.goBackwards,
    stateful: layer.stateful,
    unroll: false,
  };
  if (!(layer instanceof SimpleRNN)) config.recurrent_activation = ACTIVATION_TO_KERAS[layer.recurrentActivation];
  if (layer instanceof LSTM) config.unit_forget_bias = layer.unitForgetBias;
  if (layer instanceof GRU) config.reset_after = layer.resetAfter;
  return { class_name: layer.className, config };
}

/** One layer as Keras JSON; `inputShape` is its per-sample input shape. */
export function layerToJson(layer: Layer, inputShape: Shape): LayerJson {
  if (layer instanceof RecurrentLayer) return recurrentJson(layer, layer.name);
  if (layer instanceof Bidirectional) {
    if (layer.mergeMode === null) throw new RangeError(`${layer.name}: mergeMode null cannot be saved in a Sequential model`);
    const inner = recurrentJson(layer.forwardLayer, layer.forwardLayer.name.replace(/^forward_/, ''));
    return { class_name: 'Bidirectional', config: { name: layer.name, trainable: layer.trainable, layer: inner, merge_mode: layer.mergeMode } };
  }
  if (layer instanceof Embedding) {
    const spec = layer.toSpec() as Extract<LayerSpec, { kind: 'embedding' }>;
    return {
      class_name: 'Embedding',
      config: {
        name: layer.name,
        trainable: layer.trainable,
        dtype: 'float32',
        input_dim: layer.inputDim,
        output_dim: layer.outputDim,
        mask_zero: layer.maskZero,
        input_length: layer.inputLength ?? null,
        embeddings_regularizer: regularizerJson(spec.embeddingsRegularizer),
      },
    };
  }
  if (layer instanceof Dense) return denseJson(layer, layer.name, inputShape);
  if (layer instanceof TimeDistributed) {
    return { class_name: 'TimeDistributed', config: { name: layer.name, trainable: layer.trainable, layer: denseJson(layer.layer, layer.layer.name, inputShape) } };
  }
  if (layer instanceof Dropout) return { class_name: 'Dropout', config: { name: layer.name, trainable: true, dtype: 'float32', rate: layer.rate } };
  if (layer instanceof Masking) return { class_name: 'Masking', config: { name: layer.name, trainable: true, dtype: 'float32', mask_value: layer.maskValue } };
  throw new RangeError(`${layer.name}: layers of class ${layer.className} cannot be saved`);
}

function denseJson(layer: Dense, name: string, inputShape: Shape): LayerJson {
  const spec = layer.toSpec(inputShape) as Extract<LayerSpec, { kind: 'dense' }>;
  return {
    class_name: 'Dense',
    config: {
      name,
      trainable: layer.trainable,
      dtype: 'float32',
      units: layer.units,
      activation: ACTIVATION_TO_KERAS[layer.activation],
      use_bias: layer.useBias,
      kernel_regularizer: regularizerJson(spec.kernelRegularizer),
      bias_regularizer: regularizerJson(spec.biasRegularizer),
    },
  };
}

/** The Sequential topology of `layers` for the per-sample input shape. */
export function sequentialToJson(name: string, layers: readonly Layer[], inputShape: Shape): SequentialTopology {
  let shape = inputShape;
  const out = layers.map((layer, i) => {
    const json = layerToJson(layer, shape);
    if (i === 0) json.config = { batch_input_shape: [null, ...inputShape], ...json.config };
    shape = layer.computeOutputShape(shape);
    return json;
  });
  return { class_name: 'Sequential', config: { name, layers: out }, backend: 'tensor_flow.js' };
}

// Reading.

class ConfigReader {
  constructor(
    private readonly where: string,
    private readonly config: Record<string, unknown>,
  ) {}

  private fail(key: string, expected: string): never {
    throw new Error(`${this.where}: '${key}' must be ${expected}, received ${JSON.stringify(this.config[key])?.slice(0, 80)}`);
  }
  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }
  int(key: string, fallback?: number): number {
    const v = this.config[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || v > 2 ** 31) this.fail(key, 'a positive integer');
    return v;
  }
  number(key: string, fallback: number): number {
    const v = this.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    return v;
  }
  bool(key: string, fallback: boolean): boolean {
    const v = this.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(key, 'a boolean');
    return v;
  }
  string(key: string): string {
    const v = this.config[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) this.fail(key, 'a non-empty string');
    return v;
  }
  activation(key: string, fallback: string): string {
    const v = this.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATION_FROM_KERAS, v)) {
      this.fail(key, `one of ${Object.keys(ACTIVATION_TO_KERAS).map((a) => ACTIVATION_TO_KERAS[a]).join(', ')}`);
    }
    return ACTIVATION_FROM_KERAS[v];
  }
  regularizer(key: string): Regularizer | undefined {
    const v = this.config[key];
    if (v === undefined || v === null) return undefined;
    const c = (v as { config?: { l1?: unknown; l2?: unknown } }).config;
    const ok = (x: unknown) => x === undefined || (typeof x === 'number' && Number.isFinite(x) && x >= 0);
    if (typeof v !== 'object' || !c || typeof c !== 'object' || !ok(c.l1) || !ok(c.l2)) this.fail(key, 'null or { class_name: "L1L2", config: { l1, l2 } }');
    const r = { l1: (c.l1 as number | undefined) ?? 0, l2: (c.l2 as number | undefined) ?? 0 };
    return r.l1 === 0 && r.l2 === 0 ? undefined : r;
  }
  shape(key: string): Shape | undefined {
    const v = this.config[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length < 2 || v.length > 4 || !v.slice(1).every((d) => d === null || (Number.isSafeInteger(d) && d > 0 && d <= 2 ** 31))) {
      this.fail(key, '[null, ...positive integers or null]');
    }
    return v.slice(1) as Shape;
  }
  layer(key: string): LayerJson {
    const v = this.config[key];
    if (!isLayerJson(v)) this.fail(key, 'a layer { class_name, config }');
    return v;
  }
}

function isLayerJson(v: unknown): v is LayerJson {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LayerJson).class_name === 'string' &&
    typeof (v as LayerJson).config === 'object' &&
    (v as LayerJson).config !== null &&
    !Array.isArray((v as LayerJson).config)
  );
}

function recurrentFromJson(json: LayerJson, where: string, inputShape?: Shape): RecurrentLayer {
  const r = new ConfigReader(where, json.config);
  const base = {
    name: r.string('name'),
    trainable: r.bool('trainable', true),
    ...(inputShape ? { inputShape } : {}),
    units: r.int('units'),
    activation: r.activation('activation', 'tanh') as RecurrentLayer['activation'],
    useBias: r.bool('use_bias', true),
    kernelRegularizer: r.regularizer('kernel_regularizer'),
    recurrentRegularizer: r.regularizer('recurrent_regularizer'),
    biasRegularizer: r.regularizer('bias_regularizer'),
    dropout: r.number('dropout', 0),
    recurrentDropout: r.number('recurrent_dropout', 0),
    returnSequences: r.bool('return_sequences', false),
    returnState: r.bool('return_state', false),
    goBackwards: r.bool('go_backwards', false),
    stateful: r.bool('stateful', false),
  };
  switch (json.class_name) {
    case 'SimpleRNN':
      return new SimpleRNN(base);
    case 'LSTM':
      return new LSTM({
        ...base,
        recurrentActivation: r.activation('recurrent_activation', 'sigmoid') as RecurrentLayer['activation'],
        unitForgetBias: r.bool('unit_forget_bias', true),
      });
    case 'GRU':
      return new GRU({
        ...base,
        recurrentActivation: r.activation('recurrent_activation', 'sigmoid') as RecurrentLayer['activation'],
        // TensorFlow.js and Keras 2.2 default to false, Keras 2.3+ to true: a file that says
        // nothing is read as the tfjs writer meant it.
        resetAfter: r.bool('reset_after', false),
      });
    default:
      throw new Error(`${where}: class '${json.class_name}' is not a recurrent layer (SimpleRNN, LSTM, GRU)`);
  }
}

function denseFromJson(json: LayerJson, where: string, inputShape?: Shape): Dense {
  if (json.class_name !== 'Dense') throw new Error(`${where}: TimeDistributed wraps class '${json.class_name}'; only Dense is supported`);
  const r = new ConfigReader(where, json.config);
  const activation = r.activation('activation', 'linear');
  if (activation === 'hardSigmoid') throw new Error(`${where}: Dense activation hard_sigmoid is not supported`);
  return new Dense({
    name: r.string('name'),
    trainable: r.bool('trainable', true),
    ...(inputShape ? { inputShape } : {}),
    units: r.int('units'),
    activation: activation as Dense['activation'],
    useBias: r.bool('use_bias', true),
    kernelRegularizer: r.regularizer('kernel_regularizer'),
    biasRegularizer: r.regularizer('bias_regularizer'),
  });
}

/** A layer from Keras JSON; `where` names it in errors. */
export function layerFromJson(json: unknown, where: string, first: boolean): Layer {
  if (!isLayerJson(json)) throw new Error(`${where}: expected { class_name, config }`);
  const r = new ConfigReader(`${where} (${json.class_name})`, json.config);
  const at = `${where} (${json.class_name})`;
  const inputShape = first ? (r.shape('batch_input_shape') ?? r.shape('batch_shape')) : undefined;
  const shapeOption = inputShape ? { inputShape } : {};
  switch (json.class_name) {
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return recurrentFromJson(json, at, inputShape);
    case 'Bidirectional': {
      const inner = recurrentFromJson(r.layer('layer'), `${at} layer`, inputShape);
      const mode = json.config.merge_mode;
      if (mode !== 'concat' && mode !== 'sum' && mode !== 'mul' && mode !== 'ave') {
        throw new Error(`${at}: 'merge_mode' must be one of concat, sum, mul, ave, received ${JSON.stringify(mode)}`);
      }
      return new Bidirectional({ name: r.string('name'), trainable: r.bool('trainable', true), layer: inner, mergeMode: mode as MergeMode, ...shapeOption });
    }
    case 'Embedding': {
      const inputLength = r.has('input_length') ? r.int('input_length') : undefined;
      return new Embedding({
        name: r.string('name'),
        trainable: r.bool('trainable', true),
        inputDim: r.int('input_dim'),
        outputDim: r.int('output_dim'),
        maskZero: r.bool('mask_zero', false),
        ...(inputLength !== undefined ? { inputLength } : {}),
        ...(inputShape && inputLength === undefined ? { inputShape } : {}),
        embeddingsRegularizer: r.regularizer('embeddings_regularizer'),
      });
    }
    case 'Dense':
      return denseFromJson(json, at, inputShape);
    case 'TimeDistributed':
      return new TimeDistributed({ name: r.string('name'), layer: denseFromJson(r.layer('layer'), `${at} layer`), ...shapeOption });
    case 'Dropout':
      return new Dropout({ name: r.string('name'), rate: r.number('rate', NaN), ...shapeOption });
    case 'Masking':
      return new Masking({ name: r.string('name'), maskValue: r.number('mask_value', 0), ...shapeOption });
    default:
      throw new Error(`${at}: layer class '${json.class_name}' is not supported (Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional, Dense, TimeDistributed, Dropout)`);
  }
}

export interface ParsedTopology {
  name: string;
  layers: Layer[];
  /** From an InputLayer or the first layer's batch_input_shape. */
  inputShape: Shape | undefined;
}

const MAX_LAYERS = 10_000;

/** Layers from a modelTopology (TensorFlow.js model.json or Keras config.json). */
export function sequentialFromJson(topology: unknown, what: string): ParsedTopology {
  const t = topology as { class_name?: unknown; config?: unknown };
  if (typeof t !== 'object' || t === null || t.class_name !== 'Sequential') {
    throw new Error(`${what}: modelTopology must be a Sequential model ({ class_name: 'Sequential', ... }), received class ${JSON.stringify(t?.class_name)}`);
  }
  const config = t.config as { name?: unknown; layers?: unknown } | unknown[];
  const list = Array.isArray(config) ? config : (config as { layers?: unknown })?.layers;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LAYERS) throw new Error(`${what}: the Sequential config has no layer list`);
  const rawName = Array.isArray(config) ? undefined : (config as { name?: unknown }).name;
  const name = typeof rawName === 'string' && rawName.length > 0 && rawName.length <= 256 ? rawName : 'sequential';
  let inputShape: Shape | undefined;
  let entries = list;
  if (isLayerJson(list[0]) && list[0].class_name === 'InputLayer') {
    const r = new ConfigReader(`${what}: layer 0 (InputLayer)`, list[0].config);
    inputShape = r.shape('batch_input_shape') ?? r.shape('batch_shape');
    entries = list.slice(1);
    if (entries.length === 0) throw new Error(`${what}: the model has only an InputLayer`);
  }
  const layers = entries.map((json, i) => layerFromJson(json, `${what}: layer ${i + list.length - entries.length}`, i === 0 && inputShape === undefined));
  return { name, layers, inputShape: inputShape ?? layers[0].inputShape };
}
