// The package version written into saved files (model.json generatedBy).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../native';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = String((JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
