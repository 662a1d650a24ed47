// The fuzz run: case after case in child processes (child.ts) with a small heap, a memory
// limit and a time limit per case. A child that dies (a crash, an out-of-memory) or stops
// printing (a hang) is recorded with the case it was in, and a new child goes on after it.
// test/fuzz.test.ts runs a short seeded run; `npm run fuzz` a long one:
//
//   node dist/test/fuzz/runner.js [--cases N] [--seed S]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FuzzFailure {
  case: number;
  kind: string;
  what: 'crash' | 'hang' | 'error';
  detail: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  calls: number;
  files: number;
  crashes: number;
  hangs: number;
  /** Cases whose own code failed (exit 3): a bug of the harness, not of the library. */
  harnessErrors: number;
  failures: FuzzFailure[];
  seconds: number;
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** A case that prints nothing for this long is a hang (default 60 s). */
  caseTimeoutMs?: number;
  /** Cases per child process (default 2000). */
  batch?: number;
  /** Run this one kind of case only (a key of CALL_CASES or FILE_CASES). */
  only?: string;
  onProgress?: (done: number, report: FuzzReport) => void;
}

interface ChildResult {
  /** The case being run when the child stopped, if it stopped early. */
  lastCase?: { index: number; kind: string };
  calls: number;
  files: number;
  failure?: Omit<FuzzFailure, 'case' | 'kind'>;
}

function runChild(seed: number, start: number, count: number, dir: string, caseTimeoutMs: number, only?: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=256', join(__dirname, 'child.js'), String(seed), String(start), String(count), dir, ...(only ? [only] : [])], {
      env: { ...process.env, RECURRENT_MEMORY_LIMIT: '256M', RECURRENT_NUM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastCase: ChildResult['lastCase'];
    let done: [number, number] | undefined;
    let counts: [number, number] = [0, 0];
    let stderr = '';
    let buffered = '';
    let hung = false;
    let timer = setTimeout(() => undefined, 0);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, caseTimeoutMs);
    };
    arm();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^case (\d+) (\S+) (\d+) (\d+)$/.exec(line);
        if (m) {
          lastCase = { index: Number(m[1]), kind: m[2] };
          counts = [Number(m[3]), Number(m[4])];
          arm();
        }
        const d = /^done (\d+) (\d+)$/.exec(line);
        if (d) done = [Number(d[1]), Number(d[2])];
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (done && code === 0) return resolve({ calls: done[0], files: done[1] });
      const what = hung ? 'hang' : code === 3 ? 'error' : 'crash';
      resolve({ lastCase, calls: counts[0], files: counts[1], failure: { what, detail: hung ? `no progress for ${caseTimeoutMs} ms` : `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-6).join(' | ')}` } });
    });
  });
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-fuzz-'));
  const report: FuzzReport = { seed: o.seed, cases: o.cases, calls: 0, files: 0, crashes: 0, hangs: 0, harnessErrors: 0, failures: [], seconds: 0 };
  try {
    for (let next = 0; next < o.cases; ) {
      const count = Math.min(o.batch ?? 2000, o.cases - next);
      const r = await runChild(o.seed, next, count, dir, o.caseTimeoutMs ?? 60_000, o.only);
      report.calls += r.calls;
      report.files += r.files;
      if (r.failure) {
        const at = r.lastCase ?? { index: next, kind: '(before the first case)' };
        report.failures.push({ case: at.index, kind: at.kind, ...r.failure });
        if (r.failure.what === 'hang') report.hangs++;
        else if (r.failure.what === 'error') report.harnessErrors++;
        else report.crashes++;
        next = at.index + 1;
      } else next += count;
      o.onProgress?.(next, report);
      for (const e of fs.readdirSync(dir)) fs.rmSync(join(dir, e), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const cases = arg('--cases', 120_000);
  void runFuzz({
    seed: arg('--seed', 20261202),
    cases,
    onProgress: (done, r) => process.stderr.write(`${done}/${cases} cases: ${r.calls} calls, ${r.files} files, ${r.crashes} crashes, ${r.hangs} hangs\n`),
  }).then((r) => {
    process.stdout.write(`${JSON.stringify(r, null, 1)}\n`);
    process.exitCode = r.failures.length > 0 ? 1 : 0;
  });
}
