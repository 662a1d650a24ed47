// One fuzz process: runs cases [start, start + count) of a seeded run and prints a line
// before each ("case <i> <kind> <calls so far> <files so far>"), so that the parent
// (runner.ts) can tell which case a crash or a hang happened in, and "done <calls> <files>"
// at the end. Each case draws from its own seed
// (run seed and case number): `node dist/test/fuzz/child.js <seed> <start> 1 <dir>` replays
// case <start> alone; a sixth argument runs one kind of case only (e.g. modelDirectory).
import * as fs from 'node:fs';
import { join } from 'node:path';

import * as lib from '../../lib/index';
import { CALL_CASES } from './call_cases';
import { FILE_CASES, makeFileFixtures } from './file_cases';
import { FuzzRandom } from './hostile_values';

/** Which cases case i runs: calls and files interleaved, files one in FILE_EVERY. */
export const FILE_EVERY = 8;

export function caseKind(i: number, seed: number, only?: string): { kind: 'call' | 'file'; name: string } {
  if (only) return { kind: only in FILE_CASES ? 'file' : 'call', name: only };
  const r = new FuzzRandom(Math.imul(seed, 2654435761) ^ i);
  if (i % FILE_EVERY === FILE_EVERY - 1) return { kind: 'file', name: r.pick(Object.keys(FILE_CASES)) };
  return { kind: 'call', name: r.pick(Object.keys(CALL_CASES)) };
}

async function main(): Promise<void> {
  const [seed, start, count] = process.argv.slice(2, 5).map(Number);
  const [dir, only] = process.argv.slice(5);
  if (only && !(only in FILE_CASES) && !(only in CALL_CASES)) throw new Error(`no fuzz case named '${only}'`);
  const fixtures = await makeFileFixtures(lib, fs.mkdtempSync(join(dir, 'fixtures-')));
  const scratch = fs.mkdtempSync(join(dir, 'scratch-'));
  let calls = 0;
  let files = 0;
  for (let i = start; i < start + count; i++) {
    const { kind, name } = caseKind(i, seed, only);
    process.stdout.write(`case ${i} ${kind}:${name} ${calls} ${files}\n`);
    const r = new FuzzRandom(Math.imul(seed ^ 0x9e3779b9, 40503) + i);
    if (kind === 'call') calls += await CALL_CASES[name](r, lib);
    else files += await FILE_CASES[name](r, lib, fixtures, scratch);
  }
  process.stdout.write(`done ${calls} ${files}\n`);
}

main().catch((e) => {
  process.stderr.write(`fuzz child failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
