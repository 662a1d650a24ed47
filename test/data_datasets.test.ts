// Dataset loaders: documented sizes, splits, labels; loading stays lazy.
import test from 'ava';
import * as childProcess from 'node:child_process';
import * as path from 'node:path';

import { data } from '../lib/index';
import { packageRoot } from '../lib/native';

const sum = (a: Int32Array) => a.reduce((s, v) => s + v, 0);

test('importing recurrent does not load any dataset package', (t) => {
  const entry = path.join(packageRoot, 'dist', 'lib', 'index.js');
  const script = `require(${JSON.stringify(entry)}); console.log(Object.keys(require.cache).filter((k) => k.includes('datasets-')).length)`;
  t.is(childProcess.execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim(), '0');
});

test('loadSpamAssassin: 6,046 messages, 1,896 spam, seeded 80/20 split', (t) => {
  const { train, test: testPart } = data.loadSpamAssassin();
  t.is(train.texts.length, 4837);
  t.is(testPart.texts.length, 1209);
  t.is(train.labels.length, 4837);
  t.is(sum(train.labels) + sum(testPart.labels), 1896);
  t.true(train.labels.every((l) => l === 0 || l === 1));
  t.true(train.texts.every((x) => typeof x === 'string' && x.length > 0));
  const again = data.loadSpamAssassin();
  t.is(again.test.texts[0], testPart.texts[0], 'the same split every time');
  const other = data.loadSpamAssassin({ testFraction: 0.5, seed: 3 });
  t.is(other.test.texts.length, 3023);
});

test('loadMobyDick: the whole book and a contiguous 10% validation tail', (t) => {
  const { text, train, validation } = data.loadMobyDick();
  t.is(text.length, 1213144);
  t.is(validation.length, 121314);
  t.is(train + validation, text);
  t.true(text.startsWith('CONTENTS'));
  t.regex(text, /Call me Ishmael\./);
  t.is(data.loadMobyDick({ validationFraction: 0 }).validation, '');
});

test('loadCmuDict: 133,784 pronunciations, split by distinct word', (t) => {
  const { train, test: testPart, symbols } = data.loadCmuDict();
  t.is(train.words.length + testPart.words.length, 133784);
  t.is(testPart.words.length, 13356);
  t.is(train.phonemes.length, train.words.length);
  const trainWords = new Set(train.words);
  const testWords = new Set(testPart.words);
  t.is(trainWords.size + testWords.size, 125005);
  t.is(testWords.size, 12501);
  t.false([...testWords].some((w) => trainWords.has(w)), 'no word in both parts');
  t.is(symbols.length, 84);
  const symbolSet = new Set(symbols);
  t.true(train.phonemes.every((p) => p.length > 0 && p.every((s) => symbolSet.has(s))));
  const i = train.words.indexOf('hello');
  const j = testPart.words.indexOf('hello');
  const hello = i >= 0 ? train.phonemes[i] : testPart.phonemes[j];
  t.deepEqual(hello, ['HH', 'AH0', 'L', 'OW1']);
});

test('loadUsBirths: 7,305 days 1969-1988, chronological split', (t) => {
  const { all, train, validation, test: testPart } = data.loadUsBirths();
  t.is(all.dates.length, 7305);
  t.is(all.births.length, 7305);
  t.is(all.dates[0], '1969-01-01');
  t.is(all.births[0], 8486);
  t.is(all.dayOfWeek[0], 3, '1969-01-01 was a Wednesday');
  t.is(all.dates[7304], '1988-12-31');
  t.deepEqual([train.dates.length, validation.dates.length, testPart.dates.length], [5844, 730, 731]);
  t.is(train.dates.at(-1), '1984-12-31');
  t.is(validation.dates[0], '1985-01-01');
  t.is(testPart.dates[0], '1987-01-01');
  const w = data.timeseriesDataset(train.births, { sequenceLength: 28, targetOffset: 1 });
  t.deepEqual(w.inputs.shape, [5844 - 28, 28, 1]);
});
