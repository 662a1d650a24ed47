// Saving, loading and weight import/export (the `io` namespace; loadModel is also exported at the top level).
export { loadModel } from './load_model';
export type { LoadModelOptions } from './load_model';
export { importKerasWeights } from './keras_weights';
export { importSafetensors, exportSafetensors } from './safetensors_weights';
export type { ImportSafetensorsOptions } from './safetensors_weights';
export { parseSafetensors, serializeSafetensors } from './safetensors';
export type { NamedTensor, SafetensorsContents } from './safetensors';
