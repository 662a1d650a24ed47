// Fuzz cases that call the public API with hostile arguments: the native ops, the data
// tools and the layer factories. Each case makes one or a few calls and returns how many;
// every call must return or throw (or reject with) an Error.
import type * as Recurrent from '../../lib/index';
import { FuzzRandom, hostileValue, HOSTILE_NUMBERS, mutateObject } from './hostile_values';

type Lib = typeof Recurrent;
export type CallCase = (r: FuzzRandom, lib: Lib) => Promise<number>;

/** Calls fn and turns a thrown Error or a rejected Promise into a plain outcome; anything else thrown is a failure. */
export async function settle(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`a non-Error was thrown: ${String(e)}`);
  }
}

function f32(r: FuzzRandom, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => r.next() - 0.5);
}

/** JSON text of a hostile value; what JSON cannot hold (bigints, throwing getters) becomes a placeholder. */
function jsonOf(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '{"w": "unserializable"}';
  }
}

const GATES = { simpleRnn: 1, lstm: 4, gru: 3 } as const;

/** A valid small rnnLayer call, then damaged. */
function rnnArgs(r: FuzzRandom): Record<string, unknown> {
  const cell = r.pick(['simpleRnn', 'lstm', 'gru'] as const);
  const [B, T, I, H] = [1 + r.int(3), 1 + r.int(5), 1 + r.int(4), 1 + r.int(6)];
  const G = GATES[cell];
  const args: Record<string, unknown> = {
    cell, batch: B, steps: T, input: I, units: H,
    x: f32(r, B * T * I), kernel: f32(r, I * G * H), recurrentKernel: f32(r, H * G * H),
    bias: f32(r, (cell === 'gru' ? 2 : 1) * G * H),
  };
  if (r.chance(0.5)) args.dy = f32(r, B * T * H);
  if (r.chance(0.2)) args.mask = Uint8Array.from({ length: B * T }, () => r.int(2));
  if (r.chance(0.2)) args.h0 = f32(r, B * H);
  if (r.chance(0.1)) Object.assign(args, { steps: r.pick([2 ** 20, 2 ** 24, 2 ** 30]), units: r.pick([256, 4096]) });
  return args;
}

export const CALL_CASES: Record<string, CallCase> = {
  async rnnLayer(r, { ops }) {
    const args = r.chance(0.85) ? mutateObject(r, rnnArgs(r), ['dhFinal', 'dcFinal', 'peephole', 'peepholeWeights', 'recurrentMask', 'truncateSteps', 'activation', 'goBackwards', 'returnSequences']) : rnnArgs(r);
    const call = (async () => ops.rnnLayer(args as never))();
    if (r.chance(0.2)) {
      for (const v of Object.values(args)) if (v instanceof Float32Array && v.length > 0) structuredClone(v.buffer, { transfer: [v.buffer as ArrayBuffer] });
    }
    await settle(() => call);
    return 1;
  },
  async rnnLayerArgument(r, { ops }) {
    await settle(() => ops.rnnLayer(hostileValue(r) as never));
    return 1;
  },
  async sgemm(r, { ops }) {
    const [m, n, k] = [1 + r.int(5), 1 + r.int(5), 1 + r.int(5)];
    const base = { m, n, k, a: f32(r, m * k), b: f32(r, k * n), c: f32(r, m * n), transA: r.chance(0.5), transB: r.chance(0.5) };
    await settle(() => ops.sgemm(mutateObject(r, base, ['lda', 'ldb', 'ldc', 'alpha', 'beta']) as never));
    return 1;
  },
  async padSequences(r, { data }) {
    const seqs = r.chance(0.3) ? hostileValue(r) : Array.from({ length: r.int(5) }, () => (r.chance(0.8) ? Array.from({ length: r.int(6) }, () => r.int(50)) : hostileValue(r)));
    const options = r.chance(0.5) ? mutateObject(r, { maxlen: 1 + r.int(8), padding: 'pre', truncating: 'post', value: 0 }, ['dtype']) : hostileValue(r);
    await settle(() => data.padSequences(seqs as never, options as never));
    return 1;
  },
  async tokenizer(r, { data }) {
    let calls = 0;
    await settle(() => {
      const t = new data.Tokenizer((r.chance(0.5) ? mutateObject(r, { numWords: 10, oovToken: '<oov>', lower: true, filters: '!?' }, ['split', 'charLevel']) : hostileValue(r)) as never);
      calls++;
      const texts = r.chance(0.7) ? ['the cat sat', 'on the mat', r.pick(['', '  ', 'ünïcödé ✓', 'x'.repeat(5000)])] : hostileValue(r);
      t.fitOnTexts(texts as never);
      calls++;
      t.textsToSequences((r.chance(0.7) ? ['the cat', 'a dog'] : hostileValue(r)) as never);
      calls++;
      data.Tokenizer.fromJSON((r.chance(0.5) ? JSON.stringify(t.toJSON()).slice(0, r.int(200)) : hostileValue(r)) as never);
      calls++;
    });
    return Math.max(calls, 1);
  },
  async toCategorical(r, { data }) {
    const labels = r.chance(0.6) ? Array.from({ length: r.int(6) }, () => (r.chance(0.9) ? r.int(5) : r.pick(HOSTILE_NUMBERS))) : hostileValue(r);
    await settle(() => data.toCategorical(labels as never, (r.chance(0.5) ? 1 + r.int(6) : hostileValue(r)) as never));
    return 1;
  },
  async trainTestSplit(r, { data }) {
    const arrays = r.chance(0.6) ? [Array.from({ length: r.int(10) }, (_, i) => i), new Float32Array(r.int(10))] : hostileValue(r);
    await settle(() => data.trainTestSplit(arrays as never, (r.chance(0.5) ? mutateObject(r, { testFraction: 0.2, validationFraction: 0.1, seed: 1 }) : hostileValue(r)) as never));
    return 1;
  },
  async timeseriesDataset(r, { data }) {
    const series = r.chance(0.6) ? Float32Array.from({ length: r.int(40) }, () => r.next()) : hostileValue(r);
    const options = mutateObject(r, { sequenceLength: 1 + r.int(6), batchSize: 1 + r.int(4), targetOffset: 1, stride: 1, samplingRate: 1 }, ['shuffle', 'seed', 'startIndex', 'endIndex']);
    await settle(() => data.timeseriesDataset(series as never, options as never));
    return 1;
  },
  async bucketByLength(r, { data }) {
    const lengths = r.chance(0.6) ? Array.from({ length: r.int(20) }, () => r.int(30)) : hostileValue(r);
    await settle(() => data.bucketByLength(lengths as never, (r.chance(0.7) ? mutateObject(r, { batchSize: 1 + r.int(4), bucketBoundaries: [5, 10], seed: 2 }) : hostileValue(r)) as never));
    return 1;
  },
  async readNpy(r, { data }) {
    const header = `{'descr': '${r.pick(['<f4', '<i8', '|O', '>f8', '<u2', 'zz'])}', 'fortran_order': False, 'shape': (${r.pick(['3,', '2, 2', '4294967296,', '', '-1,'])}), }`;
    const head = Buffer.from(`\x93NUMPY\x01\x00`, 'latin1');
    const len = Buffer.alloc(2);
    len.writeUInt16LE(header.length);
    const body = Buffer.alloc(r.int(64), r.int(256));
    await settle(() => data.readNpy(Buffer.concat([head, len, Buffer.from(header, 'latin1'), body]), 'fuzz.npy'));
    return 1;
  },
  async parseSafetensors(r, { io }) {
    const header = jsonOf(r.chance(0.7) ? { w: mutateObject(r, { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }) } : hostileValue(r));
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(r.chance(0.8) ? Buffer.byteLength(header) : r.pick([0, 2 ** 40, 7])));
    await settle(() => io.parseSafetensors(Buffer.concat([head, Buffer.from(header), Buffer.alloc(r.int(32))])));
    return 1;
  },
  async layerFactory(r, { layers }) {
    const names = ['embedding', 'simpleRNN', 'lstm', 'gru', 'dense', 'dropout', 'masking', 'bidirectional', 'timeDistributed'] as const;
    const name = r.pick(names);
    const base: Record<string, unknown> = { units: 1 + r.int(8), inputDim: 1 + r.int(20), outputDim: 1 + r.int(8), rate: 0.5, activation: 'tanh', returnSequences: true };
    if (name === 'bidirectional' || name === 'timeDistributed') base.layer = r.chance(0.7) ? layers.gru({ units: 2 }) : hostileValue(r);
    const config = r.chance(0.85) ? mutateObject(r, base, ['inputShape', 'name', 'trainable', 'kernelInitializer', 'recurrentActivation', 'mergeMode', 'maskZero', 'useBias', 'dropout', 'recurrentDropout', 'unitForgetBias', 'resetAfter', 'stateful', 'goBackwards', 'dtype', 'seed']) : hostileValue(r);
    await settle(() => (layers[name] as (c: unknown) => unknown)(config));
    return 1;
  },
  async memoryLimit(r, lib) {
    const previous = lib.getMemoryLimit();
    await settle(() => lib.setMemoryLimit(hostileValue(r) as never));
    lib.setMemoryLimit(previous);
    return 1;
  },
};
