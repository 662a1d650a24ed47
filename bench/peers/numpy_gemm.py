"""Times numpy's matmul (and so the BLAS numpy loaded) on the GEMM shapes of bench/gemm_bench.ts.

Input (stdin): JSON {"shapes": [{"name", "m", "n", "k", "transA", "transB"}], "minSeconds": float}
Output (stdout): JSON {"blas": str, "reference": bool, "numpy": str, "results": [{"name", "seconds"}]}
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
                path = parts[5]
                name = path.rsplit('/', 1)[-1].lower()
                if 'blas' in name or 'lapack' in name or 'mkl' in name or 'blis' in name:
                    libs.add(path)
    return sorted(libs)


def median_seconds(fn, min_seconds):
    fn()  # warm-up: first touch, thread start
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < min_seconds and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main():
    request = json.load(sys.stdin)
    rng = np.random.default_rng(1)
    min_seconds = float(request.get('minSeconds', 0.5))
    results = []
    for s in request['shapes']:
        m, n, k = s['m'], s['n'], s['k']
        # Stored shapes, then views that are op(A) [m,k] and op(B) [k,n], as numpy sees a transposed operand.
        a = rng.uniform(-1, 1, size=(k, m) if s.get('transA') else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, size=(n, k) if s.get('transB') else (k, n)).astype(np.float32)
        op_a = a.T if s.get('transA') else a
        op_b = b.T if s.get('transB') else b
        c = np.empty((m, n), dtype=np.float32)
        seconds = median_seconds(lambda: np.matmul(op_a, op_b, out=c), min_seconds)
        results.append({'name': s['name'], 'seconds': seconds})
    libs = loaded_blas()
    blas = ', '.join(libs) if libs else 'unknown'
    # The netlib reference BLAS lives in .../blas/libblas.so.3; OpenBLAS, MKL and BLIS say their name.
    optimized = any(t in blas.lower() for t in ('openblas', 'mkl', 'blis'))
    json.dump({'blas': blas, 'reference': not optimized, 'numpy': np.__version__, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
