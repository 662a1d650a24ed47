// Values a careless or hostile caller passes where a library expects numbers, strings,
// arrays and objects, and the seeded generator every fuzz case draws from.

import { seededRandom } from '../../lib/data/seeded_random';

/** The library's seeded generator with the draws the cases need, seeded per case so that one case can be replayed alone. */
export class FuzzRandom {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const throwingGetter = (): unknown => Object.defineProperty({}, 'length', { get: () => { throw new Error('getter says no'); } });
const trap = () => {
  throw new Error('proxy says no');
};
const throwingProxy = (): unknown => new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });

export const HOSTILE_NUMBERS = [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 64, -(2 ** 31), 1e300, NaN, Infinity, -Infinity, Number.MIN_VALUE] as const;

/** A hostile value of any type. */
export function hostileValue(r: FuzzRandom): unknown {
  switch (r.int(14)) {
    case 0: return r.pick(HOSTILE_NUMBERS);
    case 1: return r.pick(['', '3', 'abc', 'NaN', '__proto__', 'constructor', 'toString', 'x'.repeat(10_000), '\u0000', '1e400']);
    case 2: return r.pick([undefined, null, true, false]);
    case 3: return r.pick([[], [1, 2, 3], [[1], [2, 3]], [NaN], [null], new Array(3)]);
    case 4: return r.pick([{}, { length: 2 ** 40 }, Object.create(null), { __proto__: { polluted: 1 } }, { valueOf: () => 3 }]);
    case 5: return new Float32Array(r.int(8));
    case 6: return new Int32Array(r.int(8)).map(() => r.int(20) - 5);
    case 7: return new Uint8Array(r.int(8));
    case 8: return r.pick([1n, -1n, 2n ** 70n]);
    case 9: return () => 1;
    case 10: return Symbol('s');
    case 11: return throwingGetter();
    case 12: return throwingProxy();
    default: {
      const detached = new Float32Array(4);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      return detached;
    }
  }
}

/** A copy of `base` with one to three of its fields (or new ones) set to hostile values. */
export function mutateObject<T extends Record<string, unknown>>(r: FuzzRandom, base: T, extraKeys: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const keys = [...Object.keys(base), ...extraKeys];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const key = r.pick(keys);
    if (r.chance(0.1)) delete out[key];
    else out[key] = hostileValue(r);
  }
  return out;
}

/** Bytes changed the ways files get damaged: cut short, bits flipped, junk appended, a span overwritten. */
export function mutateBytes(r: FuzzRandom, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  switch (r.int(4)) {
    case 0: return out.subarray(0, r.int(out.length));
    case 1:
      for (let k = 1 + r.int(8); k > 0; k--) out[r.int(out.length)] ^= 1 << r.int(8);
      return out;
    case 2: return Buffer.concat([out, Buffer.alloc(1 + r.int(4096), r.int(256))]);
    default: {
      const at = r.int(out.length);
      const value = r.pick([0x00, 0xff, 0x7f]);
      out.fill(value, at, Math.min(out.length, at + 1 + r.int(64)));
      return out;
    }
  }
}
