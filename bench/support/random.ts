// Seeded inputs for the benchmarks (xorshift32): the same data on every run and machine.
export class BenchRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return (this.s >>> 0) / 4294967296;
  }
  /** n values uniform in [-scale, scale). */
  uniform(n: number, scale: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (this.next() * 2 - 1) * scale;
    return a;
  }
  /** n standard normal values (Box-Muller). */
  normal(n: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return a;
  }
  /** A log-uniform (Zipf-like) id in [0, n): small ids frequent. */
  logUniform(n: number): number {
    return Math.min(n - 1, Math.floor(Math.exp(this.next() * Math.log1p(n))) - 1);
  }
}
