// Declared once: every option of every layer kind that the native LayerSpec carries is
// validated alike by TypeScript (the layer's declaration) and by the native binding. For
// each option, values on both sides of its limits are tried: a value TypeScript accepts
// must build a native model (sent as TypeScript parsed it), and a value it refuses must be
// refused by the native binding too (sent raw). Also: the Keras JSON of every kind reads
// back to the same layer.
import test from 'ava';

import type { GraphSpec, LayerSpec } from '../lib/graph_spec';
import { layers } from '../lib/index';
import { kerasKey, OptionTable } from '../lib/layers/declaration';
import type { Layer } from '../lib/layers/layer';
import { layerFromKerasJson } from '../lib/layers/registry';
import { cpu } from '../lib/native';

interface Kind {
  make(config: Record<string, unknown>): Layer;
  base: Record<string, unknown>;
  inputs: { shape: (number | null)[]; dtype: 'float32' | 'int32' }[];
}

const KINDS: Record<string, Kind> = {
  embedding: { make: (c) => layers.embedding(c as never), base: { inputDim: 5, outputDim: 3 }, inputs: [{ shape: [null], dtype: 'int32' }] },
  masking: { make: (c) => layers.masking(c as never), base: {}, inputs: [{ shape: [null, 2], dtype: 'float32' }] },
  simpleRNN: { make: (c) => layers.simpleRNN(c as never), base: { units: 2 }, inputs: [{ shape: [null, 2], dtype: 'float32' }] },
  lstm: { make: (c) => layers.lstm(c as never), base: { units: 2 }, inputs: [{ shape: [null, 2], dtype: 'float32' }] },
  gru: { make: (c) => layers.gru(c as never), base: { units: 2 }, inputs: [{ shape: [null, 2], dtype: 'float32' }] },
  dense: { make: (c) => layers.dense(c as never), base: { units: 2 }, inputs: [{ shape: [3], dtype: 'float32' }] },
  dropout: { make: (c) => layers.dropout(c as never), base: { rate: 0.5 }, inputs: [{ shape: [3], dtype: 'float32' }] },
  concatenate: { make: (c) => layers.concatenate(c as never), base: {}, inputs: [{ shape: [3], dtype: 'float32' }, { shape: [3], dtype: 'float32' }] },
  dot: { make: (c) => layers.dot(c as never), base: { axes: 1 }, inputs: [{ shape: [3], dtype: 'float32' }, { shape: [3], dtype: 'float32' }] },
  repeatVector: { make: (c) => layers.repeatVector(c as never), base: { n: 2 }, inputs: [{ shape: [3], dtype: 'float32' }] },
  reshape: { make: (c) => layers.reshape(c as never), base: { targetShape: [2, 2] }, inputs: [{ shape: [4], dtype: 'float32' }] },
  attention: { make: (c) => layers.attention(c as never), base: { useScale: true }, inputs: [{ shape: [3, 4], dtype: 'float32' }, { shape: [null, 4], dtype: 'float32' }] },
  additiveAttention: { make: (c) => layers.additiveAttention(c as never), base: {}, inputs: [{ shape: [3, 4], dtype: 'float32' }, { shape: [5, 2], dtype: 'float32' }, { shape: [5, 4], dtype: 'float32' }] },
};

/** A one-layer GraphSpec around `layer` applied to the kind's inputs. */
function specFor(layer: Layer, kind: Kind, patch?: (spec: LayerSpec) => void): GraphSpec {
  layer.build(kind.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })));
  const outputs = layer.outputTypes(kind.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype })));
  const spec = layer.toSpec();
  patch?.(spec);
  const n = kind.inputs.length;
  return {
    inputs: kind.inputs.map((i, k) => ({ name: `in${k}`, shape: i.shape, dtype: i.dtype })),
    layers: [spec],
    nodes: [{ layer: 0, inputs: kind.inputs.map((_, k) => k), outputs: outputs.map((_, k) => n + k) }],
    outputs: [n],
    seed: 1,
  };
}

function nativeAccepts(spec: GraphSpec): { ok: boolean; message?: string } {
  const Model = cpu().binding.Model as unknown as new (spec: unknown) => { dispose(): void };
  try {
    new Model(spec).dispose();
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

for (const [name, kind] of Object.entries(KINDS)) {
  test(`${name}: TypeScript and native validation agree on every native option`, (t) => {
    const table = kind.make({ ...kind.base }).declaration.options as OptionTable;
    let tried = 0;
    for (const [key, decl] of Object.entries(table)) {
      if (!decl.native) continue;
      for (const value of decl.kind.probes ?? []) {
        let layer: Layer | undefined;
        let tsError: string | undefined;
        try {
          layer = kind.make({ ...kind.base, [key]: value });
          specFor(layer, kind);
        } catch (e) {
          tsError = (e as Error).message;
          layer = undefined;
        }
        const fresh = kind.make({ ...kind.base });
        const spec = layer ? specFor(layer, kind) : specFor(fresh, kind, (s) => ((s as Record<string, unknown>)[key] = value));
        const native = nativeAccepts(spec);
        tried++;
        t.is(native.ok, tsError === undefined, `${name}.${key} = ${JSON.stringify(value)}: TypeScript ${tsError ? `refuses (${tsError})` : 'accepts'}, native ${native.ok ? 'accepts' : `refuses (${native.message})`}`);
      }
    }
    t.log(`${tried} values tried`);
  });

  test(`${name}: the Keras JSON reads back to the same layer`, (t) => {
    const layer = kind.make({ ...kind.base });
    const json = layer.toJson();
    const back = layerFromKerasJson(JSON.parse(JSON.stringify(json)), 'test', (j, w) => layerFromKerasJson(j, w, () => { throw new Error('nested'); }));
    t.deepEqual(back.toJson(), json);
    for (const [key, decl] of Object.entries(layer.declaration.options as OptionTable)) {
      const k = kerasKey(key, decl);
      if (k !== null) t.true(k in json.config, `${name}.${key} is written as '${k}'`);
    }
  });
}
