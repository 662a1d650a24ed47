#!/usr/bin/env python3
"""PyTorch peer for the layer benchmark: one recurrent layer of each workload in
WORKLOADS.md, timed alone (no embedding, dense head or optimizer).

    /usr/bin/python3 bench/peers/torch_layers.py --threads 2 [--workloads W2,W3] [--flush-denormal]

For each workload it times a training step of the layer (forward, loss, backward through
time with the weight gradients, and the input gradient where the layer's input comes from
a trainable layer) and, separately, forward-only latency under torch.no_grad(). The loss is
sum(output * R) for a fixed random R: the last output, or every output for the layers with
returnSequences. float32, torch.set_num_threads(N). Each timing is the median over timed
iterations after warm-up, with min and max as the spread.

Prints JSON on stdout: {torch, blas, threads, results: [{workload, mode, ms_median, ms_min,
ms_max, iterations, gflops, ...}]}; progress and warnings go to stderr.

Debian's torch runs whatever libblas.so.3 the alternatives system points at; with the
reference BLAS it is about ten times slower and no ratio against it means anything. The
BLAS actually loaded is read from /proc/self/maps and reported; the script warns when it is
not OpenBLAS. With both OpenBLAS variants installed, point LD_LIBRARY_PATH at the openmp
one (the pthread one oversubscribes threads next to torch's OpenMP pool).
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch import nn

# The workloads, shared with bench/layers.ts: bench/layer_workloads.json.
# Tuples: id, cell, input, units, batch, steps, return_sequences, input_grad, train.
# input_grad: the layer's input comes from a trainable layer (Embedding or another RNN),
# so a training step also needs dL/dx.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layer_workloads.json")) as f:
    WORKLOADS = [
        (w["id"], w["cell"], w["input"], w["units"], w["batch"], w["steps"], w["returnSequences"],
         w["inputGradient"], w["train"])
        for w in json.load(f)["workloads"]
    ]

GATES = {"simpleRnn": 1, "lstm": 4, "gru": 3}


def blas_in_use():
    """The BLAS libraries mapped into this process and a one-word verdict."""
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded and used
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if any(k in name for k in ("blas", "lapack", "mkl_", "libmkl", "blis")):
                libs.add(path)
    joined = " ".join(sorted(libs))
    if "openblas" in joined:
        kind = "openblas-openmp" if "openblas-openmp" in joined or "libopenblaso" in joined else "openblas"
        if "pthread" in joined:
            kind = "openblas-pthread"
    elif "mkl" in joined:
        kind = "mkl"
    elif "blis" in joined:
        kind = "blis"
    elif "libblas" in joined:
        kind = "reference"
    else:
        kind = "unknown"
    config = torch.__config__.show()
    blas_info = next((p.split("=", 1)[1] for p in config.replace(",", " ").split() if p.startswith("BLAS_INFO=")), "?")
    return {"kind": kind, "libraries": sorted(libs), "torch_blas_info": blas_info}


def make_layer(cell, inp, units):
    if cell == "simpleRnn":
        return nn.RNN(inp, units, nonlinearity="relu", batch_first=True)
    if cell == "lstm":
        return nn.LSTM(inp, units, batch_first=True)
    return nn.GRU(inp, units, batch_first=True)


def time_it(step, budget_s, min_iters, max_iters):
    step()  # warm-up: allocations, BLAS thread pool
    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    iters = max(min_iters, min(max_iters, int(budget_s / max(first, 1e-6))))
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def run_workload(w, budget_s):
    wid, cell, inp, units, batch, steps, return_sequences, input_grad, train = w
    gen = torch.Generator().manual_seed(1234)
    layer = make_layer(cell, inp, units)
    x = torch.randn(batch, steps, inp, generator=gen)
    r = torch.randn(batch, steps, units, generator=gen) if return_sequences else torch.randn(batch, units, generator=gen)
    params = list(layer.parameters())
    forward_flops = 2 * batch * steps * (inp + units) * GATES[cell] * units

    def forward_only():
        with torch.no_grad():
            layer(x)

    def train_step():
        xin = x.detach().requires_grad_(input_grad)
        y, _ = layer(xin)
        out = y if return_sequences else y[:, -1]
        loss = (out * r).sum()
        torch.autograd.grad(loss, params + ([xin] if input_grad else []))

    modes = [("train", train_step, 3 * forward_flops)] if train else []
    modes.append(("forward", forward_only, forward_flops))
    results = []
    for mode, fn, flops in modes:
        times = time_it(fn, budget_s if mode == "train" else budget_s / 2, 3, 50)
        med = statistics.median(times)
        results.append({
            "workload": wid, "mode": mode, "cell": cell, "input": inp, "units": units,
            "batch": batch, "steps": steps, "return_sequences": return_sequences,
            "input_grad": input_grad if mode == "train" else False,
            "ms_median": round(med, 3), "ms_min": round(min(times), 3), "ms_max": round(max(times), 3),
            "iterations": len(times),
            # backward is counted as twice the forward (WORKLOADS.md)
            "gflops": round(flops / (med * 1e-3) / 1e9, 2),
        })
        print(f"{wid:8s} {mode:7s} median {med:9.2f} ms  [{min(times):.2f}, {max(times):.2f}]  "
              f"{len(times)} iterations  {results[-1]['gflops']} GFLOP/s", file=sys.stderr)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workloads", default="all",
                    help="comma-separated ids or prefixes (W1 selects W1/gru1 and W1/gru2); default all")
    ap.add_argument("--budget", type=float, default=4.0,
                    help="seconds of timed iterations per training measurement (forward gets half); "
                         "at least 3 iterations are always timed")
    ap.add_argument("--flush-denormal", action="store_true",
                    help="torch.set_flush_denormal(True): denormal floats read and written as zero, as TensorFlow "
                         "and recurrent run their kernels")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    flushing = torch.set_flush_denormal(True) if args.flush_denormal else False
    blas = blas_in_use()
    if blas["kind"] not in ("openblas", "openblas-openmp", "mkl"):
        print(f"warning: torch uses BLAS '{blas['kind']}' {blas['libraries']}; timings are not a fair peer",
              file=sys.stderr)
    print(f"torch {torch.__version__}, {args.threads} threads, BLAS {blas['kind']} {blas['libraries']}", file=sys.stderr)

    wanted = None if args.workloads == "all" else [s.strip() for s in args.workloads.split(",") if s.strip()]
    chosen = [w for w in WORKLOADS if wanted is None or any(w[0] == s or w[0].startswith(s + "/") for s in wanted)]
    if not chosen:
        ap.error(f"no workload matches {args.workloads!r}; known: {', '.join(w[0] for w in WORKLOADS)}")

    # On a shared machine other load stalls the OpenMP barriers of every small per-step op;
    # the load averages let a reader tell a busy run from a slow peer.
    load_before = os.getloadavg()
    results = []
    for w in chosen:
        results += run_workload(w, args.budget)
    json.dump({"torch": torch.__version__, "blas": blas, "threads": torch.get_num_threads(), "flush_denormal": flushing,
               "cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
               "results": results}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
