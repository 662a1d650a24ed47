// The demo data of `recurrent train demo`: short reviews made from templates with a seeded
// generator, labelled by the sentiment of their last clause ("the plot was dull but the music
// was great" is positive, "... but the music was not great" negative). Which clause comes last
// and whether "not" stands before its adjective decide the label, so word counts alone cannot
// learn it and a recurrent model can: a task with a known answer that needs no download.
import { seededRandom } from '../lib/data/seeded_random';

const SUBJECTS = ['the movie', 'the film', 'the plot', 'the acting', 'the ending', 'the music', 'this book', 'the story', 'the cast', 'the script'];
const VERBS = ['was', 'is', 'felt', 'seemed', 'looked'];
const INTENSIFIERS = ['', '', 'really', 'very', 'quite', 'truly'];
const POSITIVE = ['good', 'great', 'wonderful', 'fun', 'moving', 'clever', 'beautiful', 'charming'];
const NEGATIVE = ['bad', 'boring', 'awful', 'dull', 'weak', 'clumsy', 'slow', 'silly'];

export interface LabelledTexts {
  texts: string[];
  /** 1 = positive, 0 = negative. */
  labels: number[];
}

function clause(rng: () => number): { text: string; positive: boolean } {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rng() * a.length)];
  const goodWord = rng() < 0.5;
  const negated = rng() < 0.3;
  const words = [pick(SUBJECTS), pick(VERBS), negated ? 'not' : '', pick(INTENSIFIERS), pick(goodWord ? POSITIVE : NEGATIVE)];
  return { text: words.filter((w) => w.length > 0).join(' '), positive: goodWord !== negated };
}

/** `count` reviews of one or two clauses (joined by "but" or "and"), from `seed`. */
export function demoReviews(count: number, seed: number): LabelledTexts {
  const rng = seededRandom(seed);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const first = clause(rng);
    if (rng() < 0.6) {
      const second = clause(rng);
      texts.push(`${first.text} ${rng() < 0.7 ? 'but' : 'and'} ${second.text}`);
      labels.push(second.positive ? 1 : 0);
    } else {
      texts.push(first.text);
      labels.push(first.positive ? 1 : 0);
    }
  }
  return { texts, labels };
}
