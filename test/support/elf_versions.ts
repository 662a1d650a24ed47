// Reads what a Linux shared object asks of the system it loads on: its machine, the libraries
// it needs (DT_NEEDED) and the symbol versions it requires from each (the SHT_GNU_verneed
// section, what `objdump -p` prints as "Version References"). ELF64 little-endian only,
// which covers x86-64 and aarch64.
import { readFileSync } from 'node:fs';

export interface ElfRequirements {
  machine: 'x86-64' | 'aarch64' | `machine ${number}`;
  needed: string[];
  /** Library file name -> version names, e.g. 'libc.so.6' -> ['GLIBC_2.2.5', 'GLIBC_2.27']. */
  versions: Map<string, string[]>;
}

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;

export function elfRequirements(file: string): ElfRequirements {
  const b = readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (b[4] !== 2 || b[5] !== 1) throw new Error(`${file}: not a 64-bit little-endian ELF file`);
  const machineCode = b.readUInt16LE(18);
  const shoff = Number(b.readBigUInt64LE(40));
  const shentsize = b.readUInt16LE(58);
  const shnum = b.readUInt16LE(60);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return { type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 24)), size: Number(b.readBigUInt64LE(at + 32)), link: b.readUInt32LE(at + 40) };
  });
  const cstring = (table: { offset: number }, at: number) => {
    const start = table.offset + at;
    return b.toString('latin1', start, b.indexOf(0, start));
  };
  const needed: string[] = [];
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) {
    for (let at = dynamic.offset; at < dynamic.offset + dynamic.size; at += 16) {
      if (Number(b.readBigInt64LE(at)) === DT_NEEDED) needed.push(cstring(sections[dynamic.link], Number(b.readBigUInt64LE(at + 8))));
    }
  }
  const versions = new Map<string, string[]>();
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (verneed) {
    const strings = sections[verneed.link];
    for (let at = verneed.offset; ; ) {
      const count = b.readUInt16LE(at + 2);
      const library = cstring(strings, b.readUInt32LE(at + 4));
      const names: string[] = [];
      for (let aux = at + b.readUInt32LE(at + 8), k = 0; k < count; k++) {
        names.push(cstring(strings, b.readUInt32LE(aux + 8)));
        const next = b.readUInt32LE(aux + 12);
        if (next === 0) break;
        aux += next;
      }
      versions.set(library, names);
      const next = b.readUInt32LE(at + 12);
      if (next === 0) break;
      at += next;
    }
  }
  const machine = machineCode === 62 ? 'x86-64' : machineCode === 183 ? 'aarch64' : (`machine ${machineCode}` as const);
  return { machine, needed, versions };
}

/** Compares dotted versions part by part as numbers: 2.3.4 < 2.27 < 2.28. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The highest version of a prefix ('GLIBC', 'GLIBCXX', ...) required from any library, or undefined. */
export function highestVersion(req: ElfRequirements, prefix: string): string | undefined {
  let best: string | undefined;
  for (const names of req.versions.values()) {
    for (const name of names) {
      const m = new RegExp(`^${prefix}_([\\d.]+)$`).exec(name);
      if (m && (best === undefined || compareVersions(m[1], best) > 0)) best = m[1];
    }
  }
  return best;
}
