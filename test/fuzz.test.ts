// The fuzz test: a seeded run of hostile calls on the public API (ops.rnnLayer and sgemm,
// the data tools, the layer factories, the memory limit) and hostile files for every loader
// (mutated model directories, safetensors, Keras 3 .weights.h5 and Keras 2 .h5 files, .keras
// archives and zip bombs, imdb.npz, GloVe text, the hostile HDF5 fixtures, FIFOs and
// /dev/zero), each case in a child process with a 256 MB heap, a 256 MB memory limit and a
// time limit (test/fuzz/runner.ts). Every case must end in a value or an Error: no crash, no
// hang. `npm run fuzz` runs the long version (the README has its figures).
import test from 'ava';

import { runFuzz } from './fuzz/runner';

const CASES = Number(process.env.RECURRENT_FUZZ_CASES ?? 6000);

test(`${CASES} seeded fuzz cases: no crash, no hang, every failure an Error`, async (t) => {
  const report = await runFuzz({ seed: 20261202, cases: CASES });
  t.log(`${report.calls} calls and ${report.files} files in ${report.seconds.toFixed(1)} s: ${report.crashes} crashes, ${report.hangs} hangs`);
  for (const f of report.failures) t.log(`case ${f.case} (${f.kind}): ${f.what}: ${f.detail}`);
  t.deepEqual(report.failures, []);
  t.true(report.calls > CASES / 2 && report.files > CASES / 10, 'both kinds of case ran');
});

// The mutated model directories of the former io_fuzz test keep their own, larger share: they
// are quick to load, and a saved model is the file users load most.
test('3000 mutated model directories: every one an Error or a working model', async (t) => {
  const report = await runFuzz({ seed: 987654321, cases: 3000, only: 'modelDirectory' });
  t.log(`${report.files} model directories in ${report.seconds.toFixed(1)} s: ${report.crashes} crashes, ${report.hangs} hangs`);
  for (const f of report.failures) t.log(`case ${f.case} (${f.kind}): ${f.what}: ${f.detail}`);
  t.deepEqual(report.failures, []);
  t.is(report.files, 3000);
});
