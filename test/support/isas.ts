// Runs a check under every instruction set this CPU and build support, restoring the
// one in use afterwards.
import { cpu, Isa } from '../../lib/native';

export function supportedIsas(): Isa[] {
  return cpu().binding.runtimeInfo().isaAvailable;
}

export function forEachIsa(body: (isa: Isa) => void): void {
  const binding = cpu().binding;
  const before = binding.runtimeInfo().isa;
  try {
    for (const isa of supportedIsas()) {
      binding.setIsa(isa);
      body(isa);
    }
  } finally {
    binding.setIsa(before);
  }
}

/** Runs body under each level in `isas` (default: every supported one), restoring the level in use. */
export async function forEachIsaAsync(body: (isa: Isa) => Promise<void> | void, isas: Isa[] = supportedIsas()): Promise<void> {
  const binding = cpu().binding;
  const before = binding.runtimeInfo().isa;
  try {
    for (const isa of isas) {
      binding.setIsa(isa);
      await body(isa);
    }
  } finally {
    binding.setIsa(before);
  }
}
