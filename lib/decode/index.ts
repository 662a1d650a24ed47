// Decoding a sequence-to-sequence model: greedy, sampled, or by beam search, over an
// encoder model and a one-step decoder model with carried states (the `decode` namespace).
export { greedy, sample } from './greedy';
export type { SampleOptions } from './greedy';
export { beamSearch, lengthPenalty } from './beam_search';
export type { BeamSearchOptions, BeamSearchResult, Hypothesis } from './beam_search';
export type { Decoded, DecodeOptions, Seq2SeqModels } from './step_decoder';
