// recurrent: recurrent neural networks for Node.js.
export { getIsa, setIsa, getNumThreads, setNumThreads, info } from './runtime';
export type { Info } from './runtime';
export type { Isa, RuntimeInfo, CudaDeviceInfo } from './native';
export { NativeLoadError } from './native';
export * as ops from './ops';
export type { RnnLayerArgs, RnnLayerResult, RnnCell, RnnActivation, SgemmArgs } from './native';
export * as data from './data/index';
