// Data-parallel training over MPI (lib/distributed/): jobs of 1, 2 and 4 processes started
// with mpirun on this machine (test/distributed/fit_worker.ts) end with the weights of one
// process trained on the summed batches (bit for bit with one process, within 1e-6 with
// more), the same bits on every rank and the global loss and metrics; a killed rank ends
// the job with an error instead of a hang; processes that disagree say so. Where mpirun
// or the MPI addon is missing, those tests are skipped with the reason.
import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { distributed, info } from '../lib/index';
import { parseCommandLine } from '../bin/recurrent';
import { findOnPath } from '../lib/distributed/mpi_addon';
import { caseData, caseModel, EPOCHS, OptimizerName, PER_RANK_BATCH, VALIDATION_SPLIT, weightBytes } from './distributed/fit_case';

const WORKER = path.join(__dirname, 'distributed', 'fit_worker.js');
const JOB_TIMEOUT_MS = 60_000;

interface RankResult {
  topology: { rank: number; size: number; localRank: number; localSize: number };
  results: Record<OptimizerName, { weights: string; history: Record<string, number[]> }>;
  stats: { steps: number; bytesPerStep: number; sentBytesPerStep: number; sparseTables: number };
}

function skipReason(): string | undefined {
  if (!findOnPath('mpirun')) return 'mpirun is not on the PATH (apt-get install openmpi-bin libopenmpi-dev; .ci/run installs it)';
  const a = distributed.availability();
  return a.available ? undefined : a.reason;
}

const reason = skipReason();

/** Runs `np` processes of the worker; resolves with the exit code, the output and the time taken. */
function mpirun(np: number, mode: string, dir: string): Promise<{ code: number | null; signal: string | null; output: string; ms: number }> {
  const args = ['--oversubscribe', '-np', String(np), process.execPath, WORKER, mode, dir];
  // mpirun refuses root unless told; CI containers run as root.
  const env = { ...process.env, RECURRENT_NUM_THREADS: '1', ...(process.getuid?.() === 0 ? { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' } : {}) };
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('mpirun', args, { env, timeout: JOB_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, output: `${stdout}${stderr}`, ms: Date.now() - started });
    });
  });
}

function floats(base64: string): Float32Array {
  const b = Buffer.from(base64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** One process trained on the batches the job's processes take together (batch size p * B, the same epoch order). */
async function reference(name: OptimizerName, processes: number): Promise<{ weights: string; history: Record<string, number[]>; params: number }> {
  const { x, y } = caseData();
  const m = caseModel(name, 1000);
  const h = await m.fit(x, y, { batchSize: PER_RANK_BATCH * processes, epochs: EPOCHS, validationSplit: VALIDATION_SPLIT, verbose: 0 });
  return { weights: weightBytes(m), history: h.history, params: m.countParams() };
}

async function job(np: number, mode: string): Promise<{ dir: string; run: Awaited<ReturnType<typeof mpirun>> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `recurrent-mpi-${mode}-`));
  return { dir, run: await mpirun(np, mode, dir) };
}

if (reason) {
  test('without MPI, distributed.availability() names what to install', (t) => {
    t.log(`skipping the mpirun tests: ${reason}`);
    const a = distributed.availability();
    if (a.available) {
      t.true(reason.includes('mpirun'), 'the addon is built, so only mpirun is missing');
    } else {
      t.regex(a.reason ?? '', /apt-get install openmpi-bin libopenmpi-dev|npm run build:mpi|recurrent build-mpi/);
    }
  });
}

const mpiTest = reason ? test.skip : test.serial;

for (const np of [1, 2, 4]) {
  mpiTest(`${np} process${np > 1 ? 'es' : ''} end with the weights of one process trained on the summed batches, SGD and Adam${np > 2 ? ' (oversubscribed)' : ''}`, async (t) => {
    const { dir, run } = await job(np, 'train');
    t.log(`mpirun -np ${np}: ${run.ms} ms`);
    t.is(run.code, 0, run.output);
    const ranks: RankResult[] = Array.from({ length: np }, (_, r) => JSON.parse(fs.readFileSync(path.join(dir, `rank${r}.json`), 'utf8')) as RankResult);
    ranks.forEach((r, i) => {
      t.is(r.topology.rank, i);
      t.is(r.topology.size, np);
    });
    for (const name of ['sgd', 'adam'] as OptimizerName[]) {
      const ref = await reference(name, np);
      // Every rank holds the same bits (the reduction gives every rank the same sums).
      for (const r of ranks) t.is(r.results[name].weights, ranks[0].results[name].weights, `${name}: rank ${r.topology.rank} differs from rank 0`);
      const diff = maxAbsDiff(floats(ranks[0].results[name].weights), floats(ref.weights));
      t.log(`${name}, ${np} processes: max |w - w_single| = ${diff.toExponential(2)}`);
      // One process: the same arithmetic as a plain fit, bit for bit; more: the sum order differs.
      if (np === 1) t.is(ranks[0].results[name].weights, ref.weights, `${name}: one process differs from a plain fit`);
      else t.true(diff <= 1e-6, `${name}: max difference ${diff} to the single process is over 1e-6`);
      t.true(maxAbsDiff(floats(ref.weights), floats(weightBytes(caseModel(name, 1000)))) > 1e-3, 'training moved the weights');
      // The logs are the global figures on every rank: training loss and accuracy, and validation over the shards.
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
        for (const r of ranks) {
          const got = r.results[name].history[key];
          t.is(got.length, EPOCHS, key);
          got.forEach((v, e) => t.true(Math.abs(v - ref.history[key][e]) <= 1e-6, `${name} ${key}[${e}] on rank ${r.topology.rank}: ${v}, single process ${ref.history[key][e]}`));
        }
      }
      t.is(ranks[0].stats.bytesPerStep, 4 * ref.params);
    }
    t.is(ranks[0].stats.steps, 2 * EPOCHS * Math.ceil(Math.floor(48 / np) / PER_RANK_BATCH));
    // The embedding's few touched rows went as rows (nothing is sent by one process).
    t.is(ranks[0].stats.sparseTables, np > 1 ? 1 : 0);
  });
}

mpiTest('the embedding gradient gathered as rows gives the bits of the dense reduction, and sends fewer bytes', async (t) => {
  const sparse = await job(2, 'train');
  const dense = await job(2, 'dense');
  t.is(sparse.run.code, 0, sparse.run.output);
  t.is(dense.run.code, 0, dense.run.output);
  const read = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'rank0.json'), 'utf8')) as RankResult;
  const [s, d] = [read(sparse.dir), read(dense.dir)];
  for (const name of ['sgd', 'adam'] as OptimizerName[]) t.is(s.results[name].weights, d.results[name].weights, name);
  t.is(s.stats.sparseTables, 1);
  t.is(d.stats.sparseTables, 0);
  // Dense: each of 2 processes sends half of the padded buffer in each of the two collectives.
  t.true(d.stats.sentBytesPerStep >= s.stats.bytesPerStep, `dense sent ${d.stats.sentBytesPerStep} of ${s.stats.bytesPerStep}`);
  t.log(`bytes sent per step by rank 0: ${s.stats.sentBytesPerStep} with the embedding as rows, ${d.stats.sentBytesPerStep} dense`);
  t.true(s.stats.sentBytesPerStep < d.stats.sentBytesPerStep / 2);
});

mpiTest('a rank killed in mid-training ends the job with an error, not a hang', async (t) => {
  const { run } = await job(2, 'kill');
  t.log(`mpirun -np 2 with rank 1 killed: exit ${run.code}, ${run.ms} ms`);
  t.is(run.signal, null, `mpirun was still running after ${JOB_TIMEOUT_MS} ms:\n${run.output}`);
  t.not(run.code, 0);
  t.regex(run.output, /rank 1 .*exited on signal 9/);
});

mpiTest('a step that fails on one rank fails on the others too, instead of leaving them waiting', async (t) => {
  const { run } = await job(2, 'fail');
  t.is(run.signal, null, `mpirun was still running after ${JOB_TIMEOUT_MS} ms:\n${run.output}`);
  t.not(run.code, 0);
  t.regex(run.output, /rank 1: case_sgd: the model was disposed/);
  t.regex(run.output, /rank 0: case_sgd: fit \(distributed\): the training step failed on 1 other process\(es\) of 2; their output says why/);
});

mpiTest('processes that would train differently refuse before the first step, naming what differs', async (t) => {
  const { dir, run } = await job(2, 'disagree');
  t.not(run.code, 0, run.output);
  t.regex(run.output, /rank 0: case_sgd: fit \(distributed\): the 2 processes must train alike .* differ in epochs: rank 0 has 2, rank 1 has 3/);
  t.regex(run.output, /rank 1: .*differ in epochs: rank 0 has 2, rank 1 has 3/);
  t.false(fs.existsSync(path.join(dir, 'rank0.json')));
});

test('bad options and calls out of order are clear errors', async (t) => {
  t.throws(() => distributed.init({ fusionBytes: 2 }), { message: 'distributed.init: fusionBytes must be an integer in [4, 4294967296] (bytes), received 2' });
  t.throws(() => distributed.init({ fusionbytes: 1024 } as never), { message: "distributed.init: unknown option 'fusionbytes'; known options: fusionBytes, sparseAsDense" });
  t.throws(() => distributed.init({ sparseAsDense: 1 } as never), { instanceOf: TypeError, message: 'distributed.init: sparseAsDense must be a boolean, received 1' });
  t.throws(() => distributed.rank(), { message: 'distributed.rank(): call distributed.init() first' });
  const { x, y } = caseData();
  const m = caseModel('sgd', 1);
  await t.throwsAsync(m.fit(x, y, { distributed: 'yes' as never, verbose: 0 }), { instanceOf: TypeError, message: "case_sgd: fit: distributed must be a boolean, received 'yes'" });
  await t.throwsAsync(m.fit(x, y, { distributed: true, verbose: 0 }), {
    message: 'case_sgd: fit({ distributed: true }): distributed training needs distributed.init() first (and the script started by mpirun)',
  });
  t.false(distributed.isInitialized());
});

test('recurrent info says whether distributed training is available, and build-mpi is a command', (t) => {
  const i = info();
  t.deepEqual({ available: i.distributed.available, reason: i.distributed.reason }, { available: distributed.availability().available, reason: distributed.availability().reason });
  if (i.distributed.available) t.true(fs.existsSync(i.distributed.file ?? ''), 'the addon file it names exists');
  t.deepEqual(parseCommandLine(['build-mpi']), { command: 'build-mpi' });
  t.throws(() => parseCommandLine(['build-mpi', '--fast']), { message: "build-mpi: unexpected argument '--fast'" });
});
