// Every layer kind by its Keras class name, and how one is made from Keras / TensorFlow.js
// JSON: the declared options read by their Keras keys (declaration.ts), wrapped layers
// read first. lib/io/topology.ts walks models through this table.
import { ADDITIVE_ATTENTION, AdditiveAttention, Attention, ATTENTION } from './attention';
import { Bidirectional, BIDIRECTIONAL } from './bidirectional';
import { OptionTable, optionsFromJson } from './declaration';
import { Dense, DENSE } from './dense';
import { Dropout, DROPOUT } from './dropout';
import { Embedding, EMBEDDING } from './embedding';
import { GRU, GRU_KIND } from './gru';
import { INPUT_LAYER } from './input_layer';
import type { Layer, LayerJson, LayerKindDeclaration } from './layer';
import { LSTM, LSTM_KIND, RNN_KEYS } from './lstm';
import { Masking, MASKING } from './masking';
import { ADD, Add, AVERAGE, Average, CONCATENATE, Concatenate, DOT, Dot, MULTIPLY, Multiply, SUBTRACT, Subtract } from './merge';
import { RecurrentLayer } from './recurrent';
import { Flatten, FLATTEN, REPEAT_VECTOR, RepeatVector, Reshape, RESHAPE } from './reshaping';
import { SimpleRNN, SIMPLE_RNN } from './simple_rnn';
import { TIME_DISTRIBUTED, TimeDistributed } from './time_distributed';

/** Reads a wrapped layer's JSON (given by the caller, so that errors name the file and position). */
export type ReadLayer = (json: unknown, where: string) => Layer;

interface LayerKindEntry {
  declaration: LayerKindDeclaration;
  /** The layer from its Keras config; `options` holds the declared options already read from it. */
  create(options: Record<string, unknown>, json: LayerJson, where: string, readLayer: ReadLayer): Layer;
}

function plain(declaration: LayerKindDeclaration, make: (config: Record<string, unknown>) => Layer): LayerKindEntry {
  return { declaration, create: (options) => make(options) };
}

function isLayerJson(v: unknown): v is LayerJson {
  return typeof v === 'object' && v !== null && typeof (v as LayerJson).class_name === 'string' && typeof (v as LayerJson).config === 'object' && (v as LayerJson).config !== null && !Array.isArray((v as LayerJson).config);
}

const KINDS = new Map<string, LayerKindEntry>([
  ['Embedding', plain(EMBEDDING, (c) => new Embedding(c as never))],
  ['Masking', plain(MASKING, (c) => new Masking(c))],
  ['SimpleRNN', plain(SIMPLE_RNN, (c) => new SimpleRNN(c as never))],
  ['LSTM', plain(LSTM_KIND, (c) => new LSTM(c as never))],
  [
    'GRU',
    {
      declaration: GRU_KIND,
      // TensorFlow.js and Keras 2.2 default reset_after to false, Keras 2.3+ to true: a file
      // that says nothing is read as the tfjs writer meant it.
      create: (options, json) => new GRU({ ...options, resetAfter: json.config.reset_after === undefined ? false : options.resetAfter } as never),
    },
  ],
  ['Dense', plain(DENSE, (c) => new Dense(c as never))],
  ['Dropout', plain(DROPOUT, (c) => new Dropout(c as never))],
  ['Add', plain(ADD, (c) => new Add(c))],
  ['Subtract', plain(SUBTRACT, (c) => new Subtract(c))],
  ['Multiply', plain(MULTIPLY, (c) => new Multiply(c))],
  ['Average', plain(AVERAGE, (c) => new Average(c))],
  ['Concatenate', plain(CONCATENATE, (c) => new Concatenate(c))],
  ['Dot', plain(DOT, (c) => new Dot(c as never))],
  ['RepeatVector', plain(REPEAT_VECTOR, (c) => new RepeatVector(c as never))],
  ['Reshape', plain(RESHAPE, (c) => new Reshape(c as never))],
  ['Flatten', plain(FLATTEN, (c) => new Flatten(c))],
  ['Attention', plain(ATTENTION, (c) => new Attention(c as never))],
  ['AdditiveAttention', plain(ADDITIVE_ATTENTION, (c) => new AdditiveAttention(c as never))],
  [
    'Bidirectional',
    {
      declaration: BIDIRECTIONAL,
      create: (options, json, where, readLayer) => {
        const inner = readLayer(json.config.layer, `${where} layer`);
        if (!(inner instanceof RecurrentLayer)) throw new Error(`${where}: Bidirectional wraps class '${inner.className}'; only SimpleRNN, LSTM and GRU are supported`);
        return new Bidirectional({ ...options, layer: inner } as never);
      },
    },
  ],
  [
    'TimeDistributed',
    {
      declaration: TIME_DISTRIBUTED,
      create: (options, json, where, readLayer) => {
        const inner = readLayer(json.config.layer, `${where} layer`);
        if (!(inner instanceof Dense)) throw new Error(`${where}: TimeDistributed wraps class '${inner.className}'; only Dense is supported`);
        return new TimeDistributed({ ...options, layer: inner } as never);
      },
    },
  ],
  [
    // Keras 2's RNN wrapper: we read it for a PeepholeLSTMCell (what an LSTM with peepholes writes).
    'RNN',
    {
      declaration: LSTM_KIND,
      create: (options, json, where) => {
        const cell = json.config.cell;
        if (!isLayerJson(cell) || cell.class_name !== 'PeepholeLSTMCell') {
          throw new Error(`${where}: an RNN layer is supported with a PeepholeLSTMCell cell, received ${isLayerJson(cell) ? `'${cell.class_name}'` : 'no cell'}`);
        }
        const merged: Record<string, unknown> = { ...cell.config };
        for (const k of RNN_KEYS) if (json.config[k] !== undefined) merged[k] = json.config[k];
        const shape = options.inputShape === undefined ? {} : { inputShape: options.inputShape };
        return new LSTM({ ...optionsFromJson(`${where} cell`, LSTM_KIND.options, merged), ...common(merged), ...shape, peephole: true } as never);
      },
    },
  ],
]);

/** Class names we read (for messages). */
export const KNOWN_CLASSES = [...KINDS.keys(), INPUT_LAYER.className];

function common(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof config.name === 'string') out.name = config.name;
  if (typeof config.trainable === 'boolean') out.trainable = config.trainable;
  return out;
}

/**
 * A layer from Keras JSON (not an InputLayer); `where` names it in errors, `inputShape`
 * is set on it when given (a Sequential model's first layer).
 */
export function layerFromKerasJson(json: unknown, where: string, readLayer: ReadLayer, extra: Record<string, unknown> = {}): Layer {
  if (!isLayerJson(json)) throw new Error(`${where}: expected a layer { class_name, config }`);
  const entry = KINDS.get(json.class_name);
  const at = `${where} (${json.class_name})`;
  if (!entry) throw new Error(`${at}: layer class '${json.class_name}' is not supported (${KNOWN_CLASSES.join(', ')})`);
  if (json.config.name !== undefined && (typeof json.config.name !== 'string' || json.config.name.length === 0 || json.config.name.length > 256)) {
    throw new Error(`${at}: 'name' must be a non-empty string`);
  }
  if (json.config.trainable !== undefined && json.config.trainable !== null && typeof json.config.trainable !== 'boolean') throw new Error(`${at}: 'trainable' must be a boolean`);
  const options = { ...optionsFromJson(at, entry.declaration.options as OptionTable, json.config), ...common(json.config), ...extra };
  try {
    return entry.create(options, json, at, readLayer);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(where) ? message : `${at}: ${message}`);
  }
}
