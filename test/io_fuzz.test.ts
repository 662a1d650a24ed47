// Fuzzing the loaders: thousands of mutated model directories (truncations, flipped bytes,
// wrong shapes, huge declared sizes, hostile JSON) and safetensors files, loaded in a child
// process with a small heap and a time limit. Every one must end in a thrown Error or (for
// a harmless change such as a flipped letter in a layer name) a working model: never a
// crash, a hang or an out-of-memory.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'recurrent-fuzz-'));

// The child: builds and saves a small model, then loads mutation after mutation.
const child = (lib: string) => `
const fs = require('fs');
const path = require('path');
const r = require(${JSON.stringify(lib)});
const L = r.layers;
const [dir, count] = [process.argv[2], Number(process.argv[3])];
let s = 987654321;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rnd() * a.length)];
(async () => {
  const model = r.sequential([L.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 4 }),
    L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true, dropout: 0.1 }) }), L.lstm({ units: 2 }), L.dense({ units: 2, activation: 'softmax' })], { seed: 1 });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = [[1, 2, 3, 0], [4, 5, 0, 0]];
  await model.fit(x, [0, 1], { epochs: 1, verbose: 0 });
  const good = path.join(dir, 'good');
  await model.save(good);
  const st = path.join(dir, 'w.safetensors');
  await r.io.exportSafetensors(model, st);
  const files = fs.readdirSync(good).map((f) => [f, fs.readFileSync(path.join(good, f))]);
  const stBytes = fs.readFileSync(st);
  const json = JSON.parse(files.find(([f]) => f === 'model.json')[1].toString());
  const huge = [2 ** 31, 2 ** 53, 1e300, -1, 1.5, 'x', null, [], {}, 2 ** 32 - 1];
  const jsonMutations = [
    (j) => { const w = pick(j.weightsManifest[0].weights); w.shape[Math.floor(rnd() * w.shape.length)] = pick(huge); },
    (j) => { pick(j.weightsManifest[0].weights).shape = pick([[2 ** 31, 2 ** 31], [], [0], null, 'abc']); },
    (j) => { pick(j.modelTopology.config.layers).config.units = pick(huge); },
    (j) => { const l = pick(j.modelTopology.config.layers); l.class_name = pick(['Conv2D', 'LSTM', 'GRU', 'Dense', '', 7]); },
    (j) => { j.modelTopology.config.layers[0].config.input_dim = pick(huge); },
    (j) => { j.modelTopology.config.layers[0].config.batch_input_shape = pick([[null, 2 ** 31], [null, -4], 'x', [null]]); },
    (j) => { const o = j.userDefinedMetadata.recurrent.optimizer; o.slotLengths[Math.floor(rnd() * o.slotLengths.length)] = pick(huge); },
    (j) => { const o = j.userDefinedMetadata.recurrent.optimizer; o.step = pick(huge); o.nativeIterations = pick(huge); },
    (j) => { j.userDefinedMetadata.recurrent.position = { epoch: pick(huge), batch: pick(huge) }; },
    (j) => { j.userDefinedMetadata.recurrent.compile.optimizer.learningRate = pick(huge); },
    (j) => { j.weightsManifest[0].paths = [pick(['../../etc/passwd', '/etc/passwd', 'missing.bin', '.hidden', 'a'.repeat(300)])]; },
    (j) => { j.weightsManifest[0].weights.pop(); },
    (j) => { j.weightsManifest = pick([null, [], [{}], 'x']); },
    (j) => { j.userDefinedMetadata.recurrent.optimizer.path = pick(['model.json', '../x', 'optimizer.0000000000000000.bin']); },
    (j) => { delete j.userDefinedMetadata.recurrent.weightsSha256; const w = j.weightsManifest[0].weights; w.push(w.shift()); },
    (j) => { j.modelTopology.config.layers[1].config.merge_mode = pick(['bad', null, 3]); },
    (j) => { j.modelTopology.config.layers[1].config.layer.config.reset_after = false; },
  ];
  const outcomes = { error: 0, loaded: 0, byKind: {} };
  const note = (kind, outcome) => { outcomes[outcome]++; outcomes.byKind[kind + ':' + outcome] = (outcomes.byKind[kind + ':' + outcome] || 0) + 1; };
  const target = path.join(dir, 'target');
  fs.mkdirSync(target);
  const bytesMutation = (b) => {
    const out = Buffer.from(b);
    switch (Math.floor(rnd() * 3)) {
      case 0: return out.subarray(0, Math.floor(rnd() * out.length));
      case 1: for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8); return out;
      default: return Buffer.concat([out, Buffer.alloc(1 + Math.floor(rnd() * 64), Math.floor(rnd() * 256))]);
    }
  };
  for (let i = 0; i < count; i++) {
    for (const f of fs.readdirSync(target)) fs.unlinkSync(path.join(target, f));
    const kind = pick(['bytes', 'bytes', 'json', 'json', 'safetensors']);
    if (kind === 'safetensors') {
      let b = bytesMutation(stBytes);
      if (rnd() < 0.3) { b = Buffer.from(stBytes); b.writeBigUInt64LE(pick([2n ** 63n, 2n ** 40n, 0n, 1n, BigInt(b.length)]), 0); }
      if (rnd() < 0.2) b = Buffer.from(b.toString('latin1').replace(/"data_offsets":\\[\\d+/, '"data_offsets":[' + pick(['99999999999', '-1', '1e308'])), 'latin1');
      try { const m = r.sequential([L.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: 4 }), L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true }) }), L.lstm({ units: 2 }), L.dense({ units: 2, activation: 'softmax' })]); await r.io.importSafetensors(m, b); await m.predict(x); note(kind, 'loaded'); }
      catch (e) { if (!(e instanceof Error)) throw new Error('non-Error thrown: ' + String(e)); note(kind, 'error'); }
      continue;
    }
    for (const [f, b] of files) fs.writeFileSync(path.join(target, f), b);
    if (kind === 'bytes') {
      const [f, b] = pick(files);
      fs.writeFileSync(path.join(target, f), bytesMutation(b));
    } else {
      const j = JSON.parse(JSON.stringify(json));
      for (let k = 1 + Math.floor(rnd() * 2); k > 0; k--) {
        try { pick(jsonMutations)(j); } catch { /* the structure an earlier mutation broke */ }
      }
      fs.writeFileSync(path.join(target, 'model.json'), JSON.stringify(j));
    }
    try { const m = await r.loadModel(target); await m.predict(x); note(kind, 'loaded'); }
    catch (e) { if (!(e instanceof Error)) throw new Error('non-Error thrown: ' + String(e)); note(kind, 'error'); }
  }
  process.stdout.write(JSON.stringify(outcomes));
})().catch((e) => { console.error(e); process.exit(3); });
`;

test('thousands of mutated model files: every one an Error or a working model, no crash, hang or OOM', (t) => {
  const script = join(root, 'fuzz.js');
  writeFileSync(script, child(join(__dirname, '..', 'lib', 'index.js')));
  const count = 5000;
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--max-old-space-size=256', script, root, String(count)], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 24 });
  const seconds = (Date.now() - started) / 1000;
  t.is(run.signal, null, `killed by ${run.signal} (timeout or crash) after ${seconds}s; stderr: ${run.stderr.slice(-2000)}`);
  t.is(run.status, 0, run.stderr.slice(-2000));
  const outcomes = JSON.parse(run.stdout) as { error: number; loaded: number; byKind: Record<string, number> };
  t.log(`${count} mutations in ${seconds.toFixed(1)} s:`, JSON.stringify(outcomes.byKind));
  t.is(outcomes.error + outcomes.loaded, count);
  // Changed bytes of the binary files never load: the checksums in model.json catch them.
  t.true(outcomes.error > count / 2);
});
