// The one place that loads the native binaries and types their surface.
//
// CPU addon (recurrent.node): a local build (build/Release, made by `npm install` in a clone
// or by `recurrent build-from-source`), else the file of this platform's package
// (@recurrent/linux-x64, ...: lib/platform_package.ts). When neither loads, the error names
// the platform, architecture, libc, Node-API version, every path tried and what to do.
// CUDA addon (recurrent_cuda.node): tried only when an NVIDIA device node exists, first in
// a child process so that a broken driver or CUDA runtime cannot take this process down; on
// any failure we warn once and stay on the CPU.
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { CompileSpec, GraphSpec, NativeModel, NativeModelOptions } from './graph_spec';
import { detectLibc, platformPackage, type PlatformPackage } from './platform_package';

/**
 * Instruction-set levels of the CPU kernels, each including the ones before it. avx512bf16
 * and amx run the avx512 float32 kernels and add the bfloat16 GEMMs of mixedPrecision.
 */
export type Isa = 'scalar' | 'avx2' | 'avx512' | 'avx512bf16' | 'amx';

export interface RuntimeInfo {
  isa: Isa;
  isaAvailable: Isa[];
  isaBuilt: Isa[];
  threads: number;
  defaultThreads: number;
  cpu: string;
  napiVersion: number;
  /** Whether kernels run with denormals flushed to zero (see setFlushDenormals). */
  flushDenormals: boolean;
}

export interface SgemmArgs {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  transA?: boolean;
  transB?: boolean;
  lda?: number;
  ldb?: number;
  ldc?: number;
  alpha?: number;
  beta?: number;
  /** Use the plain triple-loop reference instead of the packed kernels. */
  reference?: boolean;
  /** 'bfloat16': operands rounded to bfloat16, float32 sums (alpha must be 1); see RnnLayerArgs. */
  mixedPrecision?: 'bfloat16';
}

/** op(B) packed once by packGemm for many sgemmPacked calls (an opaque native handle). */
export interface PackedGemmMatrix {
  readonly __brand: 'PackedGemmMatrix';
}

export interface PackGemmArgs {
  k: number;
  n: number;
  b: Float32Array;
  transB?: boolean;
  ldb?: number;
  /** 'bfloat16': packed as bfloat16 panels for the mixed-precision GEMM. */
  mixedPrecision?: 'bfloat16';
}

export interface SgemmPackedArgs {
  m: number;
  a: Float32Array;
  packed: PackedGemmMatrix;
  c: Float32Array;
  transA?: boolean;
  lda?: number;
  ldc?: number;
  alpha?: number;
  beta?: number;
}

export type ElementwiseOp = 'linear' | 'tanh' | 'sigmoid' | 'relu' | 'hardSigmoid' | 'exp' | 'log' | 'softmax';

export type RnnCell = 'simpleRnn' | 'lstm' | 'gru';
export type RnnActivation = 'linear' | 'tanh' | 'sigmoid' | 'relu' | 'hardSigmoid';

/**
 * Arguments of the whole-sequence recurrent layer op (semantics: native/kernels/rnn/rnn_layer.h;
 * checks: native/napi/rnn_arguments.h). B batch, T steps, I input, H units, G gates
 * (simpleRnn 1, gru 3, lstm 4). `T` is the data type: Float32Array for the fast paths,
 * Float64Array for the reference.
 */
export interface RnnLayerArgs<T extends Float32Array | Float64Array = Float32Array> {
  cell: RnnCell;
  batch: number;
  steps: number;
  input: number;
  units: number;
  /** Default 'tanh'. */
  activation?: RnnActivation;
  /** LSTM and GRU gates; default 'sigmoid'. */
  recurrentActivation?: RnnActivation;
  /** GRU; default true (bias [2, 3H]); false: bias [3H]. */
  resetAfter?: boolean;
  /** LSTM; needs peepholeWeights. */
  peephole?: boolean;
  goBackwards?: boolean;
  /** Truncated BPTT chunk length in steps; 0 (default): full BPTT. */
  truncateSteps?: number;
  /**
   * 'bfloat16': every matrix product takes bfloat16-rounded operands with float32 sums
   * (Keras's mixed_bfloat16); weights, states, gates and outputs stay float32. Needs AMX
   * or AVX512-BF16 (info().isaAvailable includes 'amx' or 'avx512bf16'); elsewhere the op
   * rejects with an error that says so. Omitted: float32 throughout.
   */
  mixedPrecision?: 'bfloat16';
  /** Default true: y is [B, T, H]; false: y is the final h [B, H] and dy is [B, H]. */
  returnSequences?: boolean;
  /** Default true; false skips dx (a first layer's input needs no gradient). */
  inputGradient?: boolean;
  x: T; // [B, T, I]
  h0?: T; // [B, H]
  c0?: T; // [B, H] (LSTM)
  /** [B, T], by input time; 1 = valid. */
  mask?: Uint8Array;
  /** [B, H] recurrent dropout mask (e.g. 0 or 1/(1-rate)), multiplying h_prev in the recurrent products. */
  recurrentMask?: T;
  kernel: T; // [I, G*H]
  recurrentKernel: T; // [H, G*H]
  bias?: T; // [G*H], or [2, 3H] for GRU with resetAfter
  peepholeWeights?: T; // [3, H] (i, f, o)
  /** Any of these requests the backward pass. */
  dy?: T; // [B, T, H], or [B, H] without returnSequences
  dhFinal?: T; // [B, H]
  dcFinal?: T; // [B, H] (LSTM)
}

export interface RnnLayerResult<T extends Float32Array | Float64Array = Float32Array> {
  y: T; // [B, T, H] in processing order, or [B, H] without returnSequences
  hFinal: T; // [B, H]
  cFinal?: T; // [B, H] (LSTM)
  /** The gradients, present when dy, dhFinal or dcFinal was given. */
  dx?: T; // [B, T, I]
  dh0?: T; // [B, H]
  dc0?: T; // [B, H] (LSTM)
  dKernel?: T; // [I, G*H]
  dRecurrentKernel?: T; // [H, G*H]
  dBias?: T; // as bias, when a bias was given
  dPeephole?: T; // [3, H] (LSTM with peephole)
}

export interface CpuBinding {
  runtimeInfo(): RuntimeInfo;
  setIsa(isa: Isa): void;
  setNumThreads(n: number): number;
  setFlushDenormals(on: boolean): boolean;
  sgemm(args: SgemmArgs): Float32Array;
  packGemm(args: PackGemmArgs): PackedGemmMatrix;
  sgemmPacked(args: SgemmPackedArgs): Float32Array;
  elementwise(args: { op: ElementwiseOp; x: Float32Array; y: Float32Array; cols?: number }): Float32Array;
  /** The double-precision reference of the layer op: forward, and backward when asked. */
  rnnReference(args: RnnLayerArgs<Float64Array>): RnnLayerResult<Float64Array>;
  /** The fast float32 layer op on a worker thread; refused when its estimate exceeds memoryLimitBytes. */
  rnnLayer(args: RnnLayerArgs<Float32Array>, limits?: { memoryLimitBytes?: number }): Promise<RnnLayerResult<Float32Array>>;
  /**
   * A model in native memory (native/graph): values, gradients, optimizer state. `create`
   * parses the spec (and compile spec) on the main thread and allocates on a worker.
   */
  Model: (new (spec: GraphSpec, options?: NativeModelOptions) => NativeModel) & {
    create(spec: GraphSpec, options: NativeModelOptions, compile: CompileSpec | null): Promise<NativeModel>;
  };
  [name: string]: unknown;
}

export interface CudaDeviceInfo {
  index: number;
  name: string;
  computeCapability: string;
  totalMemoryBytes: number;
  multiprocessors: number;
}

export interface CudaBinding {
  /** The native model, as the CPU addon's, with the 'cuda' backend. */
  Model?: CpuBinding['Model'];
  deviceCount(): number;
  devices(): CudaDeviceInfo[];
  runtimeVersion(): number;
  driverVersion(): number;
  [name: string]: unknown;
}

/** Root of the installed package (the folder holding package.json). */
export const packageRoot: string = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start, '..', '..');
    dir = parent;
  }
}

function libcName(): string {
  const libc = detectLibc();
  if (libc !== 'glibc') return libc ?? 'n/a';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return `glibc ${report?.header?.glibcVersionRuntime ?? '?'}`;
}

/** Whether `root` is a checkout of recurrent rather than an installed package. */
export function isCheckout(root: string = packageRoot): boolean {
  return !root.split(path.sep).includes('node_modules') && fs.existsSync(path.join(root, 'native', 'sources.json'));
}

/** A place the loader looks: a local build, or the binary inside a platform package. */
export interface Candidate {
  file: string;
  source: 'build' | 'package';
  /** The platform package's name, for a package candidate. */
  packageName?: string;
}

/** The directory of an installed package, resolved as require would from `root`, or undefined. */
function packageDirectory(name: string, root: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
  } catch {
    return undefined;
  }
}

function candidatesFor(binary: PlatformPackage['binary'], root: string, builds: string[]): Candidate[] {
  const out: Candidate[] = builds.map((file) => ({ file, source: 'build' as const }));
  const pkg = platformPackage(binary);
  if (pkg) {
    const dir = packageDirectory(pkg.name, root);
    out.push({ file: dir ? path.join(dir, binary) : path.join(root, 'node_modules', ...pkg.name.split('/'), binary), source: 'package', packageName: pkg.name });
  }
  return out;
}

/** What the loader looks at, in order, for the CPU addon. */
export function cpuBinaryCandidates(root: string = packageRoot): Candidate[] {
  return candidatesFor('recurrent.node', root, [path.join(root, 'build', 'Release', 'recurrent.node')]);
}

export class NativeLoadError extends Error {
  override name = 'NativeLoadError';
}

function firstLine(cause: unknown): string {
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}

function describeFailure(root: string, tried: { candidate: Candidate; why: string }[]): string {
  const pkg = platformPackage('recurrent.node');
  const where = `${process.platform}-${process.arch}${detectLibc() === 'musl' ? ' (musl)' : ''}`;
  return [
    'recurrent: no native binary could be loaded.',
    `  platform: ${process.platform}, arch: ${process.arch}, libc: ${libcName()}, ` +
      `Node ${process.versions.node}, Node-API ${process.versions.napi}`,
    '  tried, in order:',
    ...tried.map(({ candidate, why }) => `    ${candidate.file} (${why})`),
    pkg
      ? `  the prebuilt binary for ${where} is the optional dependency ${pkg.name}: reinstall without --omit=optional ` +
        `(npm install --include=optional), and where a lockfile from another platform left it out, remove node_modules and the lockfile and install again`
      : `  no prebuilt binary is published for ${where}`,
    '  or build it from source (needs python3, make and a C++17 compiler; Node\'s headers are taken from the local Node installation when it has them):',
    isCheckout(root) ? `    cd ${root} && npm run build:native` : '    npx recurrent build-from-source',
  ].join('\n');
}

export interface LoadedCpu {
  binding: CpuBinding;
  /** File the addon was loaded from. */
  file: string;
  /** 'build' for a local build, 'package' for the binary of a platform package. */
  source: Candidate['source'];
}

/** Loads the CPU addon from `root` (exported for the loader tests; use `cpu()` instead). */
export function loadCpuBinary(root: string = packageRoot): LoadedCpu {
  const tried: { candidate: Candidate; why: string }[] = [];
  for (const candidate of cpuBinaryCandidates(root)) {
    if (!fs.existsSync(candidate.file)) {
      tried.push({ candidate, why: candidate.packageName ? `${candidate.packageName} is not installed` : 'missing' });
      continue;
    }
    try {
      return { binding: require(candidate.file) as CpuBinding, file: candidate.file, source: candidate.source };
    } catch (err) {
      tried.push({ candidate, why: `failed to load: ${firstLine(err)}` });
    }
  }
  throw new NativeLoadError(describeFailure(root, tried));
}

let cpuLoaded: LoadedCpu | undefined;

/** The CPU addon, loaded on first use. */
export function cpu(): LoadedCpu {
  if (!cpuLoaded) cpuLoaded = loadCpuBinary();
  return cpuLoaded;
}

export function cudaBinaryCandidates(root: string = packageRoot): string[] {
  return candidatesFor('recurrent_cuda.node', root, [
    path.join(root, 'build', 'Release', 'recurrent_cuda.node'),
    path.join(root, 'build-cmake', 'Release', 'recurrent_cuda.node'),
  ]).map((c) => c.file);
}

export interface CudaStatus {
  /** The loaded CUDA addon, when a device is usable. */
  binding?: CudaBinding;
  file?: string;
  devices: CudaDeviceInfo[];
  /** Why CUDA is not in use, when it is not. */
  reason?: string;
}

function nvidiaDevicePresent(): boolean {
  return process.platform === 'linux' && (fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/nvidia0'));
}

/** Loads the CUDA addon if a device and a working binary are present (exported for tests). */
export function probeCuda(root: string = packageRoot, env: NodeJS.ProcessEnv = process.env): CudaStatus {
  if (env.RECURRENT_BACKEND === 'cpu') return { devices: [], reason: 'RECURRENT_BACKEND=cpu' };
  const file = cudaBinaryCandidates(root).find((p) => fs.existsSync(p));
  if (!file) {
    const pkg = platformPackage('recurrent_cuda.node');
    const how = isCheckout(root) ? 'build it with npm run build:cuda where nvcc is present'
      : pkg ? `it comes with the optional dependency ${pkg.name}` : `none is published for ${process.platform}-${process.arch}`;
    return { devices: [], reason: `no CUDA build of recurrent is installed (${how})` };
  }
  if (!nvidiaDevicePresent() && env.RECURRENT_CUDA_PROBE_ANYWAY !== '1') {
    return { devices: [], reason: 'no NVIDIA GPU found (no /dev/nvidiactl): using the CPU' };
  }
  // Test-load in a child: a broken driver or runtime may abort the process that loads it.
  // The child writes only the error's message to stderr: an uncaught error's last stderr
  // line is Node's version banner, which says nothing about why the load failed.
  const probe = childProcess.spawnSync(
    process.execPath,
    [
      '-e',
      `try { const b = require(${JSON.stringify(file)}); process.stdout.write(JSON.stringify(b.devices())); }` +
        ` catch (e) { process.stderr.write(String(e && e.message || e)); process.exit(1); }`,
    ],
    { encoding: 'utf8', timeout: 30000, env },
  );
  if (probe.status !== 0) {
    const why = (probe.stderr.trim() || probe.error?.message || `exit ${probe.status ?? probe.signal}`).split('\n')[0];
    return { devices: [], file, reason: `the CUDA build failed to load in a test process (${why}): using the CPU` };
  }
  let devices: CudaDeviceInfo[];
  try {
    devices = JSON.parse(probe.stdout) as CudaDeviceInfo[];
  } catch {
    return { devices: [], file, reason: 'the CUDA build gave an unreadable device list: using the CPU' };
  }
  if (devices.length === 0) return { devices, file, reason: 'the CUDA runtime reports no device: using the CPU' };
  return { binding: require(file) as CudaBinding, file, devices };
}

let cudaStatus: CudaStatus | undefined;
let cudaWarned = false;

/** The CUDA backend's status, probed once. A failed probe warns once and never throws. */
export function cuda(): CudaStatus {
  if (!cudaStatus) {
    try {
      cudaStatus = probeCuda();
    } catch (err) {
      cudaStatus = { devices: [], reason: `CUDA probe failed: ${(err as Error).message}` };
    }
    if (cudaStatus.file && !cudaStatus.binding && !cudaWarned) {
      cudaWarned = true;
      process.emitWarning(`recurrent: ${cudaStatus.reason}`, 'RecurrentCudaWarning');
    }
  }
  return cudaStatus;
}
