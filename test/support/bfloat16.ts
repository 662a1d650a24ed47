// bfloat16 rounding in JavaScript (round to nearest, ties to even), the same rule as
// native/common/bfloat16.h, for references of the mixed-precision kernels.
import { cpu, Isa } from '../../lib/native';
import { forEachIsaAsync } from './isas';

export function roundToBfloat16(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  const src = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const dst = new Uint32Array(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const bits = src[i];
    dst[i] = (((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16) >>> 0;
  }
  return out;
}

/** The instruction-set levels of this CPU that have bfloat16 kernels. */
export function bfloat16Isas(): Isa[] {
  return cpu().binding.runtimeInfo().isaAvailable.filter((i) => i === 'avx512bf16' || i === 'amx');
}

/** Runs body under each bfloat16 level, restoring the level in use afterwards. */
export function forEachBfloat16Isa(body: (isa: Isa) => Promise<void> | void): Promise<void> {
  return forEachIsaAsync(body, bfloat16Isas());
}
