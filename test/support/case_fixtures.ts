// A folder of safetensors fixtures, one case per file: the case's parameters as JSON in the
// metadata key 'case' (written by the test/fixtures/make_*_fixtures.py scripts), the
// recorded tensors by name.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { readSafetensors, Tensor as StoredTensor } from './safetensors';

export type { StoredTensor };

export interface CaseFixture<Case> {
  name: string;
  c: Case;
  t: Map<string, StoredTensor>;
}

/** Every fixture of test/fixtures/<folder>, sorted by name. */
export function caseFixtures<Case>(folder: string): CaseFixture<Case>[] {
  const dir = join(__dirname, '..', '..', '..', 'test', 'fixtures', folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => {
      const s = readSafetensors(join(dir, f));
      return { name: f.replace('.safetensors', ''), c: JSON.parse(s.metadata.case) as Case, t: s.tensors };
    });
}

/** The recorded tensor `name`; a clear error where the fixture lacks it. */
export function recorded<Case>(f: CaseFixture<Case>, name: string): StoredTensor {
  const t = f.t.get(name);
  if (!t) throw new Error(`${f.name}: no tensor '${name}'`);
  return t;
}

export const asFloat32 = (t: StoredTensor) => Float32Array.from(t.data as ArrayLike<number>);
export const asUint8 = (t: StoredTensor) => Uint8Array.from(t.data as ArrayLike<number>);
