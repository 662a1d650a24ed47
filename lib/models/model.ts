// A model, Keras style: a graph of layers from inputs to outputs (functional, or the chain
// of a Sequential model) with compile, fit / fitDataset, evaluate, predict, the weights,
// summary and saving. The native model (made by a Backend from the graph) runs every step
// off the main thread; this class checks what users pass before native code sees it and
// keeps the layers' weights in step with the native copy (native_runtime.ts).
import type { OptimizerState, StepArgs } from '../graph_spec';
import type { Layer, WeightInfo } from '../layers/layer';
import { checkedOptions, describe } from '../options';
import { deriveSeed, randomSeed } from '../random';
import { formatShape, indexText, NestedNumbers, shapeSize, Tensor, toTensor, TensorLike } from '../tensor';
import type { Callback, Logs, TrainingModel } from '../training/callbacks';
import { ModelCheckpoint } from '../training/callbacks';
import { collectives } from '../distributed/process_group';
import { DataParallel, ParallelPlan, startDataParallel } from '../distributed/data_parallel';
import type { Shard } from '../distributed/sharding';
import { arraySource, classWeightsToSampleWeights, evaluateLoop, fitLoop, inOrder, predictLoop, splitValidation, StepRunner, trainBatch, TrainingSource } from '../training/fit';
import type { History } from '../training/history';
import type { Optimizer } from '../training/optimizers';
import type { ProgressStream } from '../training/progress';
import { Compiled, compileModel, CompileConfig, compileSpec } from './compile_config';
import { MaskLike, ModelData, PerName, prepareInputs, prepareMasks, prepareSampleWeights, prepareTargetList, SampleWeightLike } from './data_adapter';
import { datasetBatches, DatasetLike, DatasetBatch } from './dataset';
import type { ModelGraph } from './model_graph';
import { Backend, defaultBackend } from './native_model';
import { Pacer } from './event_loop_pieces';
import { countParams, initializeWeights, NativeRuntime, weightInfos } from './native_runtime';
import type { SymbolicTensor } from './symbolic_tensor';
import type { ModelFiles } from '../io/model_files';
import { exportKerasWeights, importKeras2Weights, importKerasWeights } from '../io/keras_weights';
import { checkedPolicy, getMixedPrecision, MixedPrecisionPolicy } from '../mixed_precision';
import { Persistence, resumeModel, restoreModel, saveModel, SaveOptions } from './model_saving';

export type { SaveOptions };

export interface ModelConfig {
  name?: string;
  /** Seeds initial weights, shuffling and dropout: the same seed gives the same model and training. */
  seed?: number;
  /** Where the native graph runs (default: the CPU addon, or RECURRENT_BACKEND). */
  backend?: Backend;
  /**
   * 'bfloat16': the recurrent layers' matrix products take bfloat16 operands with float32
   * sums (AMX or AVX512-BF16 CPUs); default: setMixedPrecision's policy ('float32').
   */
  mixedPrecision?: MixedPrecisionPolicy;
}

/** What x, y and their companions may be: one array, a list per input/output, or an object by name. */
export type InputsLike = PerName<TensorLike>;

interface DataOptions {
  /** Per-sample weights per output. */
  sampleWeight?: PerName<SampleWeightLike>;
  /** Explicit masks [N, T] (1 = valid step) per input with a time axis, so a genuine all-zero step is not taken for padding. */
  mask?: PerName<MaskLike>;
  /** Or: the valid steps of each sequence [N], counted from its start (TensorFlow's sequence_length). */
  lengths?: PerName<ArrayLike<number>>;
}

/** Validation data of fit: [x, y], [x, y, sampleWeight], or an object with masks too. */
export type ValidationData = [InputsLike, InputsLike] | [InputsLike, InputsLike, PerName<SampleWeightLike>] | ({ x: InputsLike; y: InputsLike } & DataOptions);

export interface FitConfig extends DataOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Reshuffle the training samples every epoch, seeded by the model's seed (default true). */
  shuffle?: boolean;
  validationData?: ValidationData;
  /** Fraction of the samples, taken from the end before shuffling, used for validation. */
  validationSplit?: number;
  /** Epoch to start at (for resuming); epochs counts from 0 (default 0). */
  initialEpoch?: number;
  /** Weight of each class index in the loss (one output); becomes per-sample weights. */
  classWeight?: Record<number, number>;
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
  /**
   * Data-parallel training across the processes of an MPI job (after distributed.init()):
   * each process trains on its shard of every epoch's order with batchSize samples per
   * step, the gradients are averaged over the processes before clipping and the update,
   * rank 0's weights and optimizer state are broadcast first, the logs are the global
   * figures on every process, and only rank 0 shows progress and writes checkpoints.
   */
  distributed?: boolean;
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'initialEpoch', 'classWeight', 'sampleWeight', 'verbose', 'callbacks', 'signal', 'progressStream', 'resumeFrom', 'mask', 'lengths', 'distributed'] as const;

export interface FitDatasetConfig {
  /** Default 1. */
  epochs?: number;
  /** Batches that make an epoch (for a dataset that does not end, or to use part of one each epoch). */
  batchesPerEpoch?: number;
  /** A dataset of batches, or arrays as in fit. */
  validationData?: DatasetLike | ValidationData;
  /** Batch size of array validation data (default 32). */
  validationBatchSize?: number;
  initialEpoch?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  signal?: AbortSignal;
  progressStream?: ProgressStream;
  resumeFrom?: string;
}

const FIT_DATASET_KEYS = ['epochs', 'batchesPerEpoch', 'validationData', 'validationBatchSize', 'initialEpoch', 'verbose', 'callbacks', 'signal', 'progressStream', 'resumeFrom'] as const;

export interface EvaluateConfig extends DataOptions {
  /** Default 32. */
  batchSize?: number;
  /** Return { loss, accuracy, ... } instead of Keras's scalar or list (default false). */
  returnDict?: boolean;
}

export interface PredictConfig extends Omit<DataOptions, 'sampleWeight'> {
  /** Default 32. */
  batchSize?: number;
}

export interface SummaryConfig {
  /** Print with console.log (default true); the text is returned either way. */
  print?: boolean;
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, received ${describe(v)}`);
  return v;
}

function shapesCompatible(expected: readonly (number | null)[], received: readonly (number | null)[]): boolean {
  return expected.length === received.length && expected.every((d, i) => d === null || received[i] === null || d === received[i]);
}

export abstract class Model implements TrainingModel {
  readonly name: string;
  stopTraining = false;
  protected readonly backend: Backend;
  /** The mixed-precision policy of this model's recurrent layers. */
  readonly mixedPrecision: MixedPrecisionPolicy;
  private currentSeed: number;
  private runtime: NativeRuntime | undefined;
  /** The native model being made (off the main thread), while it is. */
  private making: Promise<void> | undefined;
  /** Counts the changes that make a native model being made stale (a new graph, dispose). */
  private runtimeEpoch = 0;
  private compiledState: Compiled | undefined;
  /** Optimizer state read from a file, put into the native model when it is made. */
  private pendingOptimizer: { state: OptimizerState; iterations: number } | undefined;
  /** The next epoch and batch of training (fit keeps it current; save writes it). */
  protected readonly position = { epoch: 0, batch: 0 };
  private disposed = false;

  protected constructor(config: ModelConfig, defaultName: string) {
    const c = checkedOptions(defaultName, config, ['name', 'seed', 'backend', 'mixedPrecision']);
    if (c.name !== undefined && (typeof c.name !== 'string' || c.name.length === 0)) throw new TypeError(`${defaultName}: name must be a non-empty string, received ${describe(c.name)}`);
    this.name = c.name ?? defaultName;
    if (c.seed !== undefined && (typeof c.seed !== 'number' || !Number.isFinite(c.seed))) {
      throw new RangeError(`${this.name}: seed must be a finite number, received ${describe(c.seed)}`);
    }
    this.currentSeed = c.seed === undefined ? randomSeed() : Math.floor(c.seed) >>> 0;
    if (c.backend !== undefined && (typeof c.backend !== 'object' || c.backend === null || typeof c.backend.createModel !== 'function')) {
      throw new TypeError(`${this.name}: backend must be a Backend (cpuBackend, ...), received ${describe(c.backend)}`);
    }
    this.backend = c.backend ?? defaultBackend();
    this.mixedPrecision = c.mixedPrecision === undefined ? getMixedPrecision() : checkedPolicy(c.mixedPrecision, this.name);
  }

  // ---- The graph.

  /** The model's graph (throws when it cannot be made yet, e.g. a Sequential model without an input shape). */
  protected abstract graph(): ModelGraph;

  /** The graph changed (a Sequential model's layers): the native model is remade at the next call. */
  protected graphChanged(): void {
    this.runtime?.release();
    this.runtime = undefined;
    this.runtimeEpoch++;
  }

  /** Seeds initial weights, shuffling and dropout. */
  get seed(): number {
    return this.currentSeed;
  }

  /** The model's layers (a functional model's InputLayers first, as Keras lists them). */
  abstract get layers(): readonly Layer[];

  get inputs(): SymbolicTensor[] {
    return [...this.graph().inputs];
  }

  get outputs(): SymbolicTensor[] {
    return [...this.graph().outputs];
  }

  get inputNames(): string[] {
    return this.graph().inputs.map((t) => t.name);
  }

  /** Output names as compile, fit and evaluate take them: the producing layer's name (with the output index when a layer gives several). */
  get outputNames(): string[] {
    const outs = this.graph().outputs;
    return outs.map((t) => (outs.filter((o) => o.node.layer === t.node.layer).length > 1 ? `${t.node.layer.name}_${t.outputIndex}` : t.node.layer.name));
  }

  /** A layer by name or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = Number.isInteger(nameOrIndex) ? layers[nameOrIndex] : undefined;
      if (!l) throw new RangeError(`${this.name}: getLayer(${nameOrIndex}): the model has ${layers.length} layers`);
      return l;
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new RangeError(`${this.name}: no layer named ${describe(nameOrIndex)} (layers: ${layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  get optimizer(): Optimizer | undefined {
    return this.compiledState?.optimizer;
  }

  /** The names of what evaluate returns, in its order: 'loss', then per-output losses and metrics. */
  get metricsNames(): string[] {
    return this.compiledState ? [...this.compiledState.logKeys] : [];
  }

  /** The layers with a native counterpart (all but InputLayers), in getWeights order. */
  weightLayers(): Layer[] {
    return this.graph().weightLayers;
  }

  private weightList(): { layer: Layer; info: WeightInfo }[] {
    return weightInfos(this.weightLayers());
  }

  /**
   * The native model, made on first use and given the current weights and any optimizer
   * state a file gave. Making it keeps the event loop free: the native memory is allocated
   * on a worker, the weights and slots are written in pieces between turns of the loop.
   */
  private async native(): Promise<NativeRuntime> {
    for (;;) {
      if (this.disposed) throw new Error(`${this.name}: the model was disposed`);
      if (this.runtime) return this.runtime;
      this.making ??= this.makeRuntime().finally(() => {
        this.making = undefined;
      });
      await this.making;
    }
  }

  /** Makes the native model; leaves it unset when the graph changed or the model was disposed meanwhile (native() then tries again). */
  private async makeRuntime(): Promise<void> {
    const epoch = this.runtimeEpoch;
    const graph = this.graph();
    initializeWeights(graph.weightLayers, this.seed);
    const compiled = this.compiledState;
    const runtime = await NativeRuntime.create(graph, this.backend, this.seed, this.mixedPrecision, compiled && compileSpec(compiled));
    try {
      const pending = this.pendingOptimizer;
      if (pending && compiled) await runtime.setOptimizerStateInPieces(pending.state);
      if (epoch !== this.runtimeEpoch) {
        runtime.release();
        return;
      }
      // compile() or restoreOptimizer() while it was made: as they would have done to it.
      if (this.compiledState !== compiled && this.compiledState) runtime.compile(compileSpec(this.compiledState));
      this.runtime = runtime;
      if (pending && this.pendingOptimizer === pending && this.compiledState === compiled) {
        (compiled as Compiled).optimizer.iterations = pending.iterations;
        this.pendingOptimizer = undefined;
      } else if (this.pendingOptimizer) {
        this.applyOptimizerState(this.pendingOptimizer);
      }
    } catch (e) {
      if (this.runtime === runtime) this.runtime = undefined;
      runtime.release();
      throw e;
    }
  }

  /** The steps of fit, evaluate and predict, on the native model (made by the first step when there is none yet). */
  private runner(): StepRunner {
    if (this.disposed) throw new Error(`${this.name}: the model was disposed`);
    this.graph();
    return {
      train: async (args) => {
        const runtime = this.runtime ?? (await this.native());
        const result = await runtime.current().trainStep(args);
        runtime.trained();
        return result;
      },
      evaluate: async (args) => (this.runtime ?? (await this.native())).current().evaluateStep(args),
      predict: async (args) => (this.runtime ?? (await this.native())).current().predict(args),
    };
  }

  // ---- Weights.

  /** The weights in Keras order and shapes. */
  getWeights(): Tensor[] {
    const list = this.weightList();
    const layers = this.weightLayers();
    initializeWeights(layers, this.seed);
    const values = layers.flatMap((l) => l.weightState.current(l) as Float32Array[]);
    return values.map((v, i) => new Tensor(Float32Array.from(v), list[i].info.shape));
  }

  /** New arrays of all weights (getWeights order), copied piece by piece so a large model's save keeps the event loop free. */
  private async weightsInPieces(): Promise<Float32Array[]> {
    const layers = this.weightLayers();
    initializeWeights(layers, this.seed);
    const pacer = new Pacer();
    const out: Float32Array[] = [];
    for (const l of layers) {
      const values = await l.weightState.copyInPieces(l, pacer);
      if (!values) throw new Error(`internal: layer '${l.name}' has no weights`);
      out.push(...values);
    }
    return out;
  }

  /** Replaces all weights (Keras order); each must match its weight's shape (a flat array its size). */
  setWeights(weights: (Tensor | Float32Array | NestedNumbers[])[]): void {
    const list = this.weightList();
    if (!Array.isArray(weights) || weights.length !== list.length) {
      throw new RangeError(`${this.name}: setWeights expects ${list.length} weights, received ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    }
    const arrays = weights.map((w, i) => {
      const { layer, info } = list[i];
      const label = `${this.name}: setWeights: weight ${i} (${layer.name}/${info.name})`;
      let t: Tensor;
      try {
        t = w instanceof Float32Array ? new Tensor(w, [w.length]) : toTensor(w as TensorLike, `weight ${i}`, 'float32');
      } catch (err) {
        throw new RangeError(`${label}: ${(err as Error).message}`);
      }
      const flatOk = t.rank === 1 && t.size === shapeSize(info.shape);
      if (!flatOk && !shapesCompatible(info.shape, t.shape)) throw new RangeError(`${label} expects shape ${formatShape(info.shape)}, received ${formatShape(t.shape)}`);
      for (let j = 0; j < t.size; j++) {
        if (!Number.isFinite(t.data[j])) throw new RangeError(`${label} has a non-finite value at ${indexText(info.shape, j)}`);
      }
      return Float32Array.from(t.data);
    });
    let k = 0;
    for (const layer of this.weightLayers()) {
      const n = layer.weights().length;
      layer.weightState.setValues(arrays.slice(k, k + n));
      k += n;
    }
    // A native model takes them now (it refuses while one of its steps runs, as it should).
    this.runtime?.current();
  }

  /**
   * Takes arrays that are the library's own and already checked for finiteness (a file's
   * decoded weights): shapes are checked, nothing is copied, so loading a large model
   * keeps the event loop free.
   */
  private adoptWeights(values: Float32Array[]): void {
    const list = this.weightList();
    if (values.length !== list.length) throw new RangeError(`${this.name}: expected ${list.length} weights, received ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== shapeSize(list[i].info.shape)) throw new RangeError(`${this.name}: weight ${i} (${list[i].layer.name}/${list[i].info.name}) needs ${shapeSize(list[i].info.shape)} values, received ${v.length}`);
    });
    let k = 0;
    for (const layer of this.weightLayers()) {
      const n = layer.weights().length;
      layer.weightState.setValues(values.slice(k, k + n));
      k += n;
    }
    this.runtime?.current();
  }

  countParams(): number {
    return countParams(this.weightLayers());
  }

  /** Zeroes the carried states of stateful layers. */
  resetStates(): void {
    this.runtime?.current().resetStates();
  }

  /**
   * Frees the native memory now (the layers keep their current weights, so other models
   * sharing them go on working); the model cannot be used afterwards.
   */
  dispose(): void {
    if (this.disposed) return;
    this.runtime?.release();
    this.runtime = undefined;
    this.runtimeEpoch++;
    this.disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- Compile.

  /** Sets the losses, optimizer and metrics (recompiling resets the optimizer's state). */
  compile(config: CompileConfig): void {
    const compiled = compileModel(this.name, config, this.outputNames);
    this.compiledState = compiled;
    this.pendingOptimizer = undefined;
    if (this.runtime) this.runtime.compile(compileSpec(compiled));
  }

  protected requireCompiled(what: string): Compiled {
    if (!this.compiledState) throw new Error(`${this.name}: call compile({ optimizer, loss }) before ${what}()`);
    return this.compiledState;
  }

  protected get compiled(): Compiled | undefined {
    return this.compiledState;
  }

  // ---- Data.

  /** Called with the inputs of every call before they are checked (a Sequential model without an input shape builds from them). */
  protected beforeData(_x: InputsLike): void {}

  private data(what: string, x: InputsLike, y: InputsLike | undefined, o: DataOptions, names: [string, string, string] = ['x', 'y', 'sampleWeight']): ModelData {
    this.beforeData(x);
    const graph = this.graph();
    const inputs = prepareInputs(graph, x, names[0]);
    const n = inputs[0].shape[0];
    const masks = prepareMasks(graph, inputs, o.mask, o.lengths, what);
    const outputNames = this.outputNames;
    if (y === undefined) return { n, inputs, masks, targets: outputNames.map(() => null), sampleWeights: outputNames.map(() => undefined) };
    const compiled = this.requireCompiled(what);
    const targets = prepareTargetList(graph, compiled, outputNames, y, inputs, names[1]);
    const sampleWeights = prepareSampleWeights(graph, outputNames, o.sampleWeight, n, names[2]);
    return { n, inputs, masks, targets, sampleWeights };
  }

  private validationData(v: ValidationData): ModelData {
    if (Array.isArray(v)) {
      if (v.length !== 2 && v.length !== 3) throw new TypeError(`${this.name}: fit: validationData must be [x, y], [x, y, sampleWeight] or { x, y, ... }`);
      return this.data('fit', v[0], v[1], v.length === 3 ? { sampleWeight: v[2] } : {}, ['validationData[0]', 'validationData[1]', 'validationData[2]']);
    }
    if (typeof v === 'object' && v !== null && 'x' in v && 'y' in v) {
      const o = checkedOptions(`${this.name}: fit: validationData`, v, ['x', 'y', 'sampleWeight', 'mask', 'lengths']);
      return this.data('fit', o.x as InputsLike, o.y as InputsLike, o, ['validationData.x', 'validationData.y', 'validationData.sampleWeight']);
    }
    throw new TypeError(`${this.name}: fit: validationData must be [x, y], [x, y, sampleWeight] or { x, y, ... }, received ${describe(v)}`);
  }

  /** One batch of a dataset as the native step's arguments. */
  private datasetStep(batch: DatasetBatch, what: string): StepArgs {
    const data = this.data(what, batch.xs, batch.ys, batch, [`${what}.xs`, `${what}.ys`, `${what}.sampleWeight`]);
    return inOrderOne(data);
  }

  // ---- Training and inference.

  async fit(x: InputsLike, y: InputsLike, config: FitConfig = {}): Promise<History> {
    const c = checkedOptions(`${this.name}: fit`, config, [...FIT_KEYS]);
    const { initialEpoch, initialBatch } = await this.startPosition(c);
    const compiled = this.requireCompiled('fit');
    const epochs = positiveInt(`${this.name}: fit: epochs`, c.epochs ?? 1);
    const batchSize = positiveInt(`${this.name}: fit: batchSize`, c.batchSize ?? 32);
    this.checkStart(c, initialEpoch, epochs);
    const verbose = this.verbosity(c.verbose);
    if (c.classWeight !== undefined && c.sampleWeight !== undefined) throw new RangeError(`${this.name}: fit: give classWeight or sampleWeight, not both`);
    const split = c.validationSplit;
    if (split !== undefined && (typeof split !== 'number' || !(split > 0 && split < 1))) {
      throw new RangeError(`${this.name}: fit: validationSplit must be a number in (0, 1), received ${describe(split)}`);
    }
    if (c.shuffle !== undefined && typeof c.shuffle !== 'boolean') throw new TypeError(`${this.name}: fit: shuffle must be a boolean, received ${describe(c.shuffle)}`);
    if (c.distributed !== undefined && typeof c.distributed !== 'boolean') throw new TypeError(`${this.name}: fit: distributed must be a boolean, received ${describe(c.distributed)}`);
    let train = this.data('fit', x, y, c);
    if (c.classWeight !== undefined) {
      if (typeof c.classWeight !== 'object' || c.classWeight === null) throw new TypeError(`${this.name}: fit: classWeight must be an object { [classIndex]: weight }`);
      const withLoss = train.targets.filter((t) => t !== null);
      if (withLoss.length !== 1) throw new RangeError(`${this.name}: fit: classWeight applies to a model with one output; use sampleWeight per output`);
      const k = train.targets.findIndex((t) => t !== null);
      train = { ...train, sampleWeights: train.sampleWeights.map((w, i) => (i === k ? classWeightsToSampleWeights(train.targets[k] as Tensor, c.classWeight as Record<number, number>) : w)) };
    }
    let validation: ModelData | undefined;
    if (c.validationData !== undefined) validation = this.validationData(c.validationData);
    else if (split !== undefined) ({ train, validation } = splitValidation(train, split));
    const parallel = c.distributed
      ? await this.startParallel({ samples: train.n, validationSamples: validation?.n ?? 0, batchSize, epochs, initialEpoch, initialBatch, shuffleSeed: this.shuffleSeed() })
      : undefined;
    const shard = parallel?.shard;
    const runner = parallel?.runner ?? this.runner();
    const source = arraySource(train, batchSize, c.shuffle ?? true, parallel?.shuffleSeed ?? this.shuffleSeed(), shard);
    return fitLoop(
      { model: this, runner, optimizer: compiled.optimizer, compiled, position: this.position, reduceMeans: parallel?.reduceMeans },
      source,
      validation ? () => inOrder(validation as ModelData, batchSize, shard) : undefined,
      { epochs, initialEpoch, initialBatch, verbose: shard && shard.rank !== 0 ? 0 : verbose, callbacks: this.callbackList(c.callbacks, shard), signal: c.signal, progressStream: c.progressStream },
    );
  }

  /**
   * Trains on a dataset: an array, iterable or async iterable of batches { xs, ys,
   * sampleWeight?, mask?, lengths? } (xs and ys as fit takes x and y), each batch of its
   * own shape (e.g. padded to its own longest sequence by data.bucketedDataset). The
   * dataset is iterated anew every epoch; batchesPerEpoch takes that many batches instead.
   */
  async fitDataset(dataset: DatasetLike, config: FitDatasetConfig = {}): Promise<History> {
    const c = checkedOptions(`${this.name}: fitDataset`, config, [...FIT_DATASET_KEYS]);
    const { initialEpoch, initialBatch } = await this.startPosition(c);
    const compiled = this.requireCompiled('fitDataset');
    const epochs = positiveInt(`${this.name}: fitDataset: epochs`, c.epochs ?? 1);
    const perEpoch = c.batchesPerEpoch === undefined ? undefined : positiveInt(`${this.name}: fitDataset: batchesPerEpoch`, c.batchesPerEpoch);
    this.checkStart(c, initialEpoch, epochs);
    const verbose = this.verbosity(c.verbose);
    const what = `${this.name}: fitDataset: batch`;
    const source: TrainingSource = {
      steps: perEpoch ?? (Array.isArray(dataset) ? dataset.length : undefined),
      samples: undefined,
      batchSize: undefined,
      batches: (_epoch, first) => datasetBatches(dataset, `${this.name}: fitDataset`, first, perEpoch, (b, i) => this.datasetStep(b, `${what} ${i}`)),
    };
    let validation: (() => AsyncIterable<StepArgs> | Iterable<StepArgs>) | undefined;
    const v = c.validationData;
    if (v !== undefined) {
      const isArrays = Array.isArray(v) && (v.length === 2 || v.length === 3) && !v.every((e) => typeof e === 'object' && e !== null && 'xs' in e);
      if (isArrays || (typeof v === 'object' && v !== null && 'x' in v)) {
        const data = this.validationData(v as ValidationData);
        const size = positiveInt(`${this.name}: fitDataset: validationBatchSize`, c.validationBatchSize ?? 32);
        validation = () => inOrder(data, size);
      } else {
        validation = () => datasetBatches(v as DatasetLike, `${this.name}: fitDataset: validationData`, 0, undefined, (b, i) => this.datasetStep(b, `${this.name}: fitDataset: validation batch ${i}`));
      }
    }
    return fitLoop(
      { model: this, runner: this.runner(), optimizer: compiled.optimizer, compiled, position: this.position },
      source,
      validation,
      { epochs, initialEpoch, initialBatch, verbose, callbacks: this.callbackList(c.callbacks), signal: c.signal, progressStream: c.progressStream },
    );
  }

  private verbosity(v: unknown): 0 | 1 | 2 {
    const verbose = v ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new RangeError(`${this.name}: fit: verbose must be 0, 1 or 2, received ${describe(verbose)}`);
    return verbose;
  }

  /** The callbacks of a fit; on the ranks other than 0 of a data-parallel job, without checkpoints (rank 0 writes them). */
  private callbackList(callbacks: Callback | Callback[] | undefined, shard?: Shard): Callback[] {
    const list = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
    list.forEach((c, i) => {
      if (typeof c !== 'object' || c === null) throw new TypeError(`${this.name}: fit: callbacks[${i}] must be a callback object, received ${describe(c)}`);
    });
    return shard && shard.rank !== 0 ? list.filter((c) => !(c instanceof ModelCheckpoint)) : list;
  }

  /** Joins the other processes of a data-parallel fit (lib/distributed/data_parallel.ts). */
  private startParallel(plan: ParallelPlan): Promise<DataParallel> {
    const c = collectives(`${this.name}: fit({ distributed: true })`);
    return startDataParallel(
      {
        name: this.name,
        compiled: this.requireCompiled('fit'),
        runtime: () => this.native(),
        adoptWeights: (values) => this.adoptWeights(values),
        local: this.runner(),
        embeddingTables: Int32Array.from(
          this.weightList().flatMap(({ layer, info }, i) => (layer.className === 'Embedding' && info.shape.length === 2 ? [i, info.shape[1]] : [])),
        ),
      },
      c,
      plan,
    );
  }

  private async startPosition(c: { resumeFrom?: string; initialEpoch?: number }): Promise<{ initialEpoch: number; initialBatch: number }> {
    if (c.resumeFrom === undefined) return { initialEpoch: c.initialEpoch ?? 0, initialBatch: 0 };
    if (c.initialEpoch !== undefined) throw new RangeError(`${this.name}: fit: give initialEpoch or resumeFrom, not both`);
    const p = await this.resume(c.resumeFrom);
    return { initialEpoch: p.epoch, initialBatch: p.batch };
  }

  private checkStart(c: { resumeFrom?: string }, initialEpoch: number, epochs: number): void {
    if (c.resumeFrom !== undefined && initialEpoch >= epochs) {
      throw new RangeError(`${this.name}: fit: the checkpoint in ${c.resumeFrom} has finished ${initialEpoch} epochs; ask for more than that (epochs: ${epochs})`);
    }
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
      throw new RangeError(`${this.name}: fit: initialEpoch must be an integer in [0, epochs), received ${describe(initialEpoch)}`);
    }
  }

  /** The seed of the epoch shuffles. */
  protected shuffleSeed(): number {
    return deriveShuffleSeed(this.seed);
  }

  /**
   * Loss and metrics over (x, y) as Keras returns them: the loss alone when there is
   * nothing else, else a list in metricsNames order; { loss, accuracy, ... } with returnDict.
   */
  async evaluate(x: InputsLike, y: InputsLike, config: EvaluateConfig & { returnDict: true }): Promise<Logs>;
  async evaluate(x: InputsLike, y: InputsLike, config?: EvaluateConfig): Promise<number | number[]>;
  async evaluate(x: InputsLike, y: InputsLike, config: EvaluateConfig = {}): Promise<number | number[] | Logs> {
    const c = checkedOptions(`${this.name}: evaluate`, config, ['batchSize', 'sampleWeight', 'mask', 'lengths', 'returnDict']);
    const compiled = this.requireCompiled('evaluate');
    const batchSize = positiveInt(`${this.name}: evaluate: batchSize`, c.batchSize ?? 32);
    if (c.returnDict !== undefined && typeof c.returnDict !== 'boolean') throw new TypeError(`${this.name}: evaluate: returnDict must be a boolean, received ${describe(c.returnDict)}`);
    const data = this.data('evaluate', x, y, c);
    const logs = await evaluateLoop(this.runner(), compiled, inOrder(data, batchSize));
    return c.returnDict ? logs : kerasResult(logs, compiled.logKeys);
  }

  /** evaluate over a dataset of batches { xs, ys, ... } (as fitDataset takes them). */
  async evaluateDataset(dataset: DatasetLike, config: { returnDict?: boolean } = {}): Promise<number | number[] | Logs> {
    const c = checkedOptions(`${this.name}: evaluateDataset`, config, ['returnDict']);
    const compiled = this.requireCompiled('evaluateDataset');
    const logs = await evaluateLoop(this.runner(), compiled, datasetBatches(dataset, `${this.name}: evaluateDataset`, 0, undefined, (b, i) => this.datasetStep(b, `${this.name}: evaluateDataset: batch ${i}`)));
    return c.returnDict ? logs : kerasResult(logs, compiled.logKeys);
  }

  /** Outputs for x: a Tensor [N, ...outputShape], or one per output for a model with several. */
  async predict(x: InputsLike, config: PredictConfig = {}): Promise<Tensor | Tensor[]> {
    const c = checkedOptions(`${this.name}: predict`, config, ['batchSize', 'mask', 'lengths']);
    const batchSize = positiveInt(`${this.name}: predict: batchSize`, c.batchSize ?? 32);
    return this.predictData(this.data('predict', x, undefined, c), batchSize);
  }

  private async predictData(data: ModelData, batchSize: number): Promise<Tensor | Tensor[]> {
    const shapes = this.graph().outputShapesFor(data.inputs.map((t) => t.shape.slice(1)));
    const outs = await predictLoop(this.runner(), data, batchSize, shapes);
    return outs.length === 1 ? outs[0] : outs;
  }

  /**
   * One training step on (x, y) as a single batch, like Keras's train_on_batch: for custom
   * training loops. Returns the batch's loss and metrics.
   */
  async trainOnBatch(x: InputsLike, y: InputsLike, config: DataOptions = {}): Promise<Logs> {
    const c = checkedOptions(`${this.name}: trainOnBatch`, config, ['sampleWeight', 'mask', 'lengths']);
    const compiled = this.requireCompiled('trainOnBatch');
    return trainBatch({ runner: this.runner(), optimizer: compiled.optimizer, compiled }, this.data('trainOnBatch', x, y, c));
  }

  /** Loss and metrics of (x, y) as one batch, without updating (Keras's test_on_batch). */
  async testOnBatch(x: InputsLike, y: InputsLike, config: DataOptions = {}): Promise<Logs> {
    const c = checkedOptions(`${this.name}: testOnBatch`, config, ['sampleWeight', 'mask', 'lengths']);
    const compiled = this.requireCompiled('testOnBatch');
    const data = this.data('testOnBatch', x, y, c);
    return evaluateLoop(this.runner(), compiled, [inOrderOne(data)]);
  }

  /** Outputs for x computed as one batch (Keras's predict_on_batch). */
  async predictOnBatch(x: InputsLike, config: Omit<PredictConfig, 'batchSize'> = {}): Promise<Tensor | Tensor[]> {
    const c = checkedOptions(`${this.name}: predictOnBatch`, config, ['mask', 'lengths']);
    const data = this.data('predictOnBatch', x, undefined, c);
    return this.predictData(data, Math.max(1, data.n));
  }

  // ---- The optimizer state, for saving and resuming (lib/models/model_saving.ts).

  /** The native optimizer state and the step count, or what a file gave before the native model exists. */
  optimizerSnapshot(): { state: OptimizerState; iterations: number } | undefined {
    const c = this.compiledState;
    if (!c) return undefined;
    if (this.runtime) return { state: this.runtime.getOptimizerState(), iterations: c.optimizer.iterations };
    return this.pendingOptimizer;
  }

  /** As optimizerSnapshot, in new arrays read piece by piece (a save's writer takes them). */
  private async optimizerSnapshotInPieces(): Promise<{ state: OptimizerState; iterations: number } | undefined> {
    const c = this.compiledState;
    if (!c) return undefined;
    if (this.runtime) return { state: await this.runtime.optimizerStateInPieces(), iterations: c.optimizer.iterations };
    const pending = this.pendingOptimizer;
    if (!pending) return undefined;
    const pacer = new Pacer();
    const slots: Float32Array[] = [];
    for (const s of pending.state.slots) slots.push(await pacer.copy(s));
    return { state: { ...pending.state, slots }, iterations: pending.iterations };
  }

  /** Restores an optimizer state (now, or when the native model is made). */
  restoreOptimizer(saved: { state: OptimizerState; iterations: number } | undefined): void {
    this.pendingOptimizer = saved;
    if (saved && this.runtime) this.applyOptimizerState(saved);
  }

  private applyOptimizerState(saved: { state: OptimizerState; iterations: number }): void {
    const runtime = this.runtime as NativeRuntime;
    runtime.current();
    runtime.setOptimizerState(saved.state);
    (this.compiledState as Compiled).optimizer.iterations = saved.iterations;
    this.pendingOptimizer = undefined;
  }

  /** Replaces the seed (a checkpoint's): the native model is remade, since dropout draws from it. */
  protected reseed(seed: number): void {
    if (seed === this.currentSeed) return;
    this.graphChanged();
    this.currentSeed = seed;
  }

  // ---- Saving and loading.

  /** The architecture as Keras / TensorFlow.js JSON (lib/io/topology.ts). */
  abstract topology(): unknown;

  /** What saving and loading read and restore (model_saving.ts). */
  private persistence(): Persistence {
    const model = this;
    return {
      name: this.name,
      seed: this.seed,
      layers: this.weightLayers(),
      topology: () => this.topology(),
      weights: () => this.weightsInPieces(),
      setWeights: (values) => this.adoptWeights(values),
      // A getter: restoring compiles the model, then asks whether it is compiled.
      get compiled() {
        return model.compiledState;
      },
      compile: (config) => this.compile(config),
      position: this.position,
      optimizer: () => this.optimizerSnapshotInPieces(),
      restoreOptimizer: (saved) => this.restoreOptimizer(saved),
      reseed: (seed) => this.reseed(seed),
    };
  }

  /**
   * Saves the model to directory `dir` (created if needed) in the TensorFlow.js layers
   * format (model.json and a weights file), with the compile settings and, unless
   * includeOptimizer is false, the optimizer state and training position. The save is
   * crash-safe: until it completes, `dir` holds the previous model whole.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    return saveModel(this.persistence(), dir, options);
  }

  /** Writes the weights as a Keras 3 `.weights.h5` file (Keras's save_weights). */
  async saveWeights(path: string): Promise<void> {
    return exportKerasWeights(this, path);
  }

  /**
   * Reads weights saved by Keras: a Keras 3 `.weights.h5` or `.keras` file, or a Keras 2
   * `.h5` file (Keras's load_weights); the architecture must match, shapes are checked.
   */
  async loadWeights(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`${this.name}: loadWeights(path): path must be a non-empty string, received ${describe(path)}`);
    if (path.endsWith('.weights.h5') || path.endsWith('.keras')) return importKerasWeights(this, path);
    if (path.endsWith('.h5')) return importKeras2Weights(this, path);
    throw new RangeError(`${this.name}: loadWeights(${JSON.stringify(path)}): expected a Keras .weights.h5, .keras or .h5 file`);
  }

  /** Takes over what lib/io read from a saved model (loadModel uses it). */
  restore(files: ModelFiles, what: string): void {
    restoreModel(this.persistence(), files, what);
  }

  /** Restores a checkpoint for fit({ resumeFrom }); returns where training goes on. */
  private resume(dir: string): Promise<{ epoch: number; batch: number }> {
    return resumeModel(this.persistence(), dir);
  }
}

/** One batch holding all of `data`. */
function inOrderOne(data: ModelData): StepArgs {
  for (const args of inOrder(data, Math.max(1, data.n))) return args;
  throw new RangeError('a batch needs at least one sample');
}

/** Keras's evaluate result: the loss alone, or the list in metricsNames order. */
function kerasResult(logs: Logs, keys: readonly string[]): number | number[] {
  return keys.length === 1 ? logs.loss : keys.map((k) => logs[k]);
}

/** The seed of a model's epoch shuffles. */
export function deriveShuffleSeed(seed: number): number {
  return deriveSeed(seed, 0x5f5f);
}
