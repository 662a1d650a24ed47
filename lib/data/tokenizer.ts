// Tokenizer: Keras's (legacy `keras.preprocessing.text`) Tokenizer, including its JSON.

/** Keras's default `filters`: punctuation, tab and newline. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface TextToWordSequenceOptions {
  filters?: string;
  lower?: boolean;
  split?: string;
}

/**
 * Keras `text_to_word_sequence`: lower-case, replace every filter character by `split`,
 * split on `split` and drop empty pieces.
 */
export function textToWordSequence(text: string, options: TextToWordSequenceOptions = {}): string[] {
  const { filters = DEFAULT_FILTERS, lower = true, split = ' ' } = options;
  if (typeof text !== 'string') throw new TypeError(`textToWordSequence: text must be a string, received ${typeof text}`);
  if (split.length === 0) throw new RangeError('textToWordSequence: split must not be empty');
  let s = lower ? text.toLowerCase() : text;
  if (filters.length > 0) {
    const drop = new Set(filters);
    let out = '';
    for (const ch of s) out += drop.has(ch) ? split : ch;
    s = out;
  }
  return s.split(split).filter((w) => w.length > 0);
}

export interface TokenizerOptions {
  /** Keep only indices below numWords (the numWords - 1 most frequent words) when converting. */
  numWords?: number | null;
  /** Characters removed from texts (ignored when charLevel). Default: Keras's punctuation set. */
  filters?: string;
  lower?: boolean;
  split?: string;
  /** Every character is a token; filters are not applied (as in Keras). */
  charLevel?: boolean;
  /** Token for out-of-vocabulary words; it gets index 1. */
  oovToken?: string | null;
}

/** The JSON Keras writes with `Tokenizer.to_json()` and reads with `tokenizer_from_json`. */
export interface TokenizerJSON {
  class_name: 'Tokenizer';
  config: {
    num_words: number | null;
    filters: string;
    lower: boolean;
    split: string;
    char_level: boolean;
    oov_token: string | null;
    document_count: number;
    /** JSON-encoded objects, as Keras stores them. */
    word_counts: string;
    word_docs: string;
    index_docs: string;
    index_word: string;
    word_index: string;
  };
}

/**
 * Text tokenization with Keras semantics:
 * - indices start at 1 and follow word frequency, ties broken by first occurrence;
 *   0 is never assigned (it is the padding value);
 * - `oovToken`, when set, gets index 1 and unknown words map to it; without it they are dropped;
 * - `numWords` is applied when converting, not when fitting: indices >= numWords are
 *   dropped (or mapped to the OOV index), while `wordIndex` keeps every word seen;
 * - with `charLevel`, texts are split into characters (lower-cased if `lower`), unfiltered.
 *
 * `JSON.stringify(tokenizer)` writes the same JSON as Keras's `to_json()`, and
 * `Tokenizer.fromJSON` reads Keras's, so a vocabulary can move between Python and Node.
 */
export class Tokenizer {
  readonly numWords: number | null;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | null;
  /** Number of texts fitted so far. */
  documentCount = 0;
  /** Occurrences of each word, in order of first appearance. */
  wordCounts = new Map<string, number>();
  /** Number of texts each word appears in. */
  wordDocs = new Map<string, number>();
  wordIndex = new Map<string, number>();
  indexWord = new Map<number, string>();

  constructor(options: TokenizerOptions = {}) {
    const {
      numWords = null,
      filters = DEFAULT_FILTERS,
      lower = true,
      split = ' ',
      charLevel = false,
      oovToken = null,
    } = options;
    if (numWords !== null && (!Number.isInteger(numWords) || numWords < 0)) {
      throw new RangeError(`Tokenizer: numWords must be a non-negative integer or null, received ${String(numWords)}`);
    }
    if (typeof filters !== 'string') throw new TypeError('Tokenizer: filters must be a string');
    if (typeof split !== 'string' || split.length === 0) throw new TypeError('Tokenizer: split must be a non-empty string');
    if (oovToken !== null && typeof oovToken !== 'string') throw new TypeError('Tokenizer: oovToken must be a string or null');
    this.numWords = numWords;
    this.filters = filters;
    this.lower = lower;
    this.split = split;
    this.charLevel = charLevel;
    this.oovToken = oovToken;
  }

  /** Splits one text (or takes a pre-split token list) the way fitting and conversion do. */
  private tokens(text: string | readonly string[], where: string): string[] {
    if (Array.isArray(text)) {
      return text.map((w: unknown) => {
        if (typeof w !== 'string') throw new TypeError(`Tokenizer.${where}: token lists must hold strings`);
        return this.lower ? w.toLowerCase() : w;
      });
    }
    if (typeof text !== 'string') {
      throw new TypeError(`Tokenizer.${where}: each text must be a string or a list of strings, received ${typeof text}`);
    }
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    return textToWordSequence(text, { filters: this.filters, lower: this.lower, split: this.split });
  }

  /** Updates the vocabulary from texts (strings, or lists of tokens as Keras also accepts). */
  fitOnTexts(texts: readonly (string | readonly string[])[]): void {
    for (const text of texts) {
      const seq = this.tokens(text, 'fitOnTexts');
      this.documentCount++;
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    // Array.prototype.sort is stable, so equal counts keep first-occurrence order (as Python's sort).
    const byCount = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]);
    const vocabulary = this.oovToken === null ? [] : [this.oovToken];
    for (const [w] of byCount) vocabulary.push(w);
    // Python's dict(zip(...)): a word listed twice (the OOV token also seen in the texts) keeps its last index.
    this.wordIndex = new Map();
    vocabulary.forEach((w, i) => this.wordIndex.set(w, i + 1));
    this.indexWord = new Map();
    for (const [w, i] of this.wordIndex) this.indexWord.set(i, w);
  }

  /** Index of the OOV token, or undefined without one. */
  private oovIndex(): number | undefined {
    return this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
  }

  /** Converts texts to lists of word indices. */
  textsToSequences(texts: readonly (string | readonly string[])[]): number[][] {
    const oov = this.oovIndex();
    const limit = this.numWords;
    return texts.map((text) => {
      const out: number[] = [];
      for (const w of this.tokens(text, 'textsToSequences')) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && !(limit && i >= limit)) out.push(i);
        else if (oov !== undefined) out.push(oov);
      }
      return out;
    });
  }

  /** Converts index lists back to texts (tokens joined by a space, also at character level, as Keras). */
  sequencesToTexts(sequences: readonly ArrayLike<number>[]): string[] {
    const oov = this.oovIndex();
    const oovWord = oov === undefined ? undefined : this.indexWord.get(oov);
    const limit = this.numWords;
    return sequences.map((seq) => {
      const words: string[] = [];
      for (let k = 0; k < seq.length; k++) {
        const i = seq[k];
        const w = this.indexWord.get(i);
        if (w !== undefined && !(limit && i >= limit)) words.push(w);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      return words.join(' ');
    });
  }

  /** Keras's `to_json()` structure; JSON.stringify(tokenizer) gives Keras's JSON text. */
  toJSON(): TokenizerJSON {
    const indexDocs = new Map<number, number>();
    for (const [w, c] of this.wordDocs) {
      const i = this.wordIndex.get(w);
      if (i !== undefined) indexDocs.set(i, c);
    }
    return {
      class_name: 'Tokenizer',
      config: {
        num_words: this.numWords,
        filters: this.filters,
        lower: this.lower,
        split: this.split,
        char_level: this.charLevel,
        oov_token: this.oovToken,
        document_count: this.documentCount,
        word_counts: orderedJSON(this.wordCounts),
        word_docs: orderedJSON(this.wordDocs),
        index_docs: orderedJSON(indexDocs),
        index_word: orderedJSON(this.indexWord),
        word_index: orderedJSON(this.wordIndex),
      },
    };
  }

  /** Reads what toJSON (or Keras's `to_json()`) wrote: a JSON string or the parsed object. */
  static fromJSON(json: string | TokenizerJSON): Tokenizer {
    const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : json;
    const config = (parsed as TokenizerJSON | null)?.config;
    if ((parsed as TokenizerJSON | null)?.class_name !== 'Tokenizer' || typeof config !== 'object' || config === null) {
      throw new TypeError("Tokenizer.fromJSON: expected { class_name: 'Tokenizer', config: {...} }");
    }
    const t = new Tokenizer({
      numWords: config.num_words ?? null,
      filters: config.filters,
      lower: config.lower,
      split: config.split,
      charLevel: config.char_level,
      oovToken: config.oov_token ?? null,
    });
    t.documentCount = config.document_count ?? 0;
    t.wordCounts = numberEntries(config.word_counts, 'word_counts');
    t.wordDocs = numberEntries(config.word_docs, 'word_docs');
    t.wordIndex = new Map([...numberEntries(config.word_index, 'word_index')].sort((a, b) => a[1] - b[1]));
    const indexWord = parseObject(config.index_word, 'index_word');
    t.indexWord = new Map();
    for (const [k, w] of Object.entries(indexWord)) {
      if (typeof w !== 'string' || !/^\d+$/.test(k)) throw new TypeError('Tokenizer.fromJSON: index_word must map indices to words');
      t.indexWord.set(Number(k), w);
    }
    return t;
  }
}

function orderedJSON<K extends string | number>(map: Map<K, string | number>): string {
  // Built by hand so the key order of the Map survives (a JS object would move numeric keys first).
  const parts: string[] = [];
  for (const [k, v] of map) parts.push(`${JSON.stringify(String(k))}: ${JSON.stringify(v)}`);
  return `{${parts.join(', ')}}`;
}

function parseObject(value: unknown, name: string): Record<string, unknown> {
  const o: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new TypeError(`Tokenizer.fromJSON: ${name} must be a JSON object`);
  }
  return o as Record<string, unknown>;
}

// JSON.parse moves integer-like keys ("1984") to the front, so after a round trip such words lose
// their first-occurrence place in wordCounts; that only matters for ties if fitting continues.
function numberEntries(value: unknown, name: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(parseObject(value, name))) {
    if (typeof v !== 'number') throw new TypeError(`Tokenizer.fromJSON: ${name} must map to numbers`);
    m.set(k, v);
  }
  return m;
}
