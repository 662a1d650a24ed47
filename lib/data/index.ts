// recurrent's data layer: preprocessing (Keras semantics) and dataset loaders.
// Loaders require their dataset packages on call, so importing this module stays cheap.
export type { DataTensor } from './tensor';
export { padSequences } from './pad_sequences';
export type { PadSequencesOptions } from './pad_sequences';
export { Tokenizer, textToWordSequence, DEFAULT_FILTERS } from './tokenizer';
export type { TokenizerOptions, TokenizerJSON, TextToWordSequenceOptions } from './tokenizer';
export { toCategorical } from './to_categorical';
export { trainTestSplit } from './train_test_split';
export type { Splittable, SplitOptions, Split, SplitIndices } from './train_test_split';
export { bucketByLength } from './bucket_by_length';
export type { BucketByLengthOptions } from './bucket_by_length';
export { timeseriesDataset } from './timeseries_dataset';
export type { TimeseriesDatasetOptions, TimeseriesDataset, TimeseriesBatch } from './timeseries_dataset';
export { loadSpamAssassin } from './spam_assassin';
export type { LabelledTexts, SpamAssassinOptions } from './spam_assassin';
export { loadMobyDick } from './moby_dick';
export type { MobyDickOptions, MobyDickText } from './moby_dick';
export { loadCmuDict } from './cmudict';
export type { CmuDictOptions, Pronunciations } from './cmudict';
export { loadUsBirths } from './us_births';
export type { BirthSeries } from './us_births';
export { loadImdbNpz } from './imdb';
export type { ImdbData } from './imdb';
export { readNpy } from './npy';
export type { NpyArray } from './npy';
export { loadGlove } from './glove';
export type { LoadGloveOptions, GloveEmbedding } from './glove';
