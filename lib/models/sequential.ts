// Sequential: a stack of layers. TypeScript infers shapes, counts and initializes weights,
// checks every input before native code sees it, and drives the training loops; the
// native graph (made by a Backend from a GraphSpec) owns weights once it exists.
import type { CompileSpec, GraphSpec, LayerSpec, NativeModel, NodeSpec } from '../graph_spec';
import { matchManifest, weightEntries } from '../io/weight_manifest';
import { ModelFiles, ModelFilesToWrite, readModelFiles, SavedOptimizer, TrainingPosition, writeModelFiles } from '../io/model_files';
import { optimizerFromSpec } from '../io/optimizer_config';
import { packageVersion } from '../io/package_version';
import { sequentialToJson } from '../io/topology';
import { Bidirectional } from '../layers/bidirectional';
import { Embedding } from '../layers/embedding';
import { Layer, WeightInfo } from '../layers/layer';
import { deriveSeed, randomSeed, SeededRandom } from '../random';
import { formatShape, indexText, NestedNumbers, Shape, shapeSize, Tensor, toTensor, TensorLike } from '../tensor';
import { Callback, Logs, TrainingModel } from '../training/callbacks';
import { classWeightsToSampleWeights, Dataset, evaluateLoop, fitLoop, predictLoop, splitValidation, trainBatch } from '../training/fit';
import { History } from '../training/history';
import { getLoss, Loss, LossLike, prepareTargets } from '../training/losses';
import { MetricAlias, ResolvedMetric, resolveMetrics } from '../training/metrics';
import { getOptimizer, Optimizer, OptimizerName } from '../training/optimizers';
import type { ProgressStream } from '../training/progress';
import { Backend, cpuBackend } from './native_model';

export interface SequentialConfig {
  /** Per-sample input shape (no batch axis); or give the first layer an inputShape. */
  inputShape?: Shape;
  name?: string;
  /** Seeds initial weights, shuffling and dropout: the same seed gives the same model and training. */
  seed?: number;
  /** Where the native graph runs (default: the CPU addon). */
  backend?: Backend;
}

export interface CompileConfig {
  optimizer: Optimizer | OptimizerName;
  loss: LossLike;
  metrics?: MetricAlias[];
}

export type SampleWeightLike = Float32Array | number[];

export interface FitConfig {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Reshuffle the training samples every epoch, seeded by the model's seed (default true). */
  shuffle?: boolean;
  /** [x, y] or [x, y, sampleWeight]; takes precedence over validationSplit. */
  validationData?: [TensorLike, TensorLike] | [TensorLike, TensorLike, SampleWeightLike];
  /** Fraction of the samples, taken from the end before shuffling, used for validation. */
  validationSplit?: number;
  /** Epoch to start at (for resuming); epochs counts from 0 (default 0). */
  initialEpoch?: number;
  /** Weight of each class index in the loss; becomes per-sample weights. */
  classWeight?: Record<number, number>;
  /** Per-sample weights of the training samples. */
  sampleWeight?: SampleWeightLike;
  /** 0 silent, 1 progress bar (one line per epoch when not a TTY), 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  /** Aborting stops training after the current batch; fit resolves with the epochs completed. */
  signal?: AbortSignal;
  /** Where progress is written (default process.stdout). */
  progressStream?: ProgressStream;
  /**
   * A directory saved by save() or callbacks.modelCheckpoint during an earlier fit: its
   * weights, optimizer state, seed and training position are restored and training goes on
   * from the epoch and batch where it stopped (initialEpoch is taken from it). With the same
   * data and settings the result is bit for bit that of an uninterrupted run on the CPU.
   */
  resumeFrom?: string;
}

export interface SaveOptions {
  /** Also save the optimizer state and the training position, for resuming (default true). */
  includeOptimizer?: boolean;
}

export interface EvaluateConfig {
  /** Default 32. */
  batchSize?: number;
  sampleWeight?: SampleWeightLike;
}

export interface PredictConfig {
  /** Default 32. */
  batchSize?: number;
}

export interface SummaryConfig {
  /** Print with console.log (default true); the text is returned either way. */
  print?: boolean;
}

interface Compiled {
  loss: Loss;
  optimizer: Optimizer;
  metrics: ResolvedMetric[];
}

const modelNames = new Map<string, number>();
function modelName(): string {
  const n = modelNames.get('sequential') ?? 0;
  modelNames.set('sequential', n + 1);
  return n === 0 ? 'sequential' : `sequential_${n}`;
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, received ${String(v)}`);
  return v;
}

function withCommas(n: number): string {
  return n.toLocaleString('en-US');
}

export class Sequential implements TrainingModel {
  readonly name: string;
  private currentSeed: number;
  stopTraining = false;
  private readonly stack: Layer[] = [];
  private readonly declaredInputShape: Shape | undefined;
  private builtInputShape: Shape | undefined;
  private readonly backend: Backend;
  /** Weight values per layer while no native model holds them. */
  private readonly layerWeights = new Map<Layer, Float32Array[]>();
  private nativeModel: NativeModel | undefined;
  private nativeInputShape: number[] | undefined;
  private compiled: Compiled | undefined;
  /** Optimizer state read from a file, put into the native model when it is made. */
  private pendingOptimizer: SavedOptimizer | undefined;
  /** The next epoch and batch of training (fit keeps it current; save writes it). */
  private readonly position: TrainingPosition = { epoch: 0, batch: 0 };

  constructor(layers: Layer[] = [], config: SequentialConfig = {}) {
    this.name = config.name ?? modelName();
    if (config.seed !== undefined && (typeof config.seed !== 'number' || !Number.isFinite(config.seed))) {
      throw new RangeError(`${this.name}: seed must be a finite number, received ${String(config.seed)}`);
    }
    this.currentSeed = config.seed === undefined ? randomSeed() : Math.floor(config.seed) >>> 0;
    this.backend = config.backend ?? cpuBackend;
    if (config.inputShape !== undefined) {
      if (!Array.isArray(config.inputShape) || !config.inputShape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
        throw new RangeError(`${this.name}: inputShape must be an array of positive integers or null, received ${JSON.stringify(config.inputShape)}`);
      }
      this.declaredInputShape = [...config.inputShape];
    }
    if (!Array.isArray(layers)) throw new TypeError(`${this.name}: the first argument must be an array of layers`);
    for (const layer of layers) this.add(layer);
  }

  /** Seeds initial weights, shuffling and dropout. */
  get seed(): number {
    return this.currentSeed;
  }

  get layers(): readonly Layer[] {
    return this.stack;
  }

  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** Per-sample input shape, once known (null: a free axis). */
  get inputShape(): Shape | undefined {
    return this.declaredInputShape ?? this.builtInputShape ?? this.stack[0]?.inputShape;
  }

  /** Per-sample output shape. */
  get outputShape(): Shape {
    const shapes = this.layerShapes();
    return shapes[shapes.length - 1];
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TypeError(`${this.name}: add() takes a layer (layers.dense(...), ...)`);
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
    this.detachNative();
    this.stack.push(layer);
    if (this.inputShape !== undefined) {
      try {
        this.layerShapes();
      } catch (err) {
        this.stack.pop();
        throw err;
      }
    }
  }

  /** Removes and returns the last layer. */
  pop(): Layer {
    const layer = this.stack[this.stack.length - 1];
    if (!layer) throw new RangeError(`${this.name}: pop() on a model without layers`);
    this.detachNative();
    this.stack.pop();
    this.layerWeights.delete(layer);
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
    }
    this.layerShapes();
    this.currentWeights();
  }

  /** Output shapes of each layer for the model's input shape (or `inputShape`). */
  private layerShapes(inputShape: Shape | undefined = this.inputShape): Shape[] {
    if (this.stack.length === 0) throw new RangeError(`${this.name}: the model has no layers`);
    if (inputShape === undefined) {
      throw new RangeError(
        `${this.name}: the input shape is unknown: give the first layer an inputShape, pass inputShape to sequential(), or call build(inputShape)`,
      );
    }
    const out: Shape[] = [];
    let shape = inputShape;
    for (const layer of this.stack) {
      shape = layer.computeOutputShape(shape);
      out.push(shape);
    }
    return out;
  }

  private layerInputs(): Shape[] {
    const outputs = this.layerShapes();
    return [this.inputShape as Shape, ...outputs.slice(0, -1)];
  }

  private weightInfos(): WeightInfo[][] {
    const inputs = this.layerInputs();
    return this.stack.map((layer, i) => layer.weights(inputs[i]));
  }

  /** Weight values per layer, initialized from the layers' initializers where missing. */
  private currentWeights(): Float32Array[][] {
    const infos = this.weightInfos();
    if (this.nativeModel) {
      const flat = this.nativeModel.getWeights();
      const out: Float32Array[][] = [];
      let k = 0;
      for (const list of infos) out.push(list.map(() => flat[k++]));
      return out;
    }
    return this.stack.map((layer, i) => {
      const stored = this.layerWeights.get(layer);
      if (stored && stored.length === infos[i].length && stored.every((w, j) => w.length === shapeSize(infos[i][j].shape))) return stored;
      const random = new SeededRandom(deriveSeed(this.seed, i + 1));
      const values = infos[i].map((w) => w.init(random));
      this.layerWeights.set(layer, values);
      return values;
    });
  }

  /** Moves the native model's weights back into TypeScript and drops it (the graph changed). */
  private detachNative(): void {
    if (!this.nativeModel) return;
    const values = this.currentWeights();
    this.stack.forEach((layer, i) => this.layerWeights.set(layer, values[i].map((w) => Float32Array.from(w))));
    this.nativeModel = undefined;
    this.nativeInputShape = undefined;
  }

  /** The weights in Keras order and shapes. */
  getWeights(): Tensor[] {
    const infos = this.weightInfos().flat();
    const values = this.currentWeights().flat();
    return values.map((v, i) => new Tensor(Float32Array.from(v), infos[i].shape));
  }

  /** Replaces all weights (Keras order); each must match its weight's shape (a flat array its size). */
  setWeights(weights: (Tensor | Float32Array | NestedNumbers[])[]): void {
    const perLayer = this.weightInfos();
    const infos = perLayer.flatMap((list, i) => list.map((w) => ({ ...w, layer: this.stack[i].name })));
    if (!Array.isArray(weights) || weights.length !== infos.length) {
      throw new RangeError(`${this.name}: setWeights expects ${infos.length} weights, received ${Array.isArray(weights) ? weights.length : String(weights)}`);
    }
    const arrays = weights.map((w, i) => {
      const info = infos[i];
      const label = `${this.name}: setWeights: weight ${i} (${info.layer}/${info.name})`;
      let t: Tensor;
      try {
        t = w instanceof Float32Array ? new Tensor(w, [w.length]) : toTensor(w, `weight ${i}`, 'float32');
      } catch (err) {
        throw new RangeError(`${label}: ${(err as Error).message}`);
      }
      const flatOk = t.rank === 1 && t.size === shapeSize(info.shape);
      if (!flatOk && !shapesCompatible(info.shape, t.shape)) {
        throw new RangeError(`${label} expects shape ${formatShape(info.shape)}, received ${formatShape(t.shape)}`);
      }
      for (let j = 0; j < t.size; j++) {
        if (!Number.isFinite(t.data[j])) throw new RangeError(`${label} has a non-finite value at ${indexText(info.shape, j)}`);
      }
      return Float32Array.from(t.data);
    });
    if (this.nativeModel) {
      this.nativeModel.setWeights(arrays);
      return;
    }
    let k = 0;
    perLayer.forEach((list, i) => this.layerWeights.set(this.stack[i], list.map(() => arrays[k++])));
  }

  countParams(): number {
    return this.weightInfos().flat().reduce((n, w) => n + shapeSize(w.shape), 0);
  }

  /** A Keras-like table of layers, output shapes and parameter counts; printed unless print is false. */
  summary(config: SummaryConfig = {}): string {
    const outputs = this.layerShapes();
    const infos = this.weightInfos();
    const rows = this.stack.map((layer, i) => [
      `${layer.name} (${layer.className})`,
      formatShape([null, ...outputs[i]]),
      withCommas(infos[i].reduce((n, w) => n + shapeSize(w.shape), 0)),
    ]);
    const header = ['Layer (type)', 'Output Shape', 'Param #'];
    const widths = [28, 26, 10].map((min, c) => Math.max(min, ...rows.map((r) => r[c].length + (c < 2 ? 2 : 0))));
    const total = 1 + widths.reduce((a, b) => a + b, 0);
    const line = (cells: string[]) => (' ' + cells.map((c, i) => c.padEnd(widths[i])).join('')).trimEnd();
    let trainable = 0;
    let frozen = 0;
    for (const w of infos.flat()) (w.trainable ? (trainable += shapeSize(w.shape)) : (frozen += shapeSize(w.shape)));
    const text = [
      `Model: "${this.name}"`,
      '_'.repeat(total),
      line(header),
      '='.repeat(total),
      rows.map(line).join('\n\n'),
      '='.repeat(total),
      `Total params: ${withCommas(trainable + frozen)}`,
      `Trainable params: ${withCommas(trainable)}`,
      `Non-trainable params: ${withCommas(frozen)}`,
      '_'.repeat(total),
    ].join('\n');
    if (config.print !== false) console.log(text);
    return text;
  }

  /** Sets the loss, optimizer and metrics (recompiling resets the optimizer's state). */
  compile(config: CompileConfig): void {
    this.pendingOptimizer = undefined;
    if (!config || typeof config !== 'object') throw new TypeError(`${this.name}: compile({ optimizer, loss, metrics? })`);
    if (config.optimizer === undefined) throw new TypeError(`${this.name}: compile needs an optimizer`);
    if (config.loss === undefined) throw new TypeError(`${this.name}: compile needs a loss`);
    const loss = getLoss(config.loss);
    this.compiled = { loss, optimizer: getOptimizer(config.optimizer), metrics: resolveMetrics(config.metrics, loss.name) };
    this.nativeModel?.compile(this.compileSpec());
  }

  private compileSpec(): CompileSpec {
    const c = this.compiled as Compiled;
    return {
      losses: [{ loss: c.loss.name, fromLogits: c.loss.fromLogits, weight: 1, metrics: c.metrics.map((m) => m.metric) }],
      optimizer: c.optimizer.spec(),
    };
  }

  private requireCompiled(call: string): Compiled {
    if (!this.compiled) throw new Error(`${this.name}: call compile({ optimizer, loss }) before ${call}()`);
    return this.compiled;
  }

  /** Checks and converts model inputs: shape (naming the first layer), dtype, and token ids. */
  private prepareInput(x: TensorLike, what: string): Tensor {
    if (this.stack.length === 0) throw new RangeError(`${this.name}: the model has no layers`);
    const first = this.stack[0];
    const t = toTensor(x, what);
    if (t.rank === 0 || t.shape[0] === 0) throw new RangeError(`${this.name}: ${what} has no samples (shape ${formatShape(t.shape)})`);
    const expected = this.inputShape;
    const per = t.shape.slice(1);
    if (expected === undefined) this.build(per);
    else if (!shapesCompatible(expected, per)) {
      throw new RangeError(
        `${first.name} (the first layer) expects input of shape ${formatShape([null, ...expected])}, but ${what} has shape ${formatShape(t.shape)}`,
      );
    }
    if (!(first instanceof Embedding)) return t.dtype === 'float32' ? t : new Tensor(Float32Array.from(t.data), t.shape);
    const ids = t.data instanceof Int32Array ? t.data : new Int32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      if (!Number.isInteger(v)) {
        throw new TypeError(`${first.name}: token ids must be integers, but ${what}${indexText(t.shape, i)} is ${v}`);
      }
      if (v < 0 || v >= first.inputDim) {
        throw new RangeError(`${first.name}: token id ${v} at ${what}${indexText(t.shape, i)} is out of range [0, ${first.inputDim})`);
      }
      ids[i] = v;
    }
    return ids === t.data ? t : new Tensor(ids, t.shape);
  }

  /** Per-sample output shape for a concrete per-sample input shape. */
  private outputShapeFor(x: Tensor): number[] {
    const shapes = this.layerShapes(x.shape.slice(1));
    return shapes[shapes.length - 1] as number[];
  }

  private prepareWeights(w: SampleWeightLike | undefined, n: number, what: string): Float32Array | undefined {
    if (w === undefined) return undefined;
    const a = w instanceof Float32Array ? w : Float32Array.from(w);
    if (a.length !== n) throw new RangeError(`${this.name}: ${what} has ${a.length} values, but there are ${n} samples`);
    for (let i = 0; i < a.length; i++) {
      if (!(a[i] >= 0) || !Number.isFinite(a[i])) throw new RangeError(`${this.name}: ${what}[${i}] must be a non-negative number, received ${a[i]}`);
    }
    return a;
  }

  private dataset(x: TensorLike, y: TensorLike, w: SampleWeightLike | undefined, names: [string, string, string]): Dataset {
    const xt = this.prepareInput(x, names[0]);
    const yt = prepareTargets(y, (this.compiled as Compiled).loss, this.outputShapeFor(xt), xt.shape[0], names[1]);
    const sampleWeight = this.prepareWeights(w, xt.shape[0], names[2]);
    return { x: xt, y: yt, ...(sampleWeight ? { sampleWeight } : {}) };
  }

  /** The native model for inputs of this per-sample shape, created (and given the weights) on first use. */
  private native(perSample: number[]): NativeModel {
    if (this.nativeModel) {
      const fixed = this.nativeInputShape as number[];
      if (!shapesCompatible(fixed, perSample)) {
        throw new RangeError(
          `${this.stack[0].name} (the first layer): the model was set up for inputs of shape ${formatShape([null, ...fixed])} ` +
            `by its first call, received ${formatShape([null, ...perSample])}`,
        );
      }
      return this.nativeModel;
    }
    const inputs = [perSample as Shape, ...this.layerShapes(perSample).slice(0, -1)];
    const weights = this.currentWeights().flat();
    // The chain: node i applies layer i to the first output of node i - 1.
    const layerSpecs = this.stack.map((layer, i) => layer.toSpec(inputs[i]));
    const nodes: NodeSpec[] = [];
    let last = 0;
    for (const [i, s] of layerSpecs.entries()) {
      const first = 1 + nodes.reduce((n, node) => n + node.outputs.length, 0);
      nodes.push({ layer: i, inputs: [last], outputs: Array.from({ length: nodeOutputCount(s) }, (_, k) => first + k) });
      last = first;
    }
    const spec: GraphSpec = {
      inputs: [{ name: 'input', shape: [...perSample], dtype: this.stack[0] instanceof Embedding ? 'int32' : 'float32' }],
      layers: layerSpecs,
      nodes,
      outputs: [last],
      seed: this.seed,
    };
    const native = this.backend.createModel(spec);
    native.setWeights(weights);
    if (this.compiled) native.compile(this.compileSpec());
    if (this.pendingOptimizer) this.applyOptimizerState(native, this.pendingOptimizer);
    const expected = this.outputShapeFor(new Tensor(new Float32Array(0), [0, ...perSample]));
    const reported = native.outputShapes()[0];
    if (!shapesCompatible(expected, reported)) {
      throw new Error(`${this.name}: the native graph reports output shape ${formatShape(reported)}, expected ${formatShape(expected)}`);
    }
    this.nativeModel = native;
    this.nativeInputShape = [...perSample];
    this.layerWeights.clear();
    return native;
  }

  async fit(x: TensorLike, y: TensorLike, config: FitConfig = {}): Promise<History> {
    let initialBatch = 0;
    let initialEpoch = config.initialEpoch ?? 0;
    if (config.resumeFrom !== undefined) {
      if (config.initialEpoch !== undefined) throw new RangeError(`${this.name}: fit: give initialEpoch or resumeFrom, not both`);
      ({ epoch: initialEpoch, batch: initialBatch } = this.resume(config.resumeFrom));
    }
    const compiled = this.requireCompiled('fit');
    const epochs = positiveInt(`${this.name}: fit: epochs`, config.epochs ?? 1);
    const batchSize = positiveInt(`${this.name}: fit: batchSize`, config.batchSize ?? 32);
    if (config.resumeFrom !== undefined && initialEpoch >= epochs) {
      throw new RangeError(`${this.name}: fit: the checkpoint in ${config.resumeFrom} has finished ${initialEpoch} epochs; ask for more than that (epochs: ${epochs})`);
    }
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
      throw new RangeError(`${this.name}: fit: initialEpoch must be an integer in [0, epochs), received ${String(initialEpoch)}`);
    }
    const verbose = config.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new RangeError(`${this.name}: fit: verbose must be 0, 1 or 2, received ${String(verbose)}`);
    if (config.classWeight !== undefined && config.sampleWeight !== undefined) {
      throw new RangeError(`${this.name}: fit: give classWeight or sampleWeight, not both`);
    }
    const split = config.validationSplit;
    if (split !== undefined && (typeof split !== 'number' || !(split > 0 && split < 1))) {
      throw new RangeError(`${this.name}: fit: validationSplit must be a number in (0, 1), received ${String(split)}`);
    }
    let train = this.dataset(x, y, config.sampleWeight, ['x', 'y', 'sampleWeight']);
    if (config.classWeight !== undefined) {
      if (typeof config.classWeight !== 'object' || config.classWeight === null) throw new TypeError(`${this.name}: fit: classWeight must be an object { [classIndex]: weight }`);
      train = { ...train, sampleWeight: classWeightsToSampleWeights(train.y, config.classWeight) };
    }
    let validation: Dataset | undefined;
    if (config.validationData !== undefined) {
      const v = config.validationData;
      if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3)) {
        throw new TypeError(`${this.name}: fit: validationData must be [x, y] or [x, y, sampleWeight]`);
      }
      validation = this.dataset(v[0], v[1], v[2] as SampleWeightLike | undefined, ['validationData[0]', 'validationData[1]', 'validationData[2]']);
    } else if (split !== undefined) {
      ({ train, validation } = splitValidation(train, split));
    }
    const native = this.native(train.x.shape.slice(1));
    if (validation) this.native(validation.x.shape.slice(1));
    const callbacks = config.callbacks === undefined ? [] : Array.isArray(config.callbacks) ? config.callbacks : [config.callbacks];
    return fitLoop(
      {
        model: this,
        native,
        optimizer: compiled.optimizer,
        metrics: compiled.metrics,
        shuffleSeed: deriveSeed(this.seed, 0x5f5f),
        position: this.position,
      },
      train,
      validation,
      {
        epochs,
        batchSize,
        shuffle: config.shuffle ?? true,
        initialEpoch,
        initialBatch,
        verbose,
        callbacks,
        signal: config.signal,
        progressStream: config.progressStream,
      },
    );
  }

  /** Loss and metrics over (x, y), by name: { loss, accuracy, ... }. */
  async evaluate(x: TensorLike, y: TensorLike, config: EvaluateConfig = {}): Promise<Logs> {
    const compiled = this.requireCompiled('evaluate');
    const batchSize = positiveInt(`${this.name}: evaluate: batchSize`, config.batchSize ?? 32);
    const data = this.dataset(x, y, config.sampleWeight, ['x', 'y', 'sampleWeight']);
    return evaluateLoop(this.native(data.x.shape.slice(1)), compiled.metrics, data, batchSize);
  }

  /** Outputs for x: a Tensor [N, ...outputShape]. */
  async predict(x: TensorLike, config: PredictConfig = {}): Promise<Tensor> {
    const batchSize = positiveInt(`${this.name}: predict: batchSize`, config.batchSize ?? 32);
    const xt = this.prepareInput(x, 'x');
    return predictLoop(this.native(xt.shape.slice(1)), xt, batchSize, this.outputShapeFor(xt));
  }

  /**
   * One training step on (x, y) as a single batch, like Keras's train_on_batch: for custom
   * training loops. Returns the batch's loss and metrics.
   */
  async trainOnBatch(x: TensorLike, y: TensorLike, config: { sampleWeight?: SampleWeightLike } = {}): Promise<Logs> {
    const compiled = this.requireCompiled('trainOnBatch');
    const data = this.dataset(x, y, config.sampleWeight, ['x', 'y', 'sampleWeight']);
    return trainBatch({ native: this.native(data.x.shape.slice(1)), optimizer: compiled.optimizer, metrics: compiled.metrics }, data);
  }

  /** Outputs for x computed as one batch (Keras's predict_on_batch). */
  async predictOnBatch(x: TensorLike): Promise<Tensor> {
    const xt = this.prepareInput(x, 'x');
    return predictLoop(this.native(xt.shape.slice(1)), xt, Math.max(1, xt.shape[0]), this.outputShapeFor(xt));
  }

  /** Zeroes the carried states of stateful layers. */
  resetStates(): void {
    this.nativeModel?.resetStates();
  }

  /**
   * Saves the model to directory `dir` (created if needed) in the TensorFlow.js layers format
   * (model.json and a weights file), with the compile settings and, unless includeOptimizer
   * is false, the optimizer state and training position. The save is crash-safe: until it
   * completes, `dir` holds the previous model whole.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`${this.name}: save(dir): dir must be a non-empty path`);
    if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
      throw new TypeError(`${this.name}: save: includeOptimizer must be a boolean`);
    }
    writeModelFiles(dir, this.toModelFiles(options.includeOptimizer ?? true));
  }

  private toModelFiles(includeOptimizer: boolean): ModelFilesToWrite {
    const inputShape = this.nativeInputShape ?? this.inputShape;
    if (inputShape === undefined) throw new RangeError(`${this.name}: save: the input shape is unknown; build the model first`);
    const files: ModelFilesToWrite = {
      topology: sequentialToJson(this.name, this.stack, inputShape),
      entries: weightEntries(this.stack, inputShape),
      values: this.currentWeights().flat(),
      seed: this.seed,
      generatedBy: `recurrent ${packageVersion()}`,
    };
    const c = this.compiled;
    if (c) files.compile = { loss: c.loss.name, fromLogits: c.loss.fromLogits, metrics: c.metrics.map((m) => m.key), optimizer: c.optimizer.spec() };
    if (includeOptimizer && c) {
      files.position = { ...this.position };
      if (this.nativeModel) {
        if (!this.nativeModel.getOptimizerState) throw new Error(`${this.name}: save: the ${this.backend.name} backend cannot read the optimizer state; use includeOptimizer: false`);
        files.optimizer = { state: this.nativeModel.getOptimizerState(), iterations: c.optimizer.iterations };
      } else if (this.pendingOptimizer) {
        files.optimizer = this.pendingOptimizer;
      }
    }
    return files;
  }

  /**
   * Takes over what lib/io read from a saved model: weights (matched by name or order and
   * checked against this model's shapes), compile settings (when this model has none),
   * optimizer state and training position.
   */
  restore(files: ModelFiles, what: string): void {
    const inputShape = this.nativeInputShape ?? this.inputShape;
    if (inputShape === undefined) throw new RangeError(`${what}: the model's input shape is unknown (no batch_input_shape in the file)`);
    const order = matchManifest(weightEntries(this.stack, inputShape), files.entries, what);
    this.setWeights(order.map((j) => files.values[j]));
    if (files.compile && !this.compiled) {
      const c = files.compile;
      this.compile({ optimizer: optimizerFromSpec(c.optimizer), loss: { name: c.loss, fromLogits: c.fromLogits }, metrics: c.metrics as CompileConfig['metrics'] });
    }
    this.pendingOptimizer = undefined;
    if (files.optimizer && this.compiled) {
      const slots = files.optimizer.state.slots;
      const saved: SavedOptimizer = { ...files.optimizer, state: { ...files.optimizer.state, slots: order.flatMap((j) => [slots[2 * j], slots[2 * j + 1]]) } };
      if (this.nativeModel) this.applyOptimizerState(this.nativeModel, saved);
      else this.pendingOptimizer = saved;
    }
    this.position.epoch = files.position?.epoch ?? 0;
    this.position.batch = files.position?.batch ?? 0;
  }

  private applyOptimizerState(native: NativeModel, saved: SavedOptimizer): void {
    if (!native.setOptimizerState) throw new Error(`${this.name}: the ${this.backend.name} backend cannot restore an optimizer state`);
    native.setOptimizerState(saved.state);
    (this.compiled as Compiled).optimizer.iterations = saved.iterations;
    this.pendingOptimizer = undefined;
  }

  /** Restores a checkpoint for fit({ resumeFrom }); returns where training goes on. */
  private resume(dir: string): TrainingPosition {
    const what = `${this.name}: fit: resumeFrom ${dir}`;
    const files = readModelFiles(dir);
    if (!files.position || !files.optimizer) {
      throw new Error(`${what}: the directory holds no training state (it was saved with includeOptimizer false, before compiling, or by another tool)`);
    }
    const inputShape = this.nativeInputShape ?? this.inputShape;
    if (inputShape !== undefined) {
      // Layer names may differ (automatic names count per process); everything else must not.
      const anonymous = (layers: unknown): string =>
        JSON.stringify(layers, (key, value) => (key === 'name' || key === 'batch_input_shape' ? undefined : value));
      const topology = files.topology as { config?: { layers?: unknown } };
      if (anonymous(sequentialToJson(this.name, this.stack, inputShape).config.layers) !== anonymous(topology.config?.layers)) {
        throw new Error(`${what}: the checkpoint's layers differ from this model's (build the same architecture, or use loadModel(dir))`);
      }
    }
    if (files.seed !== undefined && files.seed !== this.seed) {
      // Dropout draws from the seed the native graph was made with: remake it with the checkpoint's.
      this.detachNative();
      this.currentSeed = files.seed;
    }
    this.restore(files, what);
    return { ...this.position };
  }
}

/** Values a node of this layer writes (a recurrent layer with returnState adds its final states). */
function nodeOutputCount(s: LayerSpec): number {
  if (s.kind === 'rnn') return s.returnState ? (s.cell === 'lstm' ? 3 : 2) : 1;
  if (s.kind === 'bidirectional') return (s.mergeMode === null ? 2 : 1) + (s.forward.returnState ? (s.forward.cell === 'lstm' ? 4 : 2) : 0);
  return 1;
}

function shapesCompatible(expected: readonly (number | null)[], received: readonly (number | null)[]): boolean {
  return expected.length === received.length && expected.every((d, i) => d === null || received[i] === null || d === received[i]);
}

export function sequential(layers: Layer[] = [], config: SequentialConfig = {}): Sequential {
  return new Sequential(layers, config);
}
