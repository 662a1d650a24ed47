// The Linux release binaries (packages/linux-x64, packages/linux-arm64, built by
// release/build_linux.sh in a Debian bullseye build root) must load where Node 20 itself
// loads: glibc 2.28 (Debian 10, Ubuntu 18.10+, RHEL 8, Amazon Linux 2023), with no libstdc++
// of the host's (it is linked in). The test reads the symbol versions each binary requires
// and fails above the floor. CI builds the binaries first (.ci/run); elsewhere a missing one
// is skipped with the command that builds it.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { compareVersions, elfRequirements, highestVersion } from './support/elf_versions';

const FLOOR = { GLIBC: '2.28', GLIBCXX: '3.4.25', CXXABI: '1.3.11' };
const repo = join(__dirname, '..', '..');

for (const [platform, machine] of [['linux-x64', 'x86-64'], ['linux-arm64', 'aarch64']] as const) {
  test(`packages/${platform}/recurrent.node needs at most glibc ${FLOOR.GLIBC} and no host libstdc++`, (t) => {
    const file = join(repo, 'packages', platform, 'recurrent.node');
    if (!existsSync(file)) {
      const why = `packages/${platform}/recurrent.node is not built (npm run build:release:${platform}; needs root and debootstrap)`;
      if (process.env.CI === 'true') return t.fail(`${why}: CI builds it before the tests, so it must be there`);
      t.log(`skipped: ${why}`);
      return t.pass();
    }
    const req = elfRequirements(file);
    t.is(req.machine, machine);
    const glibc = highestVersion(req, 'GLIBC');
    t.log(`${platform}: needs ${req.needed.join(', ')}; highest GLIBC_${glibc}; ${[...req.versions].map(([lib, v]) => `${lib}: ${v.join(' ')}`).join('; ')}`);
    t.truthy(glibc);
    t.true(compareVersions(glibc!, FLOOR.GLIBC) <= 0, `GLIBC_${glibc} is above the floor ${FLOOR.GLIBC}`);
    for (const prefix of ['GLIBCXX', 'CXXABI'] as const) {
      const v = highestVersion(req, prefix);
      t.true(v === undefined || compareVersions(v, FLOOR[prefix]) <= 0, `${prefix}_${v} is above ${FLOOR[prefix]}`);
    }
    t.false(req.needed.some((lib) => lib.startsWith('libstdc++') || lib.startsWith('libgcc_s')), `links the host's C++ runtime: ${req.needed.join(', ')}`);
  });
}

test('the symbol-version reader sees the newer glibc of a binary built on this machine', (t) => {
  // The local build links against this machine's glibc: the reader must find a version there.
  const local = join(repo, 'build', 'Release', 'recurrent.node');
  if (!existsSync(local)) return t.log('skipped: no local build'), t.pass();
  const req = elfRequirements(local);
  t.truthy(highestVersion(req, 'GLIBC'));
  t.true(req.needed.includes('libc.so.6'));
  t.log(`local build: highest GLIBC_${highestVersion(req, 'GLIBC')}, GLIBCXX_${highestVersion(req, 'GLIBCXX') ?? '-'}`);
});
