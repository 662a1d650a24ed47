// Large arrays moved between TypeScript and a native model piece by piece, the event loop
// running between pieces: making, saving or restoring a model of hundreds of megabytes
// never holds it longer than about a millisecond at a time. The pieces are copied on the
// main thread, so no worker ever reads an array the caller could change or detach.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Values handled between two turns of the event loop (4 MB of float32: about a millisecond). */
export const VALUES_PER_TURN = 1 << 20;

/** Walks arrays piece by piece, yielding to the event loop whenever a turn's worth of values was handled. */
export class Pacer {
  private sinceTurn = 0;

  /** Calls piece(start, end) over [0, length) in pieces of at most VALUES_PER_TURN. */
  async each(length: number, piece: (start: number, end: number) => void): Promise<void> {
    for (let start = 0; start < length; start += VALUES_PER_TURN) {
      const end = Math.min(length, start + VALUES_PER_TURN);
      piece(start, end);
      this.sinceTurn += end - start;
      if (this.sinceTurn >= VALUES_PER_TURN) {
        this.sinceTurn = 0;
        await nextTurn();
      }
    }
  }

  /** A copy of `values`, made piece by piece. */
  async copy(values: Float32Array): Promise<Float32Array> {
    const out = new Float32Array(values.length);
    await this.each(values.length, (start, end) => out.set(values.subarray(start, end), start));
    return out;
  }
}
