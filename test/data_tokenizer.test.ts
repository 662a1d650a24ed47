// Tokenizer against Keras's (legacy keras.preprocessing.text) Tokenizer semantics and JSON.
import test from 'ava';

import { data } from '../lib/index';

const { Tokenizer, textToWordSequence } = data;

test('textToWordSequence: lower-case, default filters, split, empty pieces dropped', (t) => {
  t.deepEqual(textToWordSequence('Hello, World!  Foo-bar\tbaz\n'), ['hello', 'world', 'foo', 'bar', 'baz']);
  t.deepEqual(textToWordSequence('A,B', { lower: false, filters: '' }), ['A,B']);
  t.deepEqual(textToWordSequence('a;b;;c', { split: ';', filters: '' }), ['a', 'b', 'c']);
  t.deepEqual(textToWordSequence("don't stop"), ["don't", 'stop'], "the apostrophe is not a default filter");
});

test('fitOnTexts: indices from 1 by frequency, ties by first occurrence; counts and documents', (t) => {
  const tok = new Tokenizer();
  tok.fitOnTexts(['The cat sat on the mat.', 'The dog ate my homework!', 'cat']);
  t.is(tok.documentCount, 3);
  // the: 3, cat: 2, then count-1 words in order of first appearance
  t.deepEqual([...tok.wordIndex], [
    ['the', 1], ['cat', 2], ['sat', 3], ['on', 4], ['mat', 5], ['dog', 6], ['ate', 7], ['my', 8], ['homework', 9],
  ]);
  t.is(tok.indexWord.get(2), 'cat');
  t.is(tok.wordCounts.get('the'), 3);
  t.is(tok.wordDocs.get('the'), 2);
  t.is(tok.wordDocs.get('cat'), 2);
  t.deepEqual(tok.textsToSequences(['the cat ate a fish']), [[1, 2, 7]], 'unknown words dropped without oovToken');
  t.deepEqual(tok.sequencesToTexts([[1, 2, 7, 42, 0]]), ['the cat ate'], 'unknown indices and 0 dropped');
  tok.fitOnTexts(['dog dog dog']);
  t.is(tok.wordIndex.get('dog'), 1, 'fitting again continues the counts');
  t.is(tok.documentCount, 4);
});

test('oovToken gets index 1 and catches unknown words both ways', (t) => {
  const tok = new Tokenizer({ oovToken: '<OOV>' });
  tok.fitOnTexts(['b a b', 'c']);
  t.deepEqual([...tok.wordIndex], [['<OOV>', 1], ['b', 2], ['a', 3], ['c', 4]]);
  t.deepEqual(tok.textsToSequences(['a z b']), [[3, 1, 2]]);
  t.deepEqual(tok.sequencesToTexts([[3, 99, 2]]), ['a <OOV> b']);
});

test('numWords keeps indices below numWords when converting; the index keeps every word', (t) => {
  const texts = ['a a a b b c', 'd'];
  const cut = new Tokenizer({ numWords: 3 });
  cut.fitOnTexts(texts);
  t.is(cut.wordIndex.size, 4);
  t.deepEqual(cut.textsToSequences(['a b c d']), [[1, 2]]);
  t.deepEqual(cut.sequencesToTexts([[1, 2, 3, 4]]), ['a b']);
  const withOov = new Tokenizer({ numWords: 3, oovToken: '?' });
  withOov.fitOnTexts(texts);
  // ? = 1, a = 2, b = 3 (>= 3: cut), so only a survives and the rest map to ?
  t.deepEqual(withOov.textsToSequences(['a b c zz']), [[2, 1, 1, 1]]);
  t.deepEqual(withOov.sequencesToTexts([[2, 3, 4]]), ['a ? ?']);
  const zero = new Tokenizer({ numWords: 0 });
  zero.fitOnTexts(texts);
  t.deepEqual(zero.textsToSequences(['d']), [[4]], 'numWords 0 means no limit, as in Keras (falsy)');
});

test('charLevel: characters are tokens, lower-cased, not filtered; texts rejoin with spaces as Keras', (t) => {
  const tok = new Tokenizer({ charLevel: true });
  tok.fitOnTexts(['Abba!', 'b a']);
  // a and b both appear 3 times: a came first
  t.deepEqual([...tok.wordIndex], [['a', 1], ['b', 2], ['!', 3], [' ', 4]]);
  t.deepEqual(tok.textsToSequences(['AB?']), [[1, 2]]);
  t.deepEqual(tok.sequencesToTexts([[2, 1]]), ['b a']);
  const keepCase = new Tokenizer({ charLevel: true, lower: false });
  keepCase.fitOnTexts(['Aa']);
  t.is(keepCase.wordIndex.size, 2);
});

test('token lists are taken as already split, as Keras does', (t) => {
  const tok = new Tokenizer();
  tok.fitOnTexts([['New York', 'is', 'big'], ['new york']]);
  t.is(tok.wordIndex.get('new york'), 1);
  t.deepEqual(tok.textsToSequences([['NEW YORK', 'big']]), [[1, 3]]);
});

test('JSON round trip, in the shape of Keras to_json / tokenizer_from_json', (t) => {
  const tok = new Tokenizer({ numWords: 10, oovToken: '<unk>', filters: '!.', split: ' ' });
  tok.fitOnTexts(['Hello world. 1984!', 'hello again', '1984 1984']);
  const json = JSON.stringify(tok);
  const parsed = JSON.parse(json) as data.TokenizerJSON;
  t.is(parsed.class_name, 'Tokenizer');
  t.is(parsed.config.num_words, 10);
  t.is(parsed.config.oov_token, '<unk>');
  t.is(parsed.config.document_count, 3);
  t.is(typeof parsed.config.word_index, 'string', 'Keras stores the maps as JSON strings');
  t.deepEqual(JSON.parse(parsed.config.index_docs), { '2': 2, '3': 2, '4': 1, '5': 1 });
  const back = Tokenizer.fromJSON(json);
  t.deepEqual(back.wordIndex, tok.wordIndex);
  t.deepEqual(back.indexWord, tok.indexWord);
  t.deepEqual(back.wordCounts.get('1984'), 3);
  t.is(back.numWords, 10);
  t.is(back.filters, '!.');
  t.deepEqual(back.textsToSequences(['hello mars 1984']), tok.textsToSequences(['hello mars 1984']));
  t.deepEqual(Tokenizer.fromJSON(parsed).wordIndex, tok.wordIndex, 'the parsed object works too');
});

test('fromJSON reads a Keras-written tokenizer', (t) => {
  // json.dumps of keras Tokenizer(oov_token='<OOV>').fit_on_texts(['the cat', 'the hat']).to_json()
  const keras =
    '{"class_name": "Tokenizer", "config": {"num_words": null, "filters": "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n", ' +
    '"lower": true, "split": " ", "char_level": false, "oov_token": "<OOV>", "document_count": 2, ' +
    '"word_counts": "{\\"the\\": 2, \\"cat\\": 1, \\"hat\\": 1}", "word_docs": "{\\"cat\\": 1, \\"the\\": 2, \\"hat\\": 1}", ' +
    '"index_docs": "{\\"3\\": 1, \\"2\\": 2, \\"4\\": 1}", "index_word": "{\\"1\\": \\"<OOV>\\", \\"2\\": \\"the\\", \\"3\\": \\"cat\\", \\"4\\": \\"hat\\"}", ' +
    '"word_index": "{\\"<OOV>\\": 1, \\"the\\": 2, \\"cat\\": 3, \\"hat\\": 4}"}}';
  const tok = Tokenizer.fromJSON(keras);
  t.is(tok.filters, data.DEFAULT_FILTERS);
  t.deepEqual(tok.textsToSequences(['The bat, the cat']), [[2, 1, 2, 3]]);
  t.deepEqual(tok.sequencesToTexts([[4, 3]]), ['hat cat']);
  t.throws(() => Tokenizer.fromJSON('{"class_name": "Other"}'), { message: /class_name: 'Tokenizer'/ });
});

test('bad input is a clear error', (t) => {
  t.throws(() => new Tokenizer({ numWords: -1 }), { message: /numWords/ });
  t.throws(() => new Tokenizer({ split: '' }), { message: /split/ });
  const tok = new Tokenizer();
  t.throws(() => tok.fitOnTexts([42 as unknown as string]), { message: /fitOnTexts: each text must be a string/ });
});
