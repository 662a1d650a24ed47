// The benchmark harness (npm run bench): the whole-model workloads W1-W7 of WORKLOADS.md in
// recurrent and, in the same run, in PyTorch (as it comes, and with
// torch.set_flush_denormal(True): 'torch-ftz'), TensorFlow.js (cpu and wasm backends) and
// oneDNN (the RNN primitives PyTorch 2 and TensorFlow run on, bench/peers/onednn_layers.cc:
// the model's recurrent layers alone, a lower bound for any framework on oneDNN); the
// machine's practical sgemm peak (OpenBLAS through numpy) so each workload shows the fraction
// of the limit it reaches; and a fidelity check against PyTorch with identical weights.
//
//   node dist/bench/run.js [--quick] [--workloads W2,W3] [--compare torch,tfjs,onednn] [--threads N]
//                          [--no-fidelity] [--no-cuda] [--json FILE] [--markdown FILE]
// Where the CUDA backend has a device, the table gains CUDA columns: the same models on
// cudaBackend beside PyTorch's on CUDA (cuDNN, TF32 off).
//
// Ratios are peer time / recurrent time, both measured in this run with the same thread
// count; no ratio is printed against a PyTorch that uses the reference BLAS.
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cudaBackend } from '../lib/models/native_model';
import { cpu, cuda, packageRoot } from '../lib/native';
import { loadModelWorkloads, Mode, ModelWorkload, modesOf, PeerResult } from './model_workloads';
import { buildModel, modelForwardFlops, timeModel, workloadData } from './models';
import { OnednnLayer, onednnPeer, OnednnReport } from './peers/onednn_peer';
import { PeerReport, tfjsPeer, torchPeer } from './peers/run_peers';
import { writeSafetensors, WritableTensor } from './support/safetensors_writer';
import { formatMarkdown, formatTable, Timing } from './support/timing';

const python = process.env.RECURRENT_BENCH_PYTHON ?? '/usr/bin/python3';

interface Peak {
  gflops?: number;
  blas?: string;
  error?: string;
}

/** The machine's practical single-precision GEMM rate: numpy (OpenBLAS) on 2048^3. */
function measurePeak(threads: number): Peak {
  const script = path.join(packageRoot, 'bench', 'peers', 'numpy_gemm.py');
  if (!fs.existsSync(script)) return { error: 'bench/peers/numpy_gemm.py is missing' };
  const n = 2048;
  const r = childProcess.spawnSync(python, [script], {
    input: `${JSON.stringify({ m: n, n, k: n, transA: false, transB: false, minSeconds: 2 })}\n`,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
    timeout: 120000,
  });
  if (r.status !== 0) return { error: `numpy peak failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}` };
  const [head, line] = r.stdout.trim().split('\n');
  const info = JSON.parse(head) as { blas: string; reference: boolean };
  if (info.reference) return { blas: info.blas, error: 'numpy uses the reference BLAS: install libopenblas0-openmp' };
  const seconds = (JSON.parse(line) as { seconds: number }).seconds;
  return { gflops: (2 * n ** 3) / seconds / 1e9, blas: info.blas };
}

interface Fidelity {
  workload: string;
  maxPredictionDiff?: number;
  lossBefore?: [number, number];
  lossAfterStep?: [number, number];
  error?: string;
}

/** Our model's initial weights and one batch, run through PyTorch in float64. */
async function fidelity(w: ModelWorkload, dir: string): Promise<Fidelity> {
  const model = buildModel(w, 'train');
  const data = workloadData(w, 7);
  const tensors: Record<string, WritableTensor> = { x: { shape: data.x.shape, data: data.x.data } };
  if (data.y) tensors.y = { shape: data.y.shape, data: data.y.data };
  const weights = model.getWeights();
  let k = 0;
  w.layers.forEach((l, index) => {
    const names = l.type === 'embedding' ? ['embeddings'] : l.type === 'dense' ? ['kernel', 'bias']
      : l.type === 'bidirectional' ? ['forward.kernel', 'forward.recurrent_kernel', 'forward.bias', 'backward.kernel', 'backward.recurrent_kernel', 'backward.bias']
      : ['kernel', 'recurrent_kernel', 'bias'];
    for (const name of names) {
      const t = weights[k++];
      tensors[`layers.${index}.${name}`] = { shape: t.shape, data: t.data as Float32Array };
    }
  });
  const input = path.join(dir, `${w.id}-in.safetensors`);
  const output = path.join(dir, `${w.id}-out.safetensors`);
  writeSafetensors(input, tensors, { workload: w.id });
  const r = childProcess.spawnSync(python, [path.join(packageRoot, 'bench', 'peers', 'torch_models.py'), '--fidelity', input, '--out', output], {
    encoding: 'utf8', timeout: 300000, maxBuffer: 16 << 20,
  });
  if (r.status !== 0) return { workload: w.id, error: (r.stderr || r.error?.message || 'failed').trim().split('\n').slice(-1)[0] };
  const summary = JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as { loss?: number; loss_after_step?: number };
  const reference = readPredictions(output);
  const ours = await model.predictOnBatch(data.x);
  let diff = 0;
  for (let i = 0; i < ours.data.length; i++) diff = Math.max(diff, Math.abs(ours.data[i] - reference[i]));
  const result: Fidelity = { workload: w.id, maxPredictionDiff: diff };
  if (data.y && summary.loss !== undefined && summary.loss_after_step !== undefined) {
    const before = (await model.evaluate(data.x, data.y, { batchSize: w.batch, returnDict: true })).loss;
    await model.trainOnBatch(data.x, data.y);
    const after = (await model.evaluate(data.x, data.y, { batchSize: w.batch, returnDict: true })).loss;
    result.lossBefore = [before, summary.loss];
    result.lossAfterStep = [after, summary.loss_after_step];
  }
  return result;
}

function readPredictions(file: string): Float64Array {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const p = header.predictions;
  const start = 8 + headerLength + p.data_offsets[0];
  const raw = bytes.subarray(start, 8 + headerLength + p.data_offsets[1]);
  const copy = Buffer.from(raw);
  return p.dtype === 'F64' ? new Float64Array(copy.buffer, copy.byteOffset, copy.length / 8) : Float64Array.from(new Float32Array(copy.buffer, copy.byteOffset, copy.length / 4));
}

function machine(threads: number): Record<string, unknown> {
  const flags = (fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '';
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const info = cpu().binding.runtimeInfo();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    cpuFlags: flags.split(' ').filter((f) => /^(avx|fma|sse4|f16c)/.test(f)),
    threads,
    isa: info.isa,
    node: process.versions.node,
    recurrent: pkg.version,
  };
}

/** The recurrent layers of a model workload, as the oneDNN peer runs them. */
function recurrentLayers(w: ModelWorkload): OnednnLayer[] {
  let features = w.input.kind === 'tokens' ? 0 : w.input.size;
  const out: OnednnLayer[] = [];
  for (const l of w.layers) {
    if (l.type === 'embedding') {
      features = l.outputDim!;
    } else if (l.type === 'dense') {
      features = l.units!;
    } else {
      const inner = l.type === 'bidirectional' ? l.layer! : l;
      const cell = inner.type === 'simpleRnn' ? (inner.activation === 'relu' ? 'rnn_relu' : 'rnn_tanh') : (inner.type as 'lstm' | 'gru');
      const directions = l.type === 'bidirectional' ? 2 : 1;
      out.push({ workload: w.id, cell, input: features, units: inner.units!, batch: w.batch, steps: w.steps,
        returnSequences: inner.returnSequences ?? false, train: w.train, directions, dtype: 'f32' });
      features = directions * inner.units!;
    }
  }
  return out;
}

/** The oneDNN time of a workload: the sum over its recurrent layers, or undefined. */
function onednnMs(report: OnednnReport, w: ModelWorkload): number | undefined {
  const mine = report.results.filter((r) => r.workload === w.id);
  if (mine.length === 0 || mine.some((r) => r.ms_median === undefined)) return undefined;
  return mine.reduce((sum, r) => sum + r.ms_median!, 0);
}

// The CUDA columns: ours on the GPU, PyTorch's on the GPU, and their ratio.
function gpuCells(ours: Timing | undefined, torchCuda: PeerResult | undefined): string[] {
  if (!ours) return ['-', '-', '-'];
  const theirs = torchCuda?.ms_median;
  return [ours.msMedian.toFixed(1), theirs != null ? theirs.toFixed(1) : '-', theirs != null ? `${(theirs / ours.msMedian).toFixed(2)}x` : '-'];
}

function peerCell(r: PeerResult | undefined, ours: Timing, ratioAllowed: boolean): [string, string] {
  if (!r) return ['-', '-'];
  if (r.ms_median === null) return [r.ms_lower_bound ? `>${(r.ms_lower_bound / 1000).toFixed(1)} s` : 'cannot', r.ms_lower_bound && ratioAllowed ? `>${(r.ms_lower_bound / ours.msMedian).toFixed(0)}x` : '-'];
  return [r.ms_median.toFixed(1), ratioAllowed ? `${(r.ms_median / ours.msMedian).toFixed(2)}x` : '-'];
}

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const threads = Number(option('--threads') ?? cpu().binding.runtimeInfo().threads);
  cpu().binding.setNumThreads(threads);
  const wanted = (option('--workloads') ?? option('--workload'))?.split(',');
  const compare = (option('--compare') ?? 'torch,tfjs,onednn').split(',');
  const workloads = loadModelWorkloads().filter((w) => !wanted || wanted.includes(w.id));
  if (workloads.length === 0) throw new Error(`no workload matches ${wanted?.join(',')}; known: W1..W7`);
  const budgetMs = quick ? 800 : 3000;
  const started = Date.now();
  const loadBefore = os.loadavg();

  process.stderr.write('measuring the sgemm peak (numpy)...\n');
  const peak = measurePeak(threads);

  const ours = new Map<string, Timing>();
  // Where the CUDA backend has a device: the same models on it, and PyTorch's on CUDA.
  const gpu = cuda();
  const onGpu = gpu.binding !== undefined && !argv.includes('--no-cuda');
  const oursGpu = new Map<string, Timing>();
  for (const w of workloads) {
    for (const mode of modesOf(w)) {
      const t = await timeModel(w, mode, budgetMs);
      ours.set(`${w.id}/${mode}`, t);
      process.stderr.write(`recurrent ${w.id} ${mode}: ${t.msMedian.toFixed(2)} ms\n`);
      if (onGpu) {
        const g = await timeModel(w, mode, budgetMs, cudaBackend);
        oursGpu.set(`${w.id}/${mode}`, g);
        process.stderr.write(`recurrent cuda ${w.id} ${mode}: ${g.msMedian.toFixed(2)} ms\n`);
      }
    }
  }
  if (!onGpu) process.stderr.write(`no CUDA column: ${gpu.binding ? '--no-cuda' : gpu.reason ?? 'no CUDA device'}\n`);
  const ids = workloads.map((w) => w.id);
  const skipped = (why: string): PeerReport => ({ results: [], error: why });
  process.stderr.write('running the peers...\n');
  const torch = compare.includes('torch') ? torchPeer(ids, threads, quick) : skipped('not compared');
  const torchFtz = compare.includes('torch') ? torchPeer(ids, threads, quick, true) : skipped('not compared');
  const onednn: OnednnReport = compare.includes('onednn')
    ? onednnPeer(workloads.flatMap(recurrentLayers), threads, quick ? 0.5 : 3)
    : { results: [], error: 'not compared' };
  const tfjsCpu = compare.includes('tfjs') || compare.includes('tfjs-cpu') ? tfjsPeer('cpu', ids, quick) : skipped('not compared');
  const tfjsWasm = compare.includes('tfjs') || compare.includes('tfjs-wasm') ? tfjsPeer('wasm', ids, quick) : skipped('not compared');
  const torchRatios = torch.ratio_allowed === true;
  const torchGpu = onGpu && compare.includes('torch') ? torchPeer(ids, threads, quick, false, 'cuda') : skipped('not compared');

  const fidelities: Fidelity[] = [];
  if (!argv.includes('--no-fidelity') && compare.includes('torch') && !torch.error) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recurrent-fidelity-'));
    for (const w of workloads) {
      if (!w.train || (quick && !['W2', 'W5'].includes(w.id))) continue;
      fidelities.push(await fidelity(w, dir));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const header = ['workload', 'mode', 'recurrent ms', 'samples/s', 'GFLOP/s', '% peak', 'torch ms', 'vs torch', 'torch-ftz ms', 'vs torch-ftz',
    'onednn RNN ms', 'vs onednn', 'tfjs-cpu ms', 'vs tfjs-cpu', 'tfjs-wasm ms', 'vs tfjs-wasm',
    ...(onGpu ? ['cuda ms', 'torch-cuda ms', 'cuda vs torch-cuda'] : [])];
  const rows: string[][] = [];
  const records: unknown[] = [];
  for (const w of workloads) {
    for (const mode of modesOf(w)) {
      const t = ours.get(`${w.id}/${mode}`)!;
      const find = (r: PeerReport) => r.results.find((p) => p.workload === w.id && p.mode === mode);
      const flops = modelForwardFlops(w) * (mode === 'forward' ? 1 : 3);
      const gflops = flops / (t.msMedian * 1e6);
      const [torchMs, torchX] = peerCell(find(torch), t, torchRatios);
      const [ftzMs, ftzX] = peerCell(find(torchFtz), t, torchRatios && torchFtz.ratio_allowed === true);
      const dnn = onednnMs(onednn, w);
      const [cpuMs, cpuX] = peerCell(find(tfjsCpu), t, true);
      const [wasmMs, wasmX] = peerCell(find(tfjsWasm), t, true);
      rows.push([w.id, mode, `${t.msMedian.toFixed(1)} [${t.msMin.toFixed(1)}-${t.msMax.toFixed(1)}]`, (w.batch / (t.msMedian / 1000)).toFixed(0),
        gflops.toFixed(1), peak.gflops ? `${((100 * gflops) / peak.gflops).toFixed(0)}%` : '-', torchMs, torchX, ftzMs, ftzX,
        dnn !== undefined ? dnn.toFixed(1) : '-', dnn !== undefined ? `${(dnn / t.msMedian).toFixed(2)}x` : '-', cpuMs, cpuX, wasmMs, wasmX,
        ...(onGpu ? gpuCells(oursGpu.get(`${w.id}/${mode}`), find(torchGpu)) : [])]);
      records.push({ workload: w.id, mode, recurrent: t, samplesPerSecond: w.batch / (t.msMedian / 1000), gflops, torch: find(torch),
        torchFlushDenormal: find(torchFtz), onednnRecurrentLayersMs: dnn, tfjsCpu: find(tfjsCpu), tfjsWasm: find(tfjsWasm),
        ...(onGpu ? { cuda: oursGpu.get(`${w.id}/${mode}`), torchCuda: find(torchGpu) } : {}) });
    }
  }
  const date = new Date().toISOString();
  const m = machine(threads);
  const lines = [
    `recurrent benchmark, ${date.slice(0, 10)}: ${String(m.cpu)}, ${threads} threads, ISA ${String(m.isa)}, Node ${process.versions.node}`,
    `sgemm peak (numpy, ${peak.blas ?? '?'}): ${peak.gflops ? `${peak.gflops.toFixed(1)} GFLOP/s` : peak.error}`,
    `PyTorch ${torch.torch ?? '-'} (BLAS ${torch.blas?.kind ?? '?'}${torch.omp_wait_policy ? `, OMP_WAIT_POLICY=${torch.omp_wait_policy}` : ''})${torch.error ? `: ${torch.error}` : ''}${!torchRatios && !torch.error ? ': no ratio, not an optimized BLAS' : ''}; torch-ftz: the same with torch.set_flush_denormal(True)${torchFtz.error ? ` (${torchFtz.error})` : ''}`,
    `oneDNN ${onednn.onednn ?? '-'}${onednn.error ? `: ${onednn.error}` : ': the recurrent layers alone (forward + backward, weights reordered each step), denormals flushed'}`,
    ...(onGpu ? [`CUDA: ${gpu.devices.map((d) => d.name).join(', ')}; ours float32 (RECURRENT_CUDA_TF32=${process.env.RECURRENT_CUDA_TF32 ?? 'unset'}), PyTorch CUDA with cuDNN, TF32 off${torchGpu.error ? ` (${torchGpu.error})` : ''}`] : []),
    `TensorFlow.js ${tfjsCpu.tfjs ?? tfjsWasm.tfjs ?? '-'}${tfjsCpu.error ? ` (cpu: ${tfjsCpu.error})` : ''}${tfjsWasm.error ? ` (wasm: ${tfjsWasm.error})` : ''}`,
  ];
  const notes = [...new Set([...(tfjsCpu.notes ?? []), ...(tfjsWasm.notes ?? [])])];
  const fidelityLines = fidelities.map((f) => f.error ? `${f.workload}: fidelity check failed: ${f.error}`
    : `${f.workload}: max |prediction - PyTorch| ${f.maxPredictionDiff!.toExponential(2)}` +
      (f.lossAfterStep ? `; loss ${f.lossBefore![0].toFixed(6)} vs ${f.lossBefore![1].toFixed(6)}, after one step ${f.lossAfterStep[0].toFixed(6)} vs ${f.lossAfterStep[1].toFixed(6)}` : ''));
  const text = [...lines, '', formatTable(header, rows), '', 'Fidelity (same weights and batch, PyTorch in float64):', ...fidelityLines,
    ...(notes.length ? ['', 'tfjs notes:', ...notes.map((n) => `- ${n}`)] : []), '',
    `Load average (1, 5, 15 min) at the start ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores).`,
    `Finished in ${((Date.now() - started) / 1000).toFixed(0)} s.`].join('\n');
  process.stdout.write(`\n${text}\n`);

  const markdown = [...lines.map((l) => `${l}  `), '', formatMarkdown(header, rows), '', ...fidelityLines.map((l) => `- ${l}`)].join('\n');
  const stamp = date.slice(0, 19).replace(/[:T]/g, '-');
  const jsonFile = option('--json') ?? path.join(packageRoot, 'bench', 'results', `bench-${stamp}.json`);
  const markdownFile = option('--markdown') ?? path.join(packageRoot, 'bench', 'results', `bench-${stamp}.md`);
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.mkdirSync(path.dirname(markdownFile), { recursive: true });
  fs.writeFileSync(jsonFile, JSON.stringify({ date, machine: m, loadavg: os.loadavg(), peak, torch: { ...torch, results: undefined },
    torchFlushDenormal: { ...torchFtz, results: undefined }, onednn, tfjsCpu: { ...tfjsCpu, results: undefined },
    tfjsWasm: { ...tfjsWasm, results: undefined }, ...(onGpu ? { cuda: { devices: gpu.devices }, torchCuda: { ...torchGpu, results: undefined } } : {}),
    results: records, fidelity: fidelities }, null, 2));
  fs.writeFileSync(markdownFile, `${markdown}\n`);
  process.stderr.write(`wrote ${jsonFile} and ${markdownFile}\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
