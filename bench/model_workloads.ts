// The whole-model workloads W1-W7 (bench/model_workloads.json, from WORKLOADS.md): their
// types, and the modes each is timed in. Our harness and every peer build from this file.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Mode = 'train' | 'train-frozen-embedding' | 'forward';

export interface LayerSpec {
  type: 'embedding' | 'lstm' | 'gru' | 'simpleRnn' | 'bidirectional' | 'dense';
  inputDim?: number;
  outputDim?: number;
  units?: number;
  returnSequences?: boolean;
  resetAfter?: boolean;
  activation?: string;
  timeDistributed?: boolean;
  mergeMode?: string;
  layer?: LayerSpec;
}

export interface ModelWorkload {
  id: string;
  name: string;
  batch: number;
  steps: number;
  input: { kind: 'tokens'; vocabulary: number } | { kind: 'features'; size: number };
  layers: LayerSpec[];
  target: 'binary' | 'regression' | 'nextToken' | null;
  loss: 'binaryCrossentropy' | 'meanSquaredError' | 'sparseCategoricalCrossentropy' | null;
  optimizer:
    | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
    | { type: 'rmsprop'; learningRate: number; rho: number; epsilon: number }
    | null;
  train: boolean;
  frozenEmbeddingVariant: boolean;
}

export interface PeerResult {
  workload: string;
  mode: Mode;
  ms_median: number | null;
  ms_min: number | null;
  ms_max: number | null;
  iterations: number;
  samples_per_s: number | null;
  /** Where the time cap cut a step short: how long that step had run, a lower bound. */
  ms_lower_bound?: number;
  note: string;
}

const packageRoot = path.resolve(__dirname, '..', '..');

export function loadModelWorkloads(): ModelWorkload[] {
  const file = path.join(packageRoot, 'bench', 'model_workloads.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { workloads: ModelWorkload[] }).workloads;
}

export function modesOf(w: ModelWorkload): Mode[] {
  if (!w.train) return ['forward'];
  return w.frozenEmbeddingVariant ? ['train', 'train-frozen-embedding'] : ['train'];
}
