// Loads test/fixtures/models (written by test/fixtures/make_model_fixtures.py) into typed
// structures: the model description, the weights in getWeights order and Keras shapes,
// the inputs, and the expected predictions or optimizer steps.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, Safetensors, SafetensorsDtype, TensorData } from './safetensors';

// The fixtures are not copied to dist/; resolve them from the source tree
// (this file runs as dist/test/support/model_fixtures.js).
export const MODEL_FIXTURE_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models');

export type RecurrentClass = 'SimpleRNN' | 'LSTM' | 'GRU';

export interface RecurrentSpec {
  class: RecurrentClass;
  units: number;
  returnSequences: boolean;
  activation?: 'tanh' | 'relu'; // SimpleRNN only
  resetAfter?: boolean;         // GRU only (always true here)
}

interface Named {
  name: string;      // 'layer0', 'layer1', ...: the prefix of the layer's weight names
  weights: string[]; // the layer's weight names, in Keras getWeights order
}

export type LayerSpec =
  | (Named & { class: 'Embedding'; inputDim: number; outputDim: number })
  | (Named & RecurrentSpec)
  | (Named & { class: 'Bidirectional'; mergeMode: 'concat'; layer: RecurrentSpec })
  | (Named & { class: 'Dense'; units: number; activation: 'linear' | 'sigmoid' | 'softmax' });

export interface ModelSpec {
  input: { dtype: 'int32' | 'float32'; shape: number[] };
  layers: LayerSpec[];
}

export interface NamedTensor<T extends TensorData> {
  name: string; // e.g. 'layer1.recurrent_kernel', 'layer1.forward.kernel'
  shape: number[];
  data: T;
}

export interface PredictFixture {
  file: string;
  model: ModelSpec;
  x: Int32Array | Float32Array;        // [B,T] token ids or [B,T,I]
  weights: NamedTensor<Float32Array>[]; // every layer's weights, in getWeights order
  layerOutputs: NamedTensor<Float64Array>[]; // 'layer<k>.output', one per layer
  y: NamedTensor<Float64Array>;        // the model's output [B, units]
}

export type OptimizerConfig =
  | { name: 'sgd'; learningRate: number; momentum: number; nesterov: boolean } & Clipping
  | { name: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number } & Clipping
  | { name: 'rmsprop'; learningRate: number; rho: number; epsilon: number } & Clipping
  | { name: 'adadelta'; learningRate: number; rho: number; epsilon: number } & Clipping
  | { name: 'adagrad'; learningRate: number; initialAccumulatorValue: number; epsilon: number } & Clipping;

/** Keras 3 clipping arguments; a fixture sets at most one. */
export interface Clipping {
  clipvalue?: number;
  clipnorm?: number;
  globalClipnorm?: number;
}

export interface TrainFixture {
  file: string;
  model: ModelSpec;
  loss: 'mse';
  optimizer: OptimizerConfig;
  steps: number;
  x: Float32Array;                      // [B,T,I]
  yTrue: Float32Array;                  // [B, units]
  weights: NamedTensor<Float32Array>[]; // initial weights, in getWeights order
  losses: Float64Array;                 // [steps]: the loss before each step
  grads: NamedTensor<Float64Array>[][]; // [steps][weights]: gradients before clipping
  after: NamedTensor<Float64Array>[][]; // [steps][weights]: weights after each step
}

function tensor<D extends SafetensorsDtype>(
  st: Safetensors, file: string, name: string, dtypes: D[],
): { dtype: D; shape: number[]; data: TensorData } {
  const t = st.tensors.get(name);
  if (!t) throw new Error(`${file}: no tensor '${name}'`);
  if (!(dtypes as string[]).includes(t.dtype)) throw new Error(`${file}: '${name}' is ${t.dtype}, expected ${dtypes.join(' or ')}`);
  return t as { dtype: D; shape: number[]; data: TensorData };
}

function f32(st: Safetensors, file: string, name: string, as = name): NamedTensor<Float32Array> {
  const t = tensor(st, file, name, ['F32']);
  return { name: as, shape: t.shape, data: t.data as Float32Array };
}

function f64(st: Safetensors, file: string, name: string, as = name): NamedTensor<Float64Array> {
  const t = tensor(st, file, name, ['F64']);
  return { name: as, shape: t.shape, data: t.data as Float64Array };
}

function json<T>(st: Safetensors, file: string, key: string): T {
  const v = st.metadata[key];
  if (v === undefined) throw new Error(`${file}: no metadata '${key}'`);
  return JSON.parse(v) as T;
}

/** Weight names of a model, in getWeights order. */
export function weightNames(model: ModelSpec): string[] {
  return model.layers.flatMap((l) => l.weights);
}

function fixtureFiles(prefix: string): string[] {
  return readdirSync(MODEL_FIXTURE_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.safetensors')).sort();
}

export function loadPredictFixtures(): PredictFixture[] {
  return fixtureFiles('predict_').map((file) => {
    const st = readSafetensors(join(MODEL_FIXTURE_DIR, file));
    if (st.metadata.kind !== 'predict') throw new Error(`${file}: kind '${st.metadata.kind}', expected 'predict'`);
    const model = json<ModelSpec>(st, file, 'model');
    const x = tensor(st, file, 'x', model.input.dtype === 'int32' ? ['I32'] : ['F32']).data as Int32Array | Float32Array;
    return {
      file, model, x,
      weights: weightNames(model).map((n) => f32(st, file, n)),
      layerOutputs: model.layers.map((l) => f64(st, file, `${l.name}.output`)),
      y: f64(st, file, 'y'),
    };
  });
}

export function loadTrainFixtures(): TrainFixture[] {
  return fixtureFiles('train_').map((file) => {
    const st = readSafetensors(join(MODEL_FIXTURE_DIR, file));
    if (st.metadata.kind !== 'train') throw new Error(`${file}: kind '${st.metadata.kind}', expected 'train'`);
    if (st.metadata.loss !== 'mse') throw new Error(`${file}: loss '${st.metadata.loss}', expected 'mse'`);
    const model = json<ModelSpec>(st, file, 'model');
    const names = weightNames(model);
    const steps = Number(st.metadata.steps);
    const perStep = (prefix: string) => Array.from({ length: steps }, (_, s) =>
      names.map((n) => f64(st, file, `${prefix}${s + 1}.${n}`, n)));
    const losses = f64(st, file, 'loss').data;
    if (losses.length !== steps) throw new Error(`${file}: ${losses.length} losses for ${steps} steps`);
    return {
      file, model, loss: 'mse', steps,
      optimizer: json<OptimizerConfig>(st, file, 'optimizer'),
      x: f32(st, file, 'x').data,
      yTrue: f32(st, file, 'y_true').data,
      weights: names.map((n) => f32(st, file, n)),
      losses,
      grads: perStep('grad'),
      after: perStep('step'),
    };
  });
}
