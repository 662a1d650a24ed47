// recurrent: recurrent neural networks for Node.js.
export { getIsa, setIsa, getNumThreads, setNumThreads, info } from './runtime';
export type { Info } from './runtime';
export { getMemoryLimit, setMemoryLimit } from './memory_limit';
export type { Isa, RuntimeInfo, CudaDeviceInfo } from './native';
export { NativeLoadError } from './native';
export * as ops from './ops';
export type { RnnLayerArgs, RnnLayerResult, RnnCell, RnnActivation, SgemmArgs } from './native';
export * as data from './data/index';

// The Keras-style model API.
export * as layers from './layers/index';
export * as initializers from './initializers';
export * as regularizers from './regularizers';
export * as optimizers from './training/optimizers';
export * as losses from './training/losses';
export * as callbacks from './training/callbacks';
export { sequential, Sequential } from './models/sequential';
export { loadModel } from './io/load_model';
export * as io from './io/index';
export type { SaveOptions, SequentialConfig, CompileConfig, FitConfig, EvaluateConfig, PredictConfig, SummaryConfig, SampleWeightLike } from './models/sequential';
export { cpuBackend, createNativeModel } from './models/native_model';
export type { Backend } from './models/native_model';
export { Tensor, tensor, formatShape } from './tensor';
export type { DType, Shape, TensorLike, NestedNumbers } from './tensor';
export { History } from './training/history';
export type { HistoryParams } from './training/history';
export { historySvg, plotHistory } from './training/plot';
export type { HistoryData, PlotOptions } from './training/plot';
export type { Callback, Logs, TrainingModel } from './training/callbacks';
export { ProgressLogger } from './training/progress';
export type { ProgressStream, ProgressConfig } from './training/progress';
export type { MetricAlias } from './training/metrics';
export type { Initializer, InitializerName, InitializerLike } from './initializers';
export type { Regularizer, GraphSpec, LayerSpec, CompileSpec, StepArgs, StepResult, NativeModel, OptimizerSpec } from './graph_spec';
