// The command line: parsing of `train` and `plot` (no training here), and `plot` end to end.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, UsageError } from '../bin/recurrent';

const CLI = join(__dirname, '..', 'bin', 'recurrent.js');

test('train spam: defaults and flags in both spellings', (t) => {
  t.deepEqual(parseCommandLine(['train', 'spam']), { command: 'train', task: 'spam', backend: 'cpu' });
  t.deepEqual(parseCommandLine(['train', 'spam', '--epochs', '3', '--backend', 'cpu', '--threads', '2']), {
    command: 'train',
    task: 'spam',
    backend: 'cpu',
    epochs: 3,
    threads: 2,
  });
  t.deepEqual(parseCommandLine(['train', '--epochs=2', 'spam']), { command: 'train', task: 'spam', backend: 'cpu', epochs: 2 });
});

test('train: bad command lines are usage errors that say what is wrong', (t) => {
  const fails = (argv: string[], message: RegExp) => t.throws(() => parseCommandLine(argv), { instanceOf: UsageError, message });
  fails(['train'], /which task\? \(spam\)/);
  fails(['train', 'imdb'], /unknown task 'imdb'/);
  fails(['train', 'spam', '--backend', 'cuda'], /CUDA training is not implemented yet/);
  fails(['train', 'spam', '--backend', 'tpu'], /--backend must be 'cpu'/);
  fails(['train', 'spam', '--epochs', '0'], /--epochs must be a positive integer, received '0'/);
  fails(['train', 'spam', '--epochs', '1.5'], /positive integer/);
  fails(['train', 'spam', '--epochs'], /--epochs needs a value/);
  fails(['train', 'spam', '--threads', 'two'], /--threads must be a positive integer/);
  fails(['train', 'spam', '--lr', '0.1'], /unknown option '--lr'/);
  fails(['train', 'spam', '--epochs', '2', '--epochs', '3'], /given twice/);
  fails(['train', 'spam', 'extra'], /unexpected argument 'extra'/);
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

  const cuda = spawnSync(process.execPath, [CLI, 'train', 'spam', '--backend', 'cuda'], { encoding: 'utf8' });
  t.is(cuda.status, 2);
  t.regex(cuda.stderr, /CUDA training is not implemented yet; use --backend cpu/);
});
