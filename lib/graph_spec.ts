// The contract between the TypeScript model (lib/models, lib/layers, lib/training) and the
// native graph (native/graph): what a compiled Sequential model looks like to native code,
// and the calls a training loop makes. TypeScript validates user input and infers shapes;
// native code owns parameters, gradients and optimizer state, and runs a whole training
// step (forward, loss, backward, clip, update) in one asynchronous call.
//
// Shapes are per sample (no batch axis). B is the batch size of a call.

export type DenseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export type RecurrentActivation = 'linear' | 'tanh' | 'sigmoid' | 'relu' | 'hardSigmoid';

export interface Regularizer {
  l1: number;
  l2: number;
}

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
  /** Also expose the final states (only meaningful with the functional API; ignored by Sequential). */
  returnState: boolean;
  goBackwards: boolean;
  /** GRU only. */
  resetAfter: boolean;
  /** Fraction of the input units dropped in training, one mask per sequence (Keras). */
  dropout: number;
  /** Fraction of the recurrent state units dropped in training, one mask per sequence. */
  recurrentDropout: number;
  /** Keep final states between batches until resetStates(). */
  stateful: boolean;
  trainable: boolean;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export type LayerSpec =
  | { kind: 'embedding'; name: string; inputDim: number; outputDim: number; maskZero: boolean; trainable: boolean;
      embeddingsRegularizer?: Regularizer }
  | { kind: 'masking'; name: string; maskValue: number }
  | RecurrentSpec
  | { kind: 'bidirectional'; name: string; mergeMode: 'concat' | 'sum' | 'mul' | 'ave'; forward: RecurrentSpec;
      backward: RecurrentSpec }
  // Dense acts on the last axis: on [T, F] input it is TimeDistributed(Dense).
  | { kind: 'dense'; name: string; units: number; activation: DenseActivation; useBias: boolean; trainable: boolean;
      kernelRegularizer?: Regularizer; biasRegularizer?: Regularizer }
  | { kind: 'dropout'; name: string; rate: number };

export interface GraphSpec {
  /** Per-sample input shape: [T] token ids (int32) for an Embedding first layer, [T, F] or [F] floats otherwise. */
  inputShape: number[];
  inputDtype: 'int32' | 'float32';
  layers: LayerSpec[];
  /** Seeds dropout masks (and nothing else: initial weights come from TypeScript). */
  seed: number;
}

// Weights, per layer, in Keras order and shapes (getWeights/setWeights order):
//   embedding:     embeddings [inputDim, outputDim]
//   rnn:           kernel [I, G*H], recurrent_kernel [H, G*H], bias [G*H] (GRU resetAfter: [2, 3H]) if useBias
//   bidirectional: the forward layer's weights, then the backward layer's
//   dense:         kernel [in, units], bias [units] if useBias
//   masking, dropout: none

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

export interface CompileSpec {
  loss: LossName;
  fromLogits: boolean;
  optimizer: OptimizerSpec;
  metrics: MetricName[];
}

// Targets: y has the model output's shape per sample (float32), except for
// sparseCategoricalCrossentropy where it is int32 class ids of the output shape without its
// last axis. With a 3-D output and a mask reaching the loss (Embedding maskZero or Masking
// with returnSequences layers), masked time steps do not count in the loss or metrics.

export interface StepArgs {
  x: Int32Array | Float32Array; // [B, ...inputShape]
  y: Float32Array | Int32Array; // [B, ...target shape]
  batch: number;
  /** [B] per-sample weights (class weights resolve to these in TypeScript). */
  sampleWeight?: Float32Array;
  /** The learning rate for this step (schedules and ReduceLROnPlateau set it per step). */
  learningRate?: number;
}

export interface StepResult {
  /** Mean loss over the batch (weighted), regularization penalties included for training. */
  loss: number;
  /** One value per compiled metric: the batch's mean. */
  metrics: number[];
  /** Samples (or unmasked time steps) the means are over, for averaging across batches. */
  count: number;
}

/** The native model object (created by `new binding.Model(spec)`). */
export interface NativeModel {
  compile(spec: CompileSpec): void;
  /** Forward, loss, backward, clip, update on one batch, on a worker thread. */
  trainStep(args: StepArgs): Promise<StepResult>;
  /** Loss and metrics without updating (dropout off). */
  evaluateStep(args: StepArgs): Promise<StepResult>;
  /** Outputs [B, ...outputShape] (dropout off). */
  predict(args: { x: Int32Array | Float32Array; batch: number }): Promise<Float32Array>;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  /** Zeroes the carried states of stateful layers. */
  resetStates(): void;
  /** Per-sample output shape. */
  outputShape(): number[];
}
