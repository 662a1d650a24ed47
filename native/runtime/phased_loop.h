// A loop of phases over slices, for a recurrent layer's time steps: slice j of phase p
// runs after every slice of phase p - 1 and may read what they wrote (one barrier per
// phase), the slices of one phase run in parallel.
//
// Participant r of the pool's threads takes slice r first in every phase, so the data a
// slice works on (its columns of a weight matrix) stay in one core's cache for the whole
// loop; a participant that has finished looks for slices nobody has taken yet and runs
// them too. On a quiet machine that never happens; on a loaded one, a thread the
// scheduler keeps off the processor between phases holds nobody up: the others take its
// slices. (A barrier with fixed ownership would wait for it at every phase.)
//
// An exception thrown by a slice stops the loop at the next phase and is rethrown in the
// caller (by the pool). Results must not depend on which thread runs a slice.
#pragma once
#include <cstdint>

namespace recurrent {

using PhaseFn = void (*)(void* ctx, int64_t phase, int slice);

void parallel_phases(int64_t phases, int slices, PhaseFn fn, void* ctx);

template <class F>
void parallel_phases_each(int64_t phases, int slices, F&& f) {
  parallel_phases(
      phases, slices, [](void* ctx, int64_t phase, int slice) { (*static_cast<F*>(ctx))(phase, slice); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace recurrent
