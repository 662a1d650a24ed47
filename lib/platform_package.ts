// Which package holds the prebuilt binary for this platform. Each is an optional dependency
// of recurrent with `os`, `cpu` and (on Linux) `libc` fields, so npm installs only the one
// that matches (as sharp does): no install script, no compiler, nothing downloaded at run
// time. packages/<suffix>/package.json are these packages; test/packaging.test.ts checks
// that they, package.json's optionalDependencies and this table agree.
export type Libc = 'glibc' | 'musl';

export interface PlatformPackage {
  name: string;
  os: NodeJS.Platform;
  cpu: string;
  libc?: Libc;
  /** The file the package ships. */
  binary: 'recurrent.node' | 'recurrent_cuda.node';
}

export const PLATFORM_PACKAGES: readonly PlatformPackage[] = [
  { name: '@recurrent/linux-x64', os: 'linux', cpu: 'x64', libc: 'glibc', binary: 'recurrent.node' },
  { name: '@recurrent/linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl', binary: 'recurrent.node' },
  { name: '@recurrent/linux-arm64', os: 'linux', cpu: 'arm64', libc: 'glibc', binary: 'recurrent.node' },
  { name: '@recurrent/darwin-arm64', os: 'darwin', cpu: 'arm64', binary: 'recurrent.node' },
  { name: '@recurrent/win32-x64', os: 'win32', cpu: 'x64', binary: 'recurrent.node' },
  { name: '@recurrent/linux-x64-cuda', os: 'linux', cpu: 'x64', libc: 'glibc', binary: 'recurrent_cuda.node' },
];

/** The C library Node runs on: glibc when Node's report names its version, else musl; undefined off Linux. */
export function detectLibc(): Libc | undefined {
  if (process.platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The package with this platform's binary of that kind, if one is published. */
export function platformPackage(binary: PlatformPackage['binary'], platform: string = process.platform, arch: string = process.arch, libc: Libc | undefined = detectLibc()): PlatformPackage | undefined {
  return PLATFORM_PACKAGES.find((p) => p.binary === binary && p.os === platform && p.cpu === arch && (p.libc === undefined || p.libc === libc));
}
