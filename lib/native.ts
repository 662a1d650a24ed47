// The one place that loads the native binaries and types their surface.
//
// CPU addon: node-gyp-build's order: a local build (build/Release, build/Debug), then
// prebuilds/<platform>-<arch>/. CUDA addon (recurrent_cuda.node): tried only when an
// NVIDIA device node exists, first in a child process so that a broken driver or CUDA
// runtime cannot take this process down; on any failure we warn once and stay on the CPU.
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Isa = 'scalar' | 'avx2' | 'avx512';

export interface RuntimeInfo {
  isa: Isa;
  isaAvailable: Isa[];
  isaBuilt: Isa[];
  threads: number;
  defaultThreads: number;
  cpu: string;
  napiVersion: number;
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

export interface CpuBinding {
  runtimeInfo(): RuntimeInfo;
  setIsa(isa: Isa): void;
  setNumThreads(n: number): number;
  sgemm(args: SgemmArgs): Float32Array;
  packGemm(args: PackGemmArgs): PackedGemmMatrix;
  sgemmPacked(args: SgemmPackedArgs): Float32Array;
  elementwise(args: { op: ElementwiseOp; x: Float32Array; y: Float32Array; cols?: number }): Float32Array;
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
  if (process.platform !== 'linux') return 'n/a';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? `glibc ${report.header.glibcVersionRuntime}` : 'musl';
}

/** What the loader looks at, in order, for the CPU addon. */
export function cpuBinaryCandidates(root: string = packageRoot): string[] {
  return [
    path.join(root, 'build', 'Release', 'recurrent.node'),
    path.join(root, 'build', 'Debug', 'recurrent.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`),
  ];
}

export class NativeLoadError extends Error {
  override name = 'NativeLoadError';
}

function describeFailure(root: string, cause: unknown): string {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return [
    'recurrent: no native binary could be loaded.',
    `  platform: ${process.platform}, arch: ${process.arch}, libc: ${libcName()}, ` +
      `Node ${process.versions.node}, Node-API ${process.versions.napi}`,
    '  tried, in order:',
    ...cpuBinaryCandidates(root).map((p) => `    ${p}${fs.existsSync(p) ? '' : ' (missing)'}`),
    `  reason: ${reason}`,
    '  to build from source (needs python3, make and a C++17 compiler):',
    `    cd ${root} && npm run build:native`,
    '  or reinstall the package so that a prebuilt binary for this platform is used: npm rebuild recurrent',
  ].join('\n');
}

export interface LoadedCpu {
  binding: CpuBinding;
  /** File the addon was loaded from. */
  file: string;
  /** 'build' for a local build, 'prebuild' for a file under prebuilds/. */
  source: 'build' | 'prebuild';
}

/** Loads the CPU addon from `root` (exported for the loader tests; use `cpu()` instead). */
export function loadCpuBinary(root: string = packageRoot): LoadedCpu {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
  let file: string;
  try {
    file = nodeGypBuild.path(root);
  } catch (err) {
    throw new NativeLoadError(describeFailure(root, err));
  }
  let binding: CpuBinding;
  try {
    binding = require(file) as CpuBinding;
  } catch (err) {
    throw new NativeLoadError(describeFailure(root, err));
  }
  const source = path.relative(root, file).split(path.sep)[0] === 'prebuilds' ? 'prebuild' : 'build';
  return { binding, file, source };
}

let cpuLoaded: LoadedCpu | undefined;

/** The CPU addon, loaded on first use. */
export function cpu(): LoadedCpu {
  if (!cpuLoaded) cpuLoaded = loadCpuBinary();
  return cpuLoaded;
}

export function cudaBinaryCandidates(root: string = packageRoot): string[] {
  return [
    path.join(root, 'build', 'Release', 'recurrent_cuda.node'),
    path.join(root, 'build-cmake', 'Release', 'recurrent_cuda.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'cuda', 'recurrent_cuda.node'),
  ];
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
  if (!file) return { devices: [], reason: 'no CUDA build of recurrent is installed (build it with npm run build:cmake where nvcc is present)' };
  if (!nvidiaDevicePresent() && env.RECURRENT_CUDA_PROBE_ANYWAY !== '1') {
    return { devices: [], reason: 'no NVIDIA GPU found (no /dev/nvidiactl): using the CPU' };
  }
  // Test-load in a child: a broken driver or runtime may abort the process that loads it.
  const probe = childProcess.spawnSync(
    process.execPath,
    ['-e', `const b = require(${JSON.stringify(file)}); process.stdout.write(JSON.stringify(b.devices()));`],
    { encoding: 'utf8', timeout: 30000, env },
  );
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status ?? probe.signal}`).trim().split('\n').slice(-1)[0];
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
