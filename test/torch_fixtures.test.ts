// Proves the PyTorch fixtures and the layout converters right without the native engine:
// a plain double-precision forward in the Keras layout must reproduce PyTorch's outputs,
// and central differences of it must reproduce PyTorch's gradients, converted to Keras
// layout, at sampled entries.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, Safetensors, SafetensorsDtype } from './support/safetensors';
import {
  biasFromTorch, biasGradToTorch, Cell, gateCount, kernelFromTorch, kernelToTorch, maskFromLengths,
} from './support/torch_layout';
import { maxAbsDiff, Rng } from './support/random';
import { plainCellStep } from './support/plain_cell';

// The fixtures are not copied to dist/; resolve them from the source tree.
const FIXTURE_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'torch');

interface Fixture {
  name: string;
  file: Safetensors;
  cell: Cell;
  activation: 'tanh' | 'relu';
  B: number; T: number; I: number; H: number;
}

function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.safetensors')).sort().map((f) => {
    const file = readSafetensors(join(FIXTURE_DIR, f));
    const m = file.metadata;
    return {
      name: f, file, cell: m.cell as Cell, activation: (m.activation ?? 'tanh') as 'tanh' | 'relu',
      B: Number(m.B), T: Number(m.T), I: Number(m.I), H: Number(m.H),
    };
  });
}

function get(f: Fixture, name: string): Float64Array {
  const t = f.file.tensors.get(name);
  if (!t) throw new Error(`${f.name}: no tensor '${name}'`);
  if (t.data instanceof BigInt64Array) throw new Error(`${f.name}: '${name}' is I64`);
  return Float64Array.from(t.data);
}

interface Params {
  kernel: Float64Array;          // [I, G*H]
  recurrentKernel: Float64Array; // [H, G*H]
  bias: Float64Array;            // [G*H], GRU [2, 3H]
}

interface LayerOutputs {
  y: Float64Array; // [B,T,H]
  h: Float64Array; // [B,H]
  c: Float64Array; // [B,H], LSTM only (else empty)
}


// Reference forward of the whole-sequence op, one sample and one step at a time.
// B = batch, T = steps, I = input size, H = units. A step with mask 0 keeps the state
// and outputs zeros.
function layerForward(
  cell: Cell, activation: 'tanh' | 'relu', p: Params,
  x: Float64Array, h0: Float64Array, c0: Float64Array | null, mask: Uint8Array | null, // x [B,T,I], h0/c0 [B,H], mask [B,T]
  B: number, T: number, I: number, H: number,
): LayerOutputs {
  const G = gateCount(cell);
  const GH = G * H;
  const y = new Float64Array(B * T * H);
  const hOut = new Float64Array(B * H);
  const cOut = new Float64Array(cell === 'lstm' ? B * H : 0);
  for (let b = 0; b < B; b++) {
    let h = h0.slice(b * H, (b + 1) * H);
    let c = c0 ? c0.slice(b * H, (b + 1) * H) : new Float64Array(H);
    for (let t = 0; t < T; t++) {
      if (mask && !mask[b * T + t]) continue;
      const xw = new Float64Array(GH); // x_t kernel (+ input bias)
      const hu = new Float64Array(GH); // h recurrent_kernel (+ recurrent bias for GRU)
      for (let g = 0; g < GH; g++) {
        let s = cell === 'gru' ? p.bias[g] : 0;
        for (let i = 0; i < I; i++) s += x[(b * T + t) * I + i] * p.kernel[i * GH + g];
        xw[g] = s;
        let r = cell === 'gru' ? p.bias[GH + g] : p.bias[g];
        for (let k = 0; k < H; k++) r += h[k] * p.recurrentKernel[k * GH + g];
        hu[g] = r;
      }
      ({ h, c } = plainCellStep(cell, activation, xw, hu, h, c, H));
      y.set(h, (b * T + t) * H);
    }
    hOut.set(h, b * H);
    if (cell === 'lstm') cOut.set(c, b * H);
  }
  return { y, h: hOut, c: cOut };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// Everything a fixture's forward needs, in our layout.
function setup(f: Fixture) {
  const { cell, H, I, T } = f;
  const params: Params = {
    kernel: kernelFromTorch(cell, get(f, 'weight_ih_l0'), I, H),
    recurrentKernel: kernelFromTorch(cell, get(f, 'weight_hh_l0'), H, H),
    bias: biasFromTorch(cell, get(f, 'bias_ih_l0'), get(f, 'bias_hh_l0'), H),
  };
  const inputs = {
    x: get(f, 'x'),
    h0: get(f, 'h0'),
    c0: cell === 'lstm' ? get(f, 'c0') : null,
    mask: f.file.tensors.has('lengths') ? maskFromLengths(get(f, 'lengths'), T) : null,
  };
  const run = (p: Params, x = inputs.x, h0 = inputs.h0, c0 = inputs.c0): LayerOutputs =>
    layerForward(cell, f.activation, p, x, h0, c0, inputs.mask, f.B, f.T, f.I, f.H);
  const gy = get(f, 'gy');
  const gh = get(f, 'gh');
  const gc = cell === 'lstm' ? get(f, 'gc') : null;
  const loss = (o: LayerOutputs): number => dot(o.y, gy) + dot(o.h, gh) + (gc ? dot(o.c, gc) : 0);
  return { params, inputs, run, loss };
}

const fixtures = loadFixtures();

test('the fixture set covers every cell, with and without lengths, and the sizes the op must handle', (t) => {
  const kinds = new Set(fixtures.map((f) => `${f.cell}/${f.file.metadata.lengths}`));
  for (const cell of ['simpleRnn', 'lstm', 'gru']) {
    t.true(kinds.has(`${cell}/false`), cell);
    t.true(kinds.has(`${cell}/true`), `${cell} with lengths`);
  }
  t.true(fixtures.some((f) => f.cell === 'simpleRnn' && f.activation === 'relu'));
  for (const H of [1, 7, 33, 257]) t.true(fixtures.some((f) => f.H === H), `units ${H}`);
  t.true(fixtures.every((f) => f.I % 16 !== 0));
});

for (const f of fixtures) {
  test(`${f.name}: shapes and dtypes as documented`, (t) => {
    const { B, T, I, H, cell } = f;
    const G = gateCount(cell);
    const lstm = cell === 'lstm';
    const expect: Record<string, [SafetensorsDtype, number[]]> = {
      x: ['F32', [B, T, I]], h0: ['F32', [B, H]],
      weight_ih_l0: ['F32', [G * H, I]], weight_hh_l0: ['F32', [G * H, H]],
      bias_ih_l0: ['F32', [G * H]], bias_hh_l0: ['F32', [G * H]],
      gy: ['F32', [B, T, H]], gh: ['F32', [B, H]],
      y: ['F64', [B, T, H]], h_n: ['F64', [B, H]],
      grad_x: ['F64', [B, T, I]], grad_h0: ['F64', [B, H]],
      grad_weight_ih_l0: ['F64', [G * H, I]], grad_weight_hh_l0: ['F64', [G * H, H]],
      grad_bias_ih_l0: ['F64', [G * H]], grad_bias_hh_l0: ['F64', [G * H]],
      ...(lstm ? { c0: ['F32', [B, H]], gc: ['F32', [B, H]], c_n: ['F64', [B, H]], grad_c0: ['F64', [B, H]] } : {}),
      ...(f.file.metadata.lengths === 'true' ? { lengths: ['I32', [B]] } : {}),
    };
    t.deepEqual([...f.file.tensors.keys()].sort(), Object.keys(expect).sort());
    for (const [name, [dtype, shape]] of Object.entries(expect)) {
      const tensor = f.file.tensors.get(name)!;
      t.is(tensor.dtype, dtype, name);
      t.deepEqual(tensor.shape, shape, name);
    }
  });

  test(`${f.name}: plain forward in Keras layout reproduces PyTorch's y, h_n, c_n`, (t) => {
    const { params, run } = setup(f);
    const out = run(params);
    const dy = maxAbsDiff(out.y, get(f, 'y'));
    const dh = maxAbsDiff(out.h, get(f, 'h_n'));
    const dc = f.cell === 'lstm' ? maxAbsDiff(out.c, get(f, 'c_n')) : 0;
    t.log(`max |diff| y ${dy.toExponential(2)} h_n ${dh.toExponential(2)} c_n ${dc.toExponential(2)}`);
    t.true(dy <= 1e-9 && dh <= 1e-9 && dc <= 1e-9);
  });

  test(`${f.name}: converters round-trip and PyTorch's gradients match central differences`, (t) => {
    const { cell, I, H } = f;
    const { params, inputs, run, loss } = setup(f);

    // The inverse mappings give back PyTorch's tensors exactly.
    t.deepEqual(kernelToTorch(cell, params.kernel, I, H), get(f, 'weight_ih_l0'));
    t.deepEqual(kernelToTorch(cell, params.recurrentKernel, H, H), get(f, 'weight_hh_l0'));
    const gradBiasIh = get(f, 'grad_bias_ih_l0');
    const gradBiasHh = get(f, 'grad_bias_hh_l0');
    // Gradients transform like the parameters they belong to. For SimpleRNN and LSTM,
    // PyTorch's two bias gradients are equal up to its summation order.
    const dBias = cell === 'gru' ? biasFromTorch(cell, gradBiasIh, gradBiasHh, H) : gradBiasIh;
    const back = biasGradToTorch(cell, dBias, H);
    t.deepEqual(back.biasIh, gradBiasIh);
    if (cell === 'gru') t.deepEqual(back.biasHh, gradBiasHh);
    else t.true(maxAbsDiff(back.biasHh, gradBiasHh) <= 1e-12, 'grad bias_hh equals grad bias_ih');

    const grads: Record<string, Float64Array> = {
      kernel: kernelFromTorch(cell, get(f, 'grad_weight_ih_l0'), I, H),
      recurrentKernel: kernelFromTorch(cell, get(f, 'grad_weight_hh_l0'), H, H),
      bias: dBias,
      x: get(f, 'grad_x'),
      h0: get(f, 'grad_h0'),
      ...(cell === 'lstm' ? { c0: get(f, 'grad_c0') } : {}),
    };
    const eps = 1e-5;
    const rng = new Rng(f.name.length * 7919 + H);
    let worst = 0;
    for (const [name, grad] of Object.entries(grads)) {
      for (let s = 0; s < 6; s++) {
        const k = Math.floor(rng.next() * grad.length);
        const lossAt = (delta: number): number => {
          const p = { ...params };
          const v = { x: inputs.x, h0: inputs.h0, c0: inputs.c0 };
          if (name in p) {
            const a = p[name as keyof Params].slice();
            a[k] += delta;
            p[name as keyof Params] = a;
          } else {
            const a = v[name as keyof typeof v]!.slice();
            a[k] += delta;
            v[name as keyof typeof v] = a;
          }
          return loss(run(p, v.x, v.h0, v.c0));
        };
        const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
        const err = Math.abs(numeric - grad[k]) / Math.max(1, Math.abs(grad[k]));
        worst = Math.max(worst, err);
        t.true(err <= 1e-6, `${name}[${k}]: numeric ${numeric}, PyTorch ${grad[k]}`);
      }
    }
    t.log(`worst relative error of sampled gradients ${worst.toExponential(2)}`);
  });
}

test('maskFromLengths marks the first length steps of each row', (t) => {
  t.deepEqual([...maskFromLengths([2, 0, 4], 3)], [1, 1, 0, 0, 0, 0, 1, 1, 1]);
});

test('GRU gate blocks move between r,z,n and z,r,h', (t) => {
  // weight_ih [3H, I] with H=1, I=2: rows r, z, n.
  const w = [10, 11, 20, 21, 30, 31];
  t.deepEqual([...kernelFromTorch('gru', w, 2, 1)], [20, 10, 30, 21, 11, 31]); // [I, z r h]
  t.deepEqual([...biasFromTorch('gru', [1, 2, 3], [4, 5, 6], 1)], [2, 1, 3, 5, 4, 6]);
  const back = biasGradToTorch('gru', [2, 1, 3, 5, 4, 6], 1);
  t.deepEqual([...back.biasIh], [1, 2, 3]);
  t.deepEqual([...back.biasHh], [4, 5, 6]);
});

function safetensorsBytes(header: unknown, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('the safetensors reader returns typed tensors and metadata', (t) => {
  const data = new Uint8Array(new Float64Array([1.5, -2]).buffer.byteLength + 4);
  data.set(new Uint8Array(new Int32Array([7]).buffer), 0);
  data.set(new Uint8Array(new Float64Array([1.5, -2]).buffer), 4); // unaligned on purpose
  const st = parseSafetensors(safetensorsBytes({
    __metadata__: { cell: 'lstm' },
    n: { dtype: 'I32', shape: [1], data_offsets: [0, 4] },
    v: { dtype: 'F64', shape: [2, 1], data_offsets: [4, 20] },
  }, data));
  t.deepEqual(st.metadata, { cell: 'lstm' });
  t.deepEqual(st.tensors.get('n'), { dtype: 'I32', shape: [1], data: new Int32Array([7]) });
  t.deepEqual(st.tensors.get('v'), { dtype: 'F64', shape: [2, 1], data: new Float64Array([1.5, -2]) });
});

test('the safetensors reader rejects malformed files with a clear error', (t) => {
  const four = new Uint8Array(4);
  const ok = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
  t.throws(() => parseSafetensors(new Uint8Array(5)), { message: /shorter than the 8-byte header length/ });
  t.throws(() => parseSafetensors(safetensorsBytes(ok, four, 1n << 40n)), { message: /header length .* does not fit/ });
  t.throws(() => parseSafetensors(safetensorsBytes(ok, four, 3n)), { message: /not valid UTF-8 JSON/ });
  t.throws(() => parseSafetensors(safetensorsBytes([1], four)), { message: /not a JSON object/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ a: { ...ok.a, dtype: 'BF16' } }, four)), { message: /unsupported dtype "BF16"/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ a: { ...ok.a, shape: [-1] } }, four)), { message: /shape/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ a: { ...ok.a, data_offsets: [0, 8] } }, four)), { message: /outside the 4 data bytes/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ a: { ...ok.a, data_offsets: [4, 0] } }, four)), { message: /outside/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ a: { ...ok.a, shape: [2] } }, four)), { message: /needs 8 bytes, data_offsets hold 4/ });
  t.throws(() => parseSafetensors(safetensorsBytes({ __metadata__: { k: 1 }, ...ok }, four)), { message: /__metadata__.k is not a string/ });
});
