"""numpy's matmul (so the BLAS numpy loaded, normally OpenBLAS) on the GEMM shapes of
bench/gemm_bench.ts, driven line by line so the bench can interleave it with our runs.

stdout, first line: {"blas": str, "reference": bool, "numpy": str}
then, for each stdin line {"m", "n", "k", "transA", "transB", "minSeconds"}:
  one line {"seconds": median seconds of one call after warm-up}
Thread count comes from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS, set by the caller.
"""
import json
import sys
import time

import numpy as np


def loaded_blas():
    """The BLAS/LAPACK shared objects mapped into this process."""
    libs = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6:
                name = parts[5].rsplit('/', 1)[-1].lower()
                if any(t in name for t in ('blas', 'lapack', 'mkl', 'blis')):
                    libs.add(parts[5])
    return sorted(libs)


def median_seconds(fn, min_seconds):
    fn()  # warm-up: first touch, thread start
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < min_seconds and len(times) < 400):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main():
    np.ones((64, 64), dtype=np.float32) @ np.ones((64, 64), dtype=np.float32)  # load the BLAS
    libs = loaded_blas()
    blas = ', '.join(libs) if libs else 'unknown'
    # The netlib reference BLAS is a plain libblas.so; OpenBLAS, MKL and BLIS say their name.
    optimized = any(t in blas.lower() for t in ('openblas', 'mkl', 'blis'))
    print(json.dumps({'blas': blas, 'reference': not optimized, 'numpy': np.__version__}), flush=True)
    rng = np.random.default_rng(1)
    operands = {}
    for line in sys.stdin:
        s = json.loads(line)
        m, n, k, ta, tb = s['m'], s['n'], s['k'], bool(s.get('transA')), bool(s.get('transB'))
        key = (m, n, k, ta, tb)
        if key not in operands:
            # Stored shapes; numpy sees the transposed views and passes BLAS a transpose flag.
            a = rng.uniform(-1, 1, size=(k, m) if ta else (m, k)).astype(np.float32)
            b = rng.uniform(-1, 1, size=(n, k) if tb else (k, n)).astype(np.float32)
            operands = {key: (a.T if ta else a, b.T if tb else b, np.empty((m, n), dtype=np.float32))}
        op_a, op_b, c = operands[key]
        seconds = median_seconds(lambda: np.matmul(op_a, op_b, out=c), float(s.get('minSeconds', 0.2)))
        print(json.dumps({'seconds': seconds}), flush=True)


if __name__ == '__main__':
    main()
