// Saving, loading and weight import/export (the `io` namespace; loadModel is also exported at the top level).
export { loadModel } from './load_model';
export type { LoadModelOptions } from './load_model';
export { importKerasWeights } from './keras_weights';
export { readKeras3Weights, writeKeras3Weights } from './keras3_weights_file';
export type { Keras3LayerWeights, Keras3Variable, Keras3WeightsToWrite } from './keras3_weights_file';
export { readKeras2Weights } from './keras2_weights_file';
export type { Keras2LayerWeights, Keras2Weight } from './keras2_weights_file';
export type { Hdf5ReadOptions } from './hdf5_file';
export { importSafetensors, exportSafetensors } from './safetensors_weights';
export type { ImportSafetensorsOptions } from './safetensors_weights';
export { parseSafetensors, serializeSafetensors } from './safetensors';
export type { NamedTensor, SafetensorsContents } from './safetensors';
