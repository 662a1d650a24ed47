// History.plot and historySvg: a well-formed SVG with a chart per metric, a path per series,
// labelled axes and a legend; missing values (NaN, null from JSON) break lines, never the file.
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { History, historySvg } from '../lib/index';
import { formatTick, niceTicks, type HistoryData } from '../lib/training/plot';

/** Throws unless every tag is closed in order (the SVG we write has no comments, CDATA or entities beyond &amp; &lt; &gt; &quot;). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  const stray = svg.replace(/<[^>]*>/g, '').match(/&(?!amp;|lt;|gt;|quot;)|</);
  if (stray) throw new Error(`stray '${stray[0]}' in text`);
}

function history(rows: Record<string, number>[]): History {
  const h = new History({ epochs: rows.length, steps: 1, samples: 1, batchSize: 1, verbose: 0 });
  rows.forEach((logs, i) => h.record(i, logs));
  return h;
}

const count = (s: string, needle: string) => s.split(needle).length - 1;

test('one chart per metric, a path for the training and the validation series, axes and legend', (t) => {
  const h = history([
    { loss: 0.7, accuracy: 0.5, val_loss: 0.6, val_accuracy: 0.6 },
    { loss: 0.4, accuracy: 0.8, val_loss: 0.45, val_accuracy: 0.75 },
    { loss: 0.2, accuracy: 0.92, val_loss: 0.3, val_accuracy: 0.88 },
  ]);
  const svg = historySvg(h);
  t.notThrows(() => assertWellFormed(svg));
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.is(count(svg, '<g class="panel"'), 2);
  t.true(svg.includes('data-metric="loss"') && svg.includes('data-metric="accuracy"'));
  t.is(count(svg, 'class="series train"'), 2);
  t.is(count(svg, 'class="series validation"'), 2);
  t.is(count(svg, 'class="x-label"'), 2);
  t.regex(svg, /class="y-label"[^>]*>loss</);
  t.regex(svg, /class="y-label"[^>]*>accuracy</);
  t.is(count(svg, '>train</text>'), 2);
  t.is(count(svg, '>validation</text>'), 2);
  // Epochs are shown from 1, as the progress bar counts them.
  for (const e of ['1', '2', '3']) t.regex(svg, new RegExp(`text-anchor="middle" font-size="11">${e}</text>`));
  // Three points per series: M then two L.
  const d = /class="series train" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  t.is(d.split(/[ML]/).filter(Boolean).length, 3);
  t.false(svg.includes('NaN'));
});

test('the metrics option picks charts; an unknown metric names the known ones', (t) => {
  const h = history([{ loss: 1, accuracy: 0.5 }, { loss: 0.5, accuracy: 0.7 }]);
  const svg = historySvg(h, { metrics: ['loss'] });
  t.is(count(svg, '<g class="panel"'), 1);
  t.false(svg.includes('data-metric="accuracy"'));
  t.throws(() => historySvg(h, { metrics: ['mae'] }), { message: /no metric 'mae'.*loss, accuracy/ });
});

test('NaN and null break a line; a missing or empty validation series still gives a valid picture', (t) => {
  const h = history([
    { loss: 1, val_loss: 1.1 },
    { loss: 0.8, val_loss: NaN },
    { loss: 0.6, val_loss: 0.9 },
    { loss: 0.5, val_loss: 0.85 },
  ]);
  const svg = historySvg(h);
  assertWellFormed(svg);
  t.false(svg.includes('NaN'));
  // Validation: a lone point at epoch 1, then a path over epochs 3-4.
  t.is(count(svg, 'class="series validation"'), 1);
  const json = JSON.parse(JSON.stringify(h)) as HistoryData;
  t.is(json.history.val_loss[1], null);
  t.is(historySvg(json), svg);

  const trainOnly = historySvg(history([{ loss: 1 }, { loss: 0.5 }]));
  assertWellFormed(trainOnly);
  t.is(count(trainOnly, 'class="series validation"'), 0);
  t.false(trainOnly.includes('>validation</text>'));

  const allMissing = historySvg({ epoch: [0, 1], history: { loss: [NaN, NaN] } });
  assertWellFormed(allMissing);
  t.true(allMissing.includes('no values'));

  const single = historySvg(history([{ loss: 0.3, val_loss: 0.3 }]));
  assertWellFormed(single);
  t.false(single.includes('NaN'));
});

test('metric names are escaped', (t) => {
  const svg = historySvg({ epoch: [0, 1], history: { 'a<b&c': [1, 2] } });
  assertWellFormed(svg);
  t.true(svg.includes('a&lt;b&amp;c'));
});

test('History.save and History.plot write JSON and SVG files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-plot-'));
  const h = history([{ loss: 1, val_loss: 2 }, { loss: 0.5, val_loss: 1 }]);
  h.save(join(dir, 'history.json'));
  const saved = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
  t.deepEqual(saved.epoch, [0, 1]);
  t.deepEqual(saved.history, { loss: [1, 0.5], val_loss: [2, 1] });
  t.is(saved.params.epochs, 2);
  h.plot(join(dir, 'loss.svg'), { metrics: ['loss'] });
  t.is(readFileSync(join(dir, 'loss.svg'), 'utf8'), historySvg(h, { metrics: ['loss'] }));
});

test('niceTicks: round steps covering the range; formatTick without float noise', (t) => {
  t.deepEqual(niceTicks(0.011, 0.35, 5).ticks, [0, 0.1, 0.2, 0.3, 0.4]);
  t.deepEqual(niceTicks(0.85, 0.998, 5).ticks, [0.85, 0.9, 0.95, 1]);
  t.deepEqual(niceTicks(2, 2).ticks.length > 1, true);
  t.is(formatTick(0.30000000000000004, 0.1), '0.3');
  t.is(formatTick(0.95, 0.05), '0.95');
  t.is(formatTick(12000, 2000), '12000');
  t.is(formatTick(1e-6, 1e-6), '1.0e-6');
});
