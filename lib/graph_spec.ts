// The contract between the TypeScript model (lib/models, lib/layers, lib/training) and the
// native graph (native/graph): a model as a DAG of layer applications, the compile options,
// and the calls a training loop makes. TypeScript validates user input and infers shapes;
// native code checks the spec again, owns parameters, gradients and optimizer state on its
// backend's device, and runs a training step (forward, losses, backward, clip, update) in
// one asynchronous call.
//
// Shapes are per sample (no batch axis). A null axis is free: its size comes from each
// batch (the time axis of a [null, F] input, so one model trains on batches of different
// lengths and predicts on any length). B is the batch size of a call; T a time length.
//
// Values: the model's inputs are values 0 .. inputs.length - 1; every node writes the
// values listed in its `outputs`, numbered on from there in node order. A value with a
// time axis may carry a mask [B, T] (1 = a valid step), as in Keras: Embedding(maskZero),
// Masking or an explicit mask given with the batch start one; layers pass it on or drop it
// as Keras's do (see each LayerSpec); a mask reaching a model output masks its loss.

export type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export type RecurrentActivation = 'linear' | 'tanh' | 'sigmoid' | 'relu' | 'hardSigmoid';

export interface Regularizer {
  l1: number;
  l2: number;
}

/**
 * SimpleRNN, LSTM or GRU over the whole sequence. Node inputs: [x [T, F]] or
 * [x, h0 [H]] (SimpleRNN, GRU) or [x, h0 [H], c0 [H]] (LSTM): initial states, Keras's
 * `initialState`. Node outputs: [y] where y is [T, H] (returnSequences; keeps x's mask)
 * or [H]; with returnState [y, h [H]] or, for LSTM, [y, h [H], c [H]].
 */
export interface RecurrentSpec {
  kind: 'rnn';
  name: string;
  cell: 'simpleRnn' | 'lstm' | 'gru';
  units: number;
  activation: RecurrentActivation;
  /** LSTM and GRU gates. */
  recurrentActivation: RecurrentActivation;
  useBias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  /** GRU only. */
  resetAfter: boolean;
  /** LSTM only: peephole connections (Keras 2 PeepholeLSTMCell, TF1 use_peepholes). */
  peephole: boolean;
  /** Fraction of the input units dropped in training, one mask per sequence (Keras). */
  dropout: number;
  /** Fraction of the recurrent state units dropped in training, one mask per sequence. */
  recurrentDropout: number;
  /** Keep final states between batches until resetStates() (no initial-state inputs then). */
  stateful: boolean;
  trainable: boolean;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export type LayerSpec =
  /** Node inputs: [ids [T] int32]; outputs: [y [T, outputDim]], masked where id is 0 with maskZero (ANDed with an incoming mask). */
  | { kind: 'embedding'; name: string; inputDim: number; outputDim: number; maskZero: boolean; trainable: boolean;
      embeddingsRegularizer?: Regularizer }
  /** [x [T, F]] -> [x with steps whose features all equal maskValue zeroed and masked]. */
  | { kind: 'masking'; name: string; maskValue: number }
  | RecurrentSpec
  /**
   * A forward and a backward (goBackwards flipped) recurrent layer over the same input.
   * Node inputs: [x] or [x, ...forward states, ...backward states]. Outputs: [y] merged
   * by mergeMode (concat: [.., 2H]), or with mergeMode null [y_forward, y_backward]; with
   * returnState the final states follow: forward h (c), then backward h (c).
   */
  | { kind: 'bidirectional'; name: string; mergeMode: MergeMode | null; forward: RecurrentSpec; backward: RecurrentSpec }
  /** [x [..., F]] -> [[..., units]] on the last axis (on [T, F]: Keras's TimeDistributed(Dense)); the mask passes. */
  | { kind: 'dense'; name: string; units: number; activation: DenseActivation; useBias: boolean; trainable: boolean;
      kernelRegularizer?: Regularizer; biasRegularizer?: Regularizer }
  /** [x] -> [x] with a fraction `rate` zeroed (kept ones scaled by 1/(1-rate)) in training; the mask passes. */
  | { kind: 'dropout'; name: string; rate: number }
  /**
   * Merge layers over two or more inputs of one shape (concatenate: equal but on `axis`).
   * add, subtract (exactly two inputs), multiply, average: elementwise. The output's mask
   * is the AND of the inputs' masks (an input without one counts as all valid).
   */
  | { kind: 'add' | 'subtract' | 'multiply' | 'average'; name: string }
  /**
   * `axis` counts the batch axis as Keras does: -1 (the last) or 1 .. rank. Masks: joined
   * along time when `axis` is the time axis (1), an input without a mask counting as all
   * valid; ANDed (as the other merges) otherwise.
   */
  | { kind: 'concatenate'; name: string; axis: number }
  /**
   * Keras Dot: two inputs, a sum of products over axes[0] of the first and axes[1] of
   * the second (Keras axes, batch axis included, each 1 .. rank). [F]·[F] -> [1];
   * [T, F]·[S, F] with axes [2, 2] -> [T, S]; [T, F]·[F, S]... with axes [2, 1] -> [T, S].
   * normalize: each input l2-normalized along its axis first (cosine proximity). No mask.
   */
  | { kind: 'dot'; name: string; axes: [number, number]; normalize: boolean }
  /** [F] -> [n, F]. No mask. */
  | { kind: 'repeatVector'; name: string; n: number }
  /** Per-sample reshape to targetShape (at most one -1, inferred); the element count must match. No mask. */
  | { kind: 'reshape'; name: string; targetShape: number[] }
  /** [d1, d2, ...] -> [d1 * d2 * ...] (every axis known). No mask. */
  | { kind: 'flatten'; name: string }
  /**
   * Attention over [query [Tq, D], value [Tv, Dv], key? [Tv, D]] (native/graph/attention_layer.cc):
   * score 'dot' (Keras Attention; useScale: a scalar `scale`), 'concat' (Keras Attention's
   * scoreMode 'concat': `scale`? then `concat_score_weight`) or 'additive' (Keras
   * AdditiveAttention; useScale: `scale` [D]). Outputs [y [Tq, Dv]] (the query's mask),
   * and where the node's call has returnAttentionScores the weights [Tq, Tv].
   */
  | { kind: 'attention'; name: string; score: 'dot' | 'concat' | 'additive'; useScale: boolean; dropout: number; trainable: boolean };

export type LayerKind = LayerSpec['kind'];

export interface InputSpec {
  name: string;
  /** Per-sample shape; null marks a free axis. int32 inputs are token ids [T] for an Embedding. */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
}

export interface NodeSpec {
  /** Index into GraphSpec.layers: two nodes of one layer share its weights (a shared layer). */
  layer: number;
  /** Value ids read, in the layer's order (see its LayerSpec). */
  inputs: number[];
  /** Value ids written: the next free ids, in order (their count follows from the layer, and for attention from `call`). */
  outputs: number[];
  /** Attention: this application's call arguments (Keras's return_attention_scores, use_causal_mask). */
  call?: { returnAttentionScores: boolean; useCausalMask: boolean };
}

export interface GraphSpec {
  inputs: InputSpec[];
  /** Every layer once, in the model's layer order: getWeights lists their weights in this order. */
  layers: LayerSpec[];
  /** Layer applications in a topological order (every input value is written before it is read). */
  nodes: NodeSpec[];
  /** The model's output values (a value may appear once). */
  outputs: number[];
  /** Seeds dropout masks (and nothing else: initial weights come from TypeScript). */
  seed: number;
  /** 'bfloat16': every recurrent layer's matrix products on bfloat16 operands, float32 sums (default 'float32'). */
  mixedPrecision?: 'float32' | 'bfloat16';
}

// Weights, per layer, in Keras order and shapes (getWeights/setWeights order):
//   embedding:     embeddings [inputDim, outputDim]
//   rnn:           kernel [F, G*H], recurrent_kernel [H, G*H], bias [G*H] (GRU resetAfter: [2, 3H]) if
//                  useBias; with peephole: input_gate_peephole_weights [H], forget_gate_peephole_weights [H],
//                  output_gate_peephole_weights [H]
//   bidirectional: the forward layer's weights, then the backward layer's
//   dense:         kernel [F, units], bias [units] if useBias
//   others:        none
// F is the size of the last axis of the layer's first input at its first application; a
// shared layer's later applications must agree.

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

export interface OptimizerSpec {
  kind: 'sgd' | 'adam' | 'rmsprop' | 'adadelta' | 'adagrad';
  learningRate: number;
  momentum: number; // sgd
  nesterov: boolean; // sgd
  beta1: number; // adam
  beta2: number; // adam
  epsilon: number; // adam, rmsprop, adadelta, adagrad
  rho: number; // rmsprop, adadelta
  initialAccumulatorValue: number; // adagrad
  /** Clip each gradient element to [-clipvalue, clipvalue] (0: off). */
  clipvalue: number;
  /** Rescale each weight's gradient to at most this L2 norm (0: off). */
  clipnorm: number;
  /** Rescale all gradients together to at most this global L2 norm (0: off). */
  globalClipnorm: number;
}

export type MetricName = 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'meanSquaredError' | 'meanAbsoluteError';

/** The loss of one model output. The model's loss is sum_k weight_k * loss_k (+ regularization). */
export interface OutputLossSpec {
  loss: LossName;
  fromLogits: boolean;
  /** Keras loss_weights (default 1). */
  weight: number;
  metrics: MetricName[];
  /** Training steps use sampled softmax (kernels/loss/sampled_softmax.h); absent: the full loss. */
  sampledSoftmax?: { numSampled: number; removeAccidentalHits: boolean };
}

export interface CompileSpec {
  /** One per model output, in GraphSpec.outputs order; null: the output has no loss (it gets no targets). */
  losses: (OutputLossSpec | null)[];
  optimizer: OptimizerSpec;
}

// Targets of an output: y has the output's per-sample shape (float32), except for
// sparseCategoricalCrossentropy where it is int32 class ids of the output's shape without
// its last axis. Free axes take the size the batch gives them. Masked time steps of an
// output count in neither its loss nor its metrics.

export interface InputBatch {
  /** [B, ...shape] row-major: Int32Array for int32 inputs, Float32Array otherwise. */
  data: Float32Array | Int32Array;
  /** This batch's per-sample shape: the input's shape with every free axis given a size. */
  shape: number[];
  /** [B, T] explicit mask (1 = valid step, 0 = padding) of an input with a time axis (its first axis). */
  mask?: Uint8Array;
}

export interface TargetBatch {
  /** [B, ...target shape] (see above). */
  data: Float32Array | Int32Array;
  /** [B] per-sample weights (class weights resolve to these in TypeScript). */
  sampleWeight?: Float32Array;
}

export interface StepArgs {
  batch: number;
  /** One per model input. */
  inputs: InputBatch[];
  /** One per model output; null for an output without a loss. Not for predict. */
  targets?: (TargetBatch | null)[];
  /** trainStep only: the learning rate for this step (schedules and ReduceLROnPlateau set it per step). */
  learningRate?: number;
}

export interface OutputResult {
  /** The output's mean loss over the batch (weighted by sample weights, unweighted by loss weight). */
  loss: number;
  /** One value per metric of this output: the batch's mean. */
  metrics: number[];
  /** Samples (or unmasked time steps) its means are over. */
  count: number;
}

export interface StepResult {
  /** sum_k weight_k * loss_k, plus the regularization penalties. */
  loss: number;
  /** What `loss` is a mean over, for averaging across batches: the count of the one output with a loss, or B when several outputs have one. */
  count: number;
  /** One per output with a loss, in GraphSpec.outputs order (null for outputs without a loss). */
  outputs: (OutputResult | null)[];
}

export interface OutputBatch {
  /** [B, ...shape]. */
  data: Float32Array;
  /** This batch's per-sample shape. */
  shape: number[];
}

/**
 * What resuming training needs besides the weights. `slots` holds two arrays per weight in
 * getWeights order, each empty or the weight's size, as the compiled optimizer uses them
 * (sgd with momentum: velocity, -; adam: m, v; rmsprop: v, -; adadelta: accumulated
 * gradient, accumulated update; adagrad: accumulator, -). `iterations` counts the
 * optimizer's updates since compile (Adam's bias correction); `step` counts training steps
 * since the model was made and positions the dropout random streams.
 */
export interface OptimizerState {
  step: number;
  iterations: number;
  slots: Float32Array[];
}

export interface NativeModelOptions {
  /** The op backend: 'cpu' (default), 'reference' (every op in its plain form: slow, for checking), 'cuda-emulated' (the CUDA kernels on the host under the SIMT emulation: very slow, for checking). */
  backend?: string;
}

/** The native model object (made by `binding.Model.create(spec, options, compileSpec)`, off the main thread, or `new binding.Model(spec, options)`). */
export interface NativeModel {
  compile(spec: CompileSpec): void;
  /** Forward, losses, backward, clip, update on one batch, on a worker thread. */
  trainStep(args: StepArgs): Promise<StepResult>;
  /**
   * The first half of trainStep: forward (dropout on), losses, backward and the
   * regularization gradients, leaving the gradients in place (getGradients reads them);
   * no update and the step counter does not advance.
   */
  computeGradients(args: StepArgs): Promise<StepResult>;
  /** The second half: clipping and the optimizer update from the gradients in place; advances the step counter. */
  applyGradients(args: { learningRate?: number }): Promise<void>;
  /** Losses and metrics without updating (dropout off). */
  evaluateStep(args: StepArgs): Promise<StepResult>;
  /** Every model output for the batch (dropout off). */
  predict(args: StepArgs): Promise<OutputBatch[]>;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  /**
   * The gradients in place, in getWeights order: after computeGradients as backward left
   * them (before clipping); after applyGradients or trainStep as the update used them
   * (clipped in place). Frozen weights' gradients are zeros.
   */
  getGradients(): Float32Array[];
  /** Replaces the gradients in place (what an all-reduce across processes hands back); same checks as setWeights. */
  setGradients(gradients: Float32Array[]): void;
  /** Zeroes the carried states of stateful layers. */
  resetStates(): void;
  /** Per-sample shapes of the model's outputs, null for free axes. */
  outputShapes(): (number | null)[][];
  /** The compiled optimizer's state (throws before compile). */
  getOptimizerState(): OptimizerState;
  /** Restores a state from getOptimizerState; checks the slot count, lengths and finiteness first. */
  setOptimizerState(state: OptimizerState): void;
  /** Each optimizer slot's length, getOptimizerState order (2 per weight; 0 where the optimizer keeps none). Throws before compile. */
  slotSizes(): number[];
  /**
   * Copies `values` into [offset, offset + values.length) of weight `index` or of optimizer
   * slot `index` (slotSizes order; slot values must be finite): a large model's weights
   * arrive piece by piece, so no single call holds the event loop long.
   */
  writeValues(kind: 'weight' | 'slot', index: number, offset: number, values: Float32Array): void;
  /** Fills `out` with [offset, offset + out.length) of weight `index` or optimizer slot `index`. */
  readValues(kind: 'weight' | 'slot', index: number, offset: number, out: Float32Array): void;
  /** The counters of setOptimizerState alone (its slots written with writeValues). */
  setOptimizerCounters(counters: { step: number; iterations: number }): void;
  /** The counters of getOptimizerState alone (its slots read with readValues). */
  optimizerCounters(): { step: number; iterations: number };
  /** Native memory held now (values, gradients, optimizer slots, workspaces) and allocations made since creation (steady-state steps make none). */
  memory(): { bytes: number; allocations: number };
  /** Frees the native memory now; every later call throws. */
  dispose(): void;
}
