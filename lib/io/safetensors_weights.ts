// Weights in safetensors files: exportSafetensors writes a model's weights under their Keras
// names (layer/kernel, ...) in Keras shapes; importSafetensors reads such a file, or a
// PyTorch state_dict (nn.Embedding, nn.Linear, nn.RNN / nn.LSTM / nn.GRU with
// weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k>, and _reverse for
// bidirectional), converting layouts layer by layer onto the model's architecture.
import type { Layer } from '../layers/layer';
import type { Model } from '../models/model';
import { formatShape } from '../tensor';
import type { TorchModule } from './torch_module';
import { writeFileAtomic } from './atomic_write';
import { readRegularFile } from './regular_file';
import { NamedTensor, parseSafetensors, serializeSafetensors } from './safetensors';
import { matchManifest, weightEntries } from './weight_manifest';

/** A safetensors file can hold any model we could train; this refuses absurd ones before reading. */
const MAX_FILE_BYTES = 8 * 1024 ** 3;

/** Writes the model's weights to a safetensors file (F32, Keras names and shapes), crash-safely. */
export async function exportSafetensors(model: Model, path: string): Promise<void> {
  const entries = weightEntries(model.weightLayers());
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
export async function importSafetensors(model: Model, source: string | Uint8Array, options: ImportSafetensorsOptions = {}): Promise<void> {
  const what = typeof source === 'string' ? `importSafetensors(${source})` : 'importSafetensors(buffer)';
  const { tensors } = parseSafetensors(typeof source === 'string' ? await readRegularFile(source, what, MAX_FILE_BYTES) : source, what);
  const expected = weightEntries(model.weightLayers());
  let values: Float32Array[];
  const names = [...tensors.keys()];
  if (names.length > 0 && names.every((n) => n.includes('/'))) {
    // Keras names (ours): by name, or by position when the layer names differ; shapes must agree.
    const found = names.map((name) => ({ name, shape: (tensors.get(name) as NamedTensor).shape, dtype: 'float32' as const }));
    values = matchManifest(expected, found, what).map((j) => (tensors.get(names[j]) as NamedTensor).data);
  } else {
    values = fromTorch(model.weightLayers(), tensors, options.modules, what);
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

function fromTorch(layers: readonly Layer[], tensors: Map<string, NamedTensor>, modules: string[] | undefined, what: string): Float32Array[] {
  const units = torchUnits(tensors, modules);
  const used = new Set<string>();
  const take = (name: string, shape: number[], optional: boolean): Float32Array | undefined => {
    const t = tensors.get(name);
    if (!t) {
      if (optional) return undefined;
      throw new Error(`${what}: the file has no tensor '${name}' (tensors: ${[...tensors.keys()].slice(0, 20).join(', ')})`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${what}: tensor '${name}' has shape ${formatShape(t.shape)}, the model needs ${formatShape(shape)}`);
    }
    used.add(name);
    return t.data;
  };
  const out: Float32Array[] = [];
  let u = 0;
  for (const layer of layers) {
    if (layer.weights().length === 0) continue;
    const unit = units[u++];
    if (!unit) throw new Error(`${what}: the file has no module left for layer '${layer.name}' (${layer.className})`);
    const module: TorchModule = {
      where: `${what}: layer '${layer.name}' (module '${unit.module}')`,
      take: (name, shape, options = {}) => take(key(unit, `${name}${name.includes('_ih') || name.includes('_hh') ? unit.suffix : ''}${options.reverse ? '_reverse' : ''}`), shape, options.optional ?? false),
    };
    out.push(...layer.fromTorch(module));
  }
  const left = [...tensors.keys()].filter((n) => !used.has(n));
  if (u < units.length || left.length > 0) {
    throw new Error(`${what}: the file has weights the model does not use: ${left.slice(0, 10).join(', ')} (does the architecture match?)`);
  }
  return out;
}
