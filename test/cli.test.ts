// The command line: parsing of `train` and `plot`, `plot` end to end, and `train demo` and
// `train <file.csv>` end to end in a scratch directory (a second or two each): they write
// their results there and nowhere else.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, UsageError } from '../bin/recurrent';
import { parseDelimited } from '../bin/read_csv';
import { labelledTexts } from '../bin/train_text';
import { loadModel } from '../lib/index';
import { cuda as cudaStatus } from '../lib/native';

const CLI = join(__dirname, '..', 'bin', 'recurrent.js');

test('train spam: defaults and flags in both spellings', (t) => {
  t.deepEqual(parseCommandLine(['train', 'spam']), { command: 'train', task: 'spam', backend: 'cpu' });
  t.deepEqual(parseCommandLine(['train', 'spam', '--backend', 'cuda']), { command: 'train', task: 'spam', backend: 'cuda' });
  t.deepEqual(parseCommandLine(['train', 'spam', '--epochs', '3', '--backend', 'cpu', '--threads', '2']), {
    command: 'train',
    task: 'spam',
    backend: 'cpu',
    epochs: 3,
    threads: 2,
  });
  t.deepEqual(parseCommandLine(['train', '--epochs=2', 'spam']), { command: 'train', task: 'spam', backend: 'cpu', epochs: 2 });
});

test('train g2p: a time budget, stress digits and threads', (t) => {
  t.deepEqual(parseCommandLine(['train', 'g2p']), { command: 'train', task: 'g2p', backend: 'cpu', stress: false });
  t.deepEqual(parseCommandLine(['train', 'g2p', '--minutes', '3', '--stress', '--threads=1']), { command: 'train', task: 'g2p', backend: 'cpu', stress: true, minutes: 3, threads: 1 });
  const fails = (argv: string[], message: RegExp) => t.throws(() => parseCommandLine(argv), { instanceOf: UsageError, message });
  fails(['train', 'g2p', '--epochs', '2'], /train g2p: it trains for a time budget: give --minutes N \(default 15\), not --epochs/);
  fails(['train', 'g2p', '--minutes', '0'], /--minutes must be a positive integer, received '0'/);
  fails(['train', 'g2p', '--out', 'x'], /--out applies to demo and CSV training only/);
  fails(['train', 'spam', '--minutes', '2'], /train spam: --minutes applies to g2p only/);
  fails(['train', 'demo', '--stress'], /train demo: --stress applies to g2p only/);
});

test('train: bad command lines are usage errors that say what is wrong', (t) => {
  const fails = (argv: string[], message: RegExp) => t.throws(() => parseCommandLine(argv), { instanceOf: UsageError, message });
  fails(['train'], /what to train on\? \(demo, a CSV or TSV file of labelled texts, or spam or g2p in a checkout\)/);
  fails(['train', 'imdb'], /'imdb' is neither demo, spam, g2p nor a \.csv or \.tsv file/);
  fails(['train', 'spam', '--out', 'x'], /--out applies to demo and CSV training only/);
  fails(['train', 'demo', '--text-column', 'x'], /the demo data has no columns/);
  fails(['train', 'texts.csv', '--out'], /--out needs a value/);
  fails(['train', 'spam', '--backend', 'tpu'], /--backend must be 'cpu' or 'cuda', received 'tpu'/);
  fails(['train', 'spam', '--epochs', '0'], /--epochs must be a positive integer, received '0'/);
  fails(['train', 'spam', '--epochs', '1.5'], /positive integer/);
  fails(['train', 'spam', '--epochs'], /--epochs needs a value/);
  fails(['train', 'spam', '--threads', 'two'], /--threads must be a positive integer/);
  fails(['train', 'spam', '--lr', '0.1'], /unknown option '--lr'/);
  fails(['train', 'spam', '--epochs', '2', '--epochs', '3'], /given twice/);
  fails(['train', 'spam', 'extra'], /unexpected argument 'extra'/);
});

test('train demo and train <file>: what they parse to', (t) => {
  t.deepEqual(parseCommandLine(['train', 'demo', '--epochs', '2']), { command: 'train', task: 'text', source: 'demo', backend: 'cpu', epochs: 2 });
  t.deepEqual(parseCommandLine(['train', 'my.csv', '--text-column', 'body', '--label-column=tag', '--out', 'here']), {
    command: 'train', task: 'text', source: 'my.csv', backend: 'cpu', out: 'here', textColumn: 'body', labelColumn: 'tag',
  });
  t.deepEqual(parseCommandLine(['build-from-source']), { command: 'build-from-source' });
});

test('CSV: quoted fields with delimiters, quotes and newlines; columns by header name or first and last', (t) => {
  const rows = parseDelimited('id,text,label\r\n1,"a, ""b""\nc",pos\n2,plain,neg\n\n', ',', 'f.csv');
  t.deepEqual(rows, [['id', 'text', 'label'], ['1', 'a, "b"\nc', 'pos'], ['2', 'plain', 'neg']]);
  t.deepEqual(labelledTexts(rows, 'f.csv'), { texts: ['a, "b"\nc', 'plain'], labels: ['pos', 'neg'] });
  t.deepEqual(labelledTexts([['good movie', '1'], ['bad one', '0']], 'g.csv'), { texts: ['good movie', 'bad one'], labels: ['1', '0'] });
  t.throws(() => labelledTexts(rows, 'f.csv', 'body'), { message: /f\.csv: no column named 'body' in the header \('id', 'text', 'label'\)/ });
  t.throws(() => labelledTexts([['text', 'label'], ['only one field']], 'h.csv'), { message: /h\.csv: row 2 has 1 fields, the text is column 1 and the label column 2/ });
  t.throws(() => parseDelimited('a,"open\n', ',', 'q.csv'), { message: /q\.csv: a quoted field opened before line 2 never closes/ });
});

test('recurrent train demo and train <file.csv> learn, and write only into the current directory', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-train-'));
  const demo = spawnSync(process.execPath, [CLI, 'train', 'demo', '--epochs', '4'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  t.is(demo.status, 0, demo.stderr);
  t.log(demo.stdout.trim());
  const accuracy = Number(/held-out accuracy:\s+([\d.]+)%/.exec(demo.stdout)?.[1]);
  t.true(accuracy > 90, `demo accuracy ${accuracy}%`);
  t.deepEqual(readdirSync(dir), ['recurrent-demo']);
  t.deepEqual(readdirSync(join(dir, 'recurrent-demo')).filter((f) => !f.endsWith('.bin')).sort(), ['history.json', 'labels.json', 'loss.svg', 'model.json', 'tokenizer.json']);

  const lines = ['message,tag'];
  for (let i = 0; i < 200; i++) lines.push(i % 2 ? `"great, truly great ${i}",yes` : `awful and dull ${i},no`);
  writeFileSync(join(dir, 'mine.csv'), `${lines.join('\n')}\n`);
  const csv = spawnSync(process.execPath, [CLI, 'train', 'mine.csv', '--epochs', '3'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  t.is(csv.status, 0, csv.stderr);
  t.regex(csv.stdout, /200 texts, 2 classes \(no, yes\)/);
  t.true(existsSync(join(dir, 'recurrent-mine', 'model.json')));
  t.deepEqual(JSON.parse(readFileSync(join(dir, 'recurrent-mine', 'labels.json'), 'utf8')), ['no', 'yes']);
});

test('a model trained by recurrent train loads back with loadModel', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-train-load-'));
  const r = spawnSync(process.execPath, [CLI, 'train', 'demo', '--epochs', '1', '--out', 'm'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  const model = await loadModel(join(dir, 'm'));
  const { maxlen } = JSON.parse(readFileSync(join(dir, 'm', 'tokenizer.json'), 'utf8')) as { maxlen: number };
  t.is(model.inputs[0].shape[0], maxlen);
});

test('plot: input, -o/--output, default output name, metrics', (t) => {
  t.deepEqual(parseCommandLine(['plot', 'history.json', '-o', 'loss.svg']), { command: 'plot', input: 'history.json', output: 'loss.svg' });
  t.deepEqual(parseCommandLine(['plot', '--output=out.svg', 'h.json']), { command: 'plot', input: 'h.json', output: 'out.svg' });
  t.deepEqual(parseCommandLine(['plot', 'runs/h.json']), { command: 'plot', input: 'runs/h.json', output: 'runs/h.svg' });
  t.deepEqual(parseCommandLine(['plot', 'h.json', '--metrics', 'loss,accuracy']), {
    command: 'plot',
    input: 'h.json',
    output: 'h.svg',
    metrics: ['loss', 'accuracy'],
  });
  t.throws(() => parseCommandLine(['plot']), { instanceOf: UsageError, message: /which history file/ });
  t.throws(() => parseCommandLine(['plot', 'h.json', '-o']), { instanceOf: UsageError, message: /-o needs a file name/ });
  t.throws(() => parseCommandLine(['plot', 'h.json', '--metrics', ',']), { instanceOf: UsageError, message: /--metrics needs names/ });
});

test('help, info and unknown commands', (t) => {
  t.deepEqual(parseCommandLine([]), { command: 'help' });
  t.deepEqual(parseCommandLine(['--help']), { command: 'help' });
  t.deepEqual(parseCommandLine(['info', '--json']), { command: 'info', json: true });
  t.throws(() => parseCommandLine(['fly']), { instanceOf: UsageError, message: /unknown command 'fly'/ });
});

test('recurrent plot writes the SVG of a saved history; usage errors exit with 2', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-cli-'));
  const input = join(dir, 'history.json');
  writeFileSync(input, JSON.stringify({ epoch: [0, 1, 2, 3], history: { loss: [1, 0.6, 0.4, 0.3], val_loss: [1.1, null, 0.5, 0.45] } }));
  const out = execFileSync(process.execPath, [CLI, 'plot', input, '-o', join(dir, 'loss.svg')], { encoding: 'utf8' });
  t.regex(out, /wrote .*loss\.svg/);
  const svg = readFileSync(join(dir, 'loss.svg'), 'utf8');
  t.true(svg.startsWith('<svg') && svg.includes('class="series train"') && svg.includes('class="series validation"'));

  // Without a usable GPU, --backend cuda stops before any data is read, saying why.
  if (cudaStatus().binding) return t.log('a CUDA device is in use: the no-GPU message is not checked here');
  const gpu = spawnSync(process.execPath, [CLI, 'train', 'spam', '--backend', 'cuda'], { encoding: 'utf8' });
  t.is(gpu.status, 1);
  t.regex(gpu.stderr, /train --backend cuda: the CUDA backend cannot run here: (no NVIDIA GPU found|no CUDA build of recurrent is installed)/);
});
