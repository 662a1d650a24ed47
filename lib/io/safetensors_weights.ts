// Weights in safetensors files: exportSafetensors writes a model's weights under their Keras
// names (layer/kernel, ...) in Keras shapes; importSafetensors reads such a file, or a
// PyTorch state_dict (nn.Embedding, nn.Linear, nn.RNN / nn.LSTM / nn.GRU with
// weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k>, and _reverse for
// bidirectional), converting layouts layer by layer onto the model's architecture.
import { Bidirectional } from '../layers/bidirectional';
import { Dense } from '../layers/dense';
import { Embedding } from '../layers/embedding';
import { GRU } from '../layers/gru';
import type { Layer } from '../layers/layer';
import { RecurrentLayer } from '../layers/recurrent';
import { TimeDistributed } from '../layers/time_distributed';
import type { Sequential } from '../models/sequential';
import { formatShape, Shape } from '../tensor';
import { writeFileAtomic } from './atomic_write';
import { readRegularFile } from './regular_file';
import { biasFromTorch, kernelFromTorch, transpose } from './gate_layout';
import { NamedTensor, parseSafetensors, serializeSafetensors } from './safetensors';
import { matchManifest, weightEntries } from './weight_manifest';

/** A safetensors file can hold any model we could train; this refuses absurd ones before reading. */
const MAX_FILE_BYTES = 8 * 1024 ** 3;

function modelInputShape(model: Sequential, what: string): Shape {
  const s = model.inputShape;
  if (s === undefined) throw new RangeError(`${what}: the model's input shape is unknown; build it first`);
  return s;
}

/** Writes the model's weights to a safetensors file (F32, Keras names and shapes), crash-safely. */
export async function exportSafetensors(model: Sequential, path: string): Promise<void> {
  const entries = weightEntries(model.layers, modelInputShape(model, `exportSafetensors(${path})`));
  const values = model.getWeights();
  const file = serializeSafetensors(
    entries.map((e, i) => [e.name, { shape: e.shape, data: values[i].data as Float32Array }]),
    { format: 'keras', producer: 'recurrent' },
  );
  writeFileAtomic(path, file);
}

export interface ImportSafetensorsOptions {
  /**
   * PyTorch files: the module name of each layer with weights, in order (e.g. ['emb', 'lstm',
   * 'fc']). Default: the modules in the order the file lists them.
   */
  modules?: string[];
}

/** Loads weights from a safetensors file (Keras-named, or a PyTorch state_dict) into `model`. */
export async function importSafetensors(model: Sequential, source: string | Uint8Array, options: ImportSafetensorsOptions = {}): Promise<void> {
  const what = typeof source === 'string' ? `importSafetensors(${source})` : 'importSafetensors(buffer)';
  const { tensors } = parseSafetensors(typeof source === 'string' ? await readRegularFile(source, what, MAX_FILE_BYTES) : source, what);
  const inputShape = modelInputShape(model, what);
  const expected = weightEntries(model.layers, inputShape);
  let values: Float32Array[];
  const names = [...tensors.keys()];
  if (names.length > 0 && names.every((n) => n.includes('/'))) {
    // Keras names (ours): by name, or by position when the layer names differ; shapes must agree.
    const found = names.map((name) => ({ name, shape: (tensors.get(name) as NamedTensor).shape, dtype: 'float32' as const }));
    values = matchManifest(expected, found, what).map((j) => (tensors.get(names[j]) as NamedTensor).data);
  } else {
    values = fromTorch(model.layers, inputShape, tensors, options.modules, what);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    for (let j = 0; j < v.length; j++) {
      if (!Number.isFinite(v[j])) throw new Error(`${what}: ${expected[i].name} holds a non-finite value at element ${j}`);
    }
  }
  model.setWeights(values);
}

interface TorchUnit {
  module: string;
  suffix: string; // '' for Linear/Embedding, '_l<k>' for recurrent levels
}

function torchUnits(tensors: Map<string, NamedTensor>, modules: string[] | undefined): TorchUnit[] {
  const names = [...tensors.keys()];
  const order = modules ?? [...new Set(names.map((n) => n.slice(0, Math.max(0, n.lastIndexOf('.')))))];
  const units: TorchUnit[] = [];
  for (const m of order) {
    const prefix = m === '' ? '' : `${m}.`;
    const levels = new Set<number>();
    for (const n of names) {
      const match = n.startsWith(prefix) ? /^weight_ih_l(\d+)$/.exec(n.slice(prefix.length)) : null;
      if (match) levels.add(Number(match[1]));
    }
    if (levels.size > 0) for (const k of [...levels].sort((a, b) => a - b)) units.push({ module: m, suffix: `_l${k}` });
    else units.push({ module: m, suffix: '' });
  }
  return units;
}

function key(unit: TorchUnit, name: string): string {
  return unit.module === '' ? name : `${unit.module}.${name}`;
}

function fromTorch(layers: readonly Layer[], inputShape: Shape, tensors: Map<string, NamedTensor>, modules: string[] | undefined, what: string): Float32Array[] {
  const units = torchUnits(tensors, modules);
  const used = new Set<string>();
  const take = (name: string, shape: number[] | undefined, optional = false): Float32Array | undefined => {
    const t = tensors.get(name);
    if (!t) {
      if (optional) return undefined;
      throw new Error(`${what}: the file has no tensor '${name}' (tensors: ${[...tensors.keys()].slice(0, 20).join(', ')})`);
    }
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new Error(`${what}: tensor '${name}' has shape ${formatShape(t.shape)}, the model needs ${formatShape(shape)}`);
    }
    used.add(name);
    return t.data;
  };
  const out: Float32Array[] = [];
  let u = 0;
  let shape = inputShape;
  const nextUnit = (layer: Layer): TorchUnit => {
    const unit = units[u++];
    if (!unit) throw new Error(`${what}: the file has no module left for layer '${layer.name}' (${layer.className})`);
    return unit;
  };
  const recurrent = (layer: RecurrentLayer, unit: TorchUnit, reverse: boolean, features: number, where: string): void => {
    if (layer instanceof GRU && !layer.resetAfter) {
      throw new Error(`${what}: ${where} is a GRU with resetAfter false; PyTorch's nn.GRU computes resetAfter true`);
    }
    const H = layer.units;
    const G = layer.gates;
    const p = unit.module === '' ? '' : `${unit.module}.`;
    const s = `${unit.suffix}${reverse ? '_reverse' : ''}`;
    out.push(kernelFromTorch(layer.cell, take(`${p}weight_ih${s}`, [G * H, features]) as Float32Array, features, H));
    out.push(kernelFromTorch(layer.cell, take(`${p}weight_hh${s}`, [G * H, H]) as Float32Array, H, H));
    const bih = take(`${p}bias_ih${s}`, [G * H], true);
    const bhh = take(`${p}bias_hh${s}`, [G * H], true);
    if (layer.useBias) out.push(biasFromTorch(layer.cell, bih ?? new Float32Array(G * H), bhh ?? new Float32Array(G * H), H));
    else if (bih || bhh) throw new Error(`${what}: ${where} has useBias false, but the file has biases for it`);
  };
  for (const layer of layers) {
    const features = shape[shape.length - 1] as number;
    if (layer instanceof Embedding) {
      const unit = nextUnit(layer);
      out.push(take(key(unit, 'weight'), [layer.inputDim, layer.outputDim]) as Float32Array);
    } else if (layer instanceof Dense || layer instanceof TimeDistributed) {
      const dense = layer instanceof Dense ? layer : layer.layer;
      const unit = nextUnit(layer);
      out.push(transpose(take(key(unit, 'weight'), [dense.units, features]) as Float32Array, dense.units, features));
      const bias = take(key(unit, 'bias'), [dense.units], true);
      if (dense.useBias) out.push(bias ?? new Float32Array(dense.units));
      else if (bias) throw new Error(`${what}: layer '${layer.name}' has useBias false, but the file has ${key(unit, 'bias')}`);
    } else if (layer instanceof RecurrentLayer) {
      const unit = nextUnit(layer);
      if (layer.goBackwards) throw new Error(`${what}: layer '${layer.name}' has goBackwards; PyTorch has no such layer`);
      recurrent(layer, unit, false, features, `layer '${layer.name}'`);
    } else if (layer instanceof Bidirectional) {
      const unit = nextUnit(layer);
      recurrent(layer.forwardLayer, unit, false, features, `layer '${layer.name}'`);
      recurrent(layer.backwardLayer, unit, true, features, `layer '${layer.name}'`);
    }
    shape = layer.computeOutputShape(shape);
  }
  const left = [...tensors.keys()].filter((n) => !used.has(n));
  if (u < units.length || left.length > 0) {
    throw new Error(`${what}: the file has weights the model does not use: ${left.slice(0, 10).join(', ')} (does the architecture match?)`);
  }
  return out;
}
