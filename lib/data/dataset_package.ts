// requireDatasetPackage: loads a dataset package on first use, with a clear error when absent.
// The packages are devDependencies (about 106 MB together), so a plain install of recurrent
// stays small; whoever calls a loader installs the one package it names.

export function requireDatasetPackage<T>(name: string, loader: string): T {
  try {
    return require(name) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new Error(`${loader} needs the package ${name}: run \`npm install ${name}\``);
    }
    throw err;
  }
}
