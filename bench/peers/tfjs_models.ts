// TensorFlow.js peer for the whole-model benchmark: the models W1-W7 of WORKLOADS.md, built
// from bench/model_workloads.json in tfjs layers, on the pure-JS cpu backend or the wasm one.
//
//   node dist/bench/peers/tfjs_models.js --backend cpu|wasm [--workloads W1,W2] [--quick]
//       [--budget S] [--cap-s S] [--cap-mb MB]
//
// A training step is model.trainOnBatch on one batch of seeded synthetic data (forward, loss,
// backward through time, optimizer update); W6 (train false) is predict() latency. Workloads
// with frozenEmbeddingVariant are also timed with the embedding's trainable false (mode
// "train-frozen-embedding"): tfjs 4.22 cannot train a real-vocabulary Embedding (cpu: its
// gradient loops over the vocabulary and keeps every intermediate, minutes and gigabytes per
// step; wasm: UnsortedSegmentSum is not registered), and the frozen variant still compares the
// recurrent part.
//
// Every (workload, mode) runs in its own child process (this script with --child) under a
// wall-time cap and a memory cap: V8's heap by --max-old-space-size, and the resident set
// (tensor buffers live outside V8's heap) by polling /proc/<pid>/status. A run that fails or
// passes a cap before finishing a step is reported as "cannot train: <reason>" with no times.
// The child streams one JSON line per step, so a run cut short by the cap still reports the
// steps it finished; where only the warm-up step finished, its time is the figure (noted).
//
// The same math as ours (model_workloads.json): sigmoid recurrent activation (tfjs's LSTM and
// GRU default to hard-sigmoid), LSTM unitForgetBias. Deviations, stated in the output's
// notes: GRU with resetAfter false (the only one tfjs has: one bias, reset gate applied before
// the recurrent product); recurrent kernels initialized glorotUniform (tfjs's orthogonal takes
// minutes on a 256x1024 matrix; the initializer does not change the work of a step);
// TimeDistributed(Dense) as Dense on the 3-d sequence (the same math, one matmul instead of a
// per-step loop).
//
// Prints JSON on stdout, the shape of bench/peers/torch_models.py's:
//   {tfjs, backend, threads, notes, results: [{workload, mode, ms_median, ms_min, ms_max,
//    iterations, samples_per_s, note}]}   (ms_* and samples_per_s null where it cannot run)
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { summarize, timeIt } from '../support/timing';

// tfjs is loaded in the child only: the parent process stays small.
type Tf = typeof import('@tensorflow/tfjs');
type Backend = 'cpu' | 'wasm';
type Mode = 'train' | 'train-frozen-embedding' | 'forward';

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

const packageRoot = path.resolve(__dirname, '..', '..', '..');

export function loadModelWorkloads(): ModelWorkload[] {
  const file = path.join(packageRoot, 'bench', 'model_workloads.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { workloads: ModelWorkload[] }).workloads;
}

export function modesOf(w: ModelWorkload): Mode[] {
  if (!w.train) return ['forward'];
  return w.frozenEmbeddingVariant ? ['train', 'train-frozen-embedding'] : ['train'];
}

const NOTES = [
  'recurrent activation sigmoid (tfjs default hardSigmoid overridden)',
  'GRU resetAfter false: the only GRU tfjs supports (ours and torch: resetAfter true)',
  'recurrent kernels glorotUniform (tfjs orthogonal is too slow to initialize)',
  'TimeDistributed(Dense) as Dense on the 3-d sequence (same math)',
];

// ---- the child: build one model, time one mode ------------------------------------------

async function loadTf(backend: Backend): Promise<{ tf: Tf; threads: number }> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm files of the installed package, by path: never fetched from a URL.
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dir + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialize');
    await tf.ready();
    return { tf, threads: wasm.getThreadsCount() };
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialize');
  await tf.ready();
  return { tf, threads: 1 };
}

function recurrentLayer(tf: Tf, spec: LayerSpec, extra: Record<string, unknown>) {
  const common = { units: spec.units!, returnSequences: spec.returnSequences ?? false, recurrentInitializer: 'glorotUniform' as const, ...extra };
  switch (spec.type) {
    case 'lstm':
      return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: true });
    case 'gru':
      return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' }) // resetAfter false: tfjs's only GRU;
    case 'simpleRnn':
      return tf.layers.simpleRNN({ ...common, activation: (spec.activation ?? 'tanh') as 'relu' | 'tanh' });
    default:
      throw new Error(`${spec.type} is not a recurrent layer`);
  }
}

function buildModel(tf: Tf, w: ModelWorkload, frozenEmbedding: boolean) {
  const model = tf.sequential();
  w.layers.forEach((spec, k) => {
    const first: Record<string, unknown> = k > 0 ? {} : { inputShape: w.input.kind === 'tokens' ? [w.steps] : [w.steps, w.input.size] };
    switch (spec.type) {
      case 'embedding':
        model.add(tf.layers.embedding({ inputDim: spec.inputDim!, outputDim: spec.outputDim!, trainable: !frozenEmbedding, ...first }));
        break;
      case 'bidirectional':
        model.add(tf.layers.bidirectional({ layer: recurrentLayer(tf, spec.layer!, {}), mergeMode: 'concat', ...first }));
        break;
      case 'dense':
        model.add(tf.layers.dense({ units: spec.units!, activation: (spec.activation ?? 'linear') as 'linear', ...first }));
        break;
      default:
        model.add(recurrentLayer(tf, spec, first));
    }
  });
  const o = w.optimizer;
  if (o) {
    const optimizer = o.type === 'adam'
      ? tf.train.adam(o.learningRate, o.beta1, o.beta2, o.epsilon)
      : tf.train.rmsprop(o.learningRate, o.rho, 0, o.epsilon);
    model.compile({ optimizer, loss: w.loss! });
  }
  return model;
}

function syntheticBatch(tf: Tf, w: ModelWorkload) {
  const { batch: B, steps: T } = w;
  const x = w.input.kind === 'tokens'
    ? tf.randomUniform([B, T], 1, w.input.vocabulary, 'int32', 11).cast('float32')
    : tf.randomNormal([B, T, w.input.size], 0, 1, 'float32', 11);
  let y = null;
  if (w.target === 'binary') y = tf.randomUniform([B, 1], 0, 2, 'int32', 12).cast('float32');
  else if (w.target === 'regression') y = tf.randomNormal([B, 1], 0, 1, 'float32', 12);
  else if (w.target === 'nextToken') y = tf.randomUniform([B, T, 1], 0, (w.input as { vocabulary: number }).vocabulary, 'int32', 12).cast('float32');
  return { x, y };
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function runChild(backend: Backend, w: ModelWorkload, mode: Mode, budgetMs: number): Promise<void> {
  const { tf, threads } = await loadTf(backend);
  const model = buildModel(tf, w, mode === 'train-frozen-embedding');
  const { x, y } = syntheticBatch(tf, w);
  emit({ event: 'ready', tfjs: tf.version.tfjs, backend: tf.getBackend(), threads });
  const step = mode === 'forward'
    ? async () => {
        const out = model.predict(x) as import('@tensorflow/tfjs').Tensor;
        await out.data();
        out.dispose();
      }
    : async () => model.trainOnBatch(x, y!);
  const warmup = 1;
  let calls = 0;
  await timeIt(async () => {
    const t0 = performance.now();
    await step();
    emit({ event: calls++ < warmup ? 'warmup' : 'sample', ms: performance.now() - t0 });
  }, { warmup, budgetMs, minIters: 1, maxIters: 100 });
  emit({ event: 'done' });
}

// ---- the parent: one child per (workload, mode) under the caps ----------------------------

interface Caps {
  budgetMs: number;
  capS: number;
  capMb: number;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface ChildOutcome {
  ready?: { tfjs: string; backend: string; threads: number };
  result: PeerResult;
}

function runCapped(backend: Backend, w: ModelWorkload, mode: Mode, caps: Caps): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const args = [`--max-old-space-size=${caps.capMb}`, __filename, '--child', w.id, '--mode', mode, '--backend', backend, '--budget', String(caps.budgetMs / 1000)];
    const child = childProcess.spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const warmups: number[] = [];
    const samples: number[] = [];
    let ready: ChildOutcome['ready'];
    let error = '';
    let done = false;
    let killedFor = '';
    let lastEventAt = Date.now();
    let inFlightMs = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let nl: number;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        if (!line.startsWith('{"event"')) continue; // tfjs's own console output
        lastEventAt = Date.now();
        const e = JSON.parse(line) as { event: string; ms?: number; message?: string } & ChildOutcome['ready'];
        if (e.event === 'ready') ready = { tfjs: e.tfjs, backend: e.backend, threads: e.threads };
        else if (e.event === 'warmup') warmups.push(e.ms!);
        else if (e.event === 'sample') samples.push(e.ms!);
        else if (e.event === 'error') error = e.message!;
        else if (e.event === 'done') done = true;
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const started = Date.now();
    const watch = setInterval(() => {
      const mb = rssMb(child.pid!);
      if (mb > caps.capMb) killedFor = `over the ${caps.capMb} MB memory cap (resident ${mb.toFixed(0)} MB)`;
      else if (Date.now() - started > caps.capS * 1000) killedFor = `over the ${caps.capS} s time cap`;
      if (killedFor) {
        inFlightMs = Date.now() - lastEventAt;
        clearInterval(watch);
        child.kill('SIGKILL');
      }
    }, 200);
    child.on('close', (code) => {
      clearInterval(watch);
      const verb = mode === 'forward' ? 'cannot run' : 'cannot train';
      const notes: string[] = [];
      if (mode === 'train-frozen-embedding') notes.push('embedding frozen');
      if (w.layers.some((l) => l.type === 'gru')) notes.push('GRU resetAfter false');
      let times = samples;
      if (!done && !error && !killedFor) {
        const heap = /heap out of memory|Allocation failed/i.test(stderr);
        error = heap ? `over the ${caps.capMb} MB JS heap cap` : `exit ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
      }
      if (error) {
        times = [];
        notes.unshift(`${verb}: ${error}`);
      } else if (killedFor && samples.length === 0 && warmups.length) {
        // A step too slow to time twice: its one (warm-up) step is still the best figure there is.
        times = warmups;
        notes.push(`the warm-up step only, then ${killedFor}`);
      } else if (killedFor && samples.length === 0) {
        notes.unshift(`${verb}: ${killedFor}, a step takes over ${(inFlightMs / 1000).toFixed(1)} s`);
      } else if (killedFor) {
        notes.push(`${killedFor}: stopped after ${samples.length} timed steps`);
      }
      const t = times.length ? summarize(times) : undefined;
      const round = (v: number) => Math.round(v * 1000) / 1000;
      resolve({
        ready,
        result: {
          workload: w.id, mode,
          ms_median: t ? round(t.msMedian) : null,
          ms_min: t ? round(t.msMin) : null,
          ms_max: t ? round(t.msMax) : null,
          iterations: t ? t.iterations : 0,
          samples_per_s: t ? Math.round((w.batch / (t.msMedian / 1000)) * 10) / 10 : null,
          ...(killedFor && !t && !error ? { ms_lower_bound: inFlightMs } : {}),
          note: notes.join('; '),
        },
      });
    });
  });
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const backend = (option(argv, '--backend') ?? 'cpu') as Backend;
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`--backend must be cpu or wasm, not ${backend}`);
  const all = loadModelWorkloads();
  const quick = argv.includes('--quick');
  const budgetS = Number(option(argv, '--budget') ?? (quick ? 1 : 3));

  const childId = option(argv, '--child');
  if (childId) {
    const w = all.find((x) => x.id === childId);
    if (!w) throw new Error(`unknown workload ${childId}`);
    try {
      await runChild(backend, w, (option(argv, '--mode') ?? 'train') as Mode, budgetS * 1000);
    } catch (err) {
      emit({ event: 'error', message: ((err as Error).message ?? String(err)).split('\n')[0] });
    }
    return;
  }

  const caps: Caps = {
    budgetMs: budgetS * 1000,
    capS: Number(option(argv, '--cap-s') ?? (quick ? 4 : 18)),
    capMb: Number(option(argv, '--cap-mb') ?? 3072),
  };
  const wanted = option(argv, '--workloads')?.split(',');
  const chosen = all.filter((w) => !wanted || wanted.includes(w.id));
  if (!chosen.length) throw new Error(`no workload matches ${wanted}; known: ${all.map((w) => w.id).join(', ')}`);
  const results: PeerResult[] = [];
  let ready: ChildOutcome['ready'];
  for (const w of chosen) {
    for (const mode of modesOf(w)) {
      const outcome = await runCapped(backend, w, mode, caps);
      ready ??= outcome.ready;
      results.push(outcome.result);
      const r = outcome.result;
      process.stderr.write(`tfjs-${backend} ${w.id.padEnd(3)} ${mode.padEnd(23)} ${r.ms_median === null ? '-' : `median ${r.ms_median.toFixed(2)} ms`}  ${r.note}\n`);
    }
  }
  const tfjsVersion = (JSON.parse(fs.readFileSync(require.resolve('@tensorflow/tfjs/package.json'), 'utf8')) as { version: string }).version;
  process.stdout.write(`${JSON.stringify({
    tfjs: tfjsVersion, backend, threads: ready?.threads ?? null,
    notes: [...NOTES, backend === 'wasm' ? `wasm runs ${ready?.threads ?? 1} thread(s) in Node` : 'cpu backend: plain JavaScript, one thread'],
    caps: { time_s: caps.capS, memory_mb: caps.capMb, budget_s: budgetS },
    results,
  }, null, 1)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
