#!/usr/bin/env bash
# The one prepared script for a GPU machine (nvcc and, optionally, PyTorch with CUDA; no
# Node packages needed): builds the CUDA kernels with nvcc, runs the cross-backend check
# of the kernels against the reference formulas on the device (test/native/cuda_kernels_test.cc,
# the program CI runs under the SIMT emulation), times our GEMM on the workloads' layer
# shapes next to PyTorch's float32 matmul (TF32 off), and the recurrent layers of W1-W7
# (forward and backward; W6 forward) next to PyTorch's cuDNN layers (TF32 off), and prints
# the tables last. Where Node, cmake and this checkout's node_modules are present too, it
# also builds the CUDA addon and trains every graph of test/graph_backends.test.ts on the
# device against the reference backend. A few minutes; run from the repository root:
#   bash bench/cuda/device_check.sh [sm_90]
set -uo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-}"
if [ -z "$arch" ]; then
  cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '.')
  arch="sm_${cc:-90}"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== device"
nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi not found"
nvcc --version | tail -1
sources=$(python3 -c "import json; d=json.load(open('native/sources.json')); print(' '.join(d['cuda_kernels']))")
build() {  # build <binary> <main source>: the kernels, the CUDA runtime glue and a main, for $arch
  local objs=()
  for f in "$2" $sources native/kernels/cuda/cuda_device.cu; do
    nvcc -std=c++17 -O3 -Inative -arch="$arch" --extended-lambda --expt-relaxed-constexpr -x cu -c "$f" -o "$out/$(basename "$f").o" || return 1
    objs+=("$out/$(basename "$f").o")
  done
  for f in native/kernels/gemm/gemm_reference.cc native/kernels/rnn/rnn_reference.cc; do
    g++ -std=c++17 -O2 -Inative -c "$f" -o "$out/$(basename "$f").o" || return 1
    objs+=("$out/$(basename "$f").o")
  done
  nvcc -arch="$arch" "${objs[@]}" -o "$1"
}
echo "== build ($arch)"
started=$(date +%s)
build "$out/cuda_kernels_test" test/native/cuda_kernels_test.cc || { echo "build failed"; exit 1; }
build "$out/gemm_timing" bench/cuda/gemm_timing.cc || { echo "build failed"; exit 1; }
build "$out/rnn_timing" bench/cuda/rnn_timing.cc || { echo "build failed"; exit 1; }
echo "built in $(( $(date +%s) - started )) s"
echo "== cross-backend check on the device"
"$out/cuda_kernels_test" > "$out/check.txt"; status=$?
grep -v '^ok' "$out/check.txt"
echo "== our GEMM"
"$out/gemm_timing" | tee "$out/gemm.txt"
echo "== PyTorch float32 matmul (TF32 off)"
python3 - <<'PY' > "$out/torch.txt" 2>&1 || echo "PyTorch with CUDA not available" > "$out/torch.txt"
import torch
assert torch.cuda.is_available()
torch.backends.cuda.matmul.allow_tf32 = False
shapes = [(6400, 1024, 128), (64, 1024, 256), (3200, 4096, 512), (64, 4096, 1024), (4096, 4096, 4096)]
for m, n, k in shapes:
    a = torch.zeros(m, k, device="cuda"); b = torch.zeros(k, n, device="cuda")
    for _ in range(3): a @ b
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(20): a @ b
    e.record(); torch.cuda.synchronize()
    ms = s.elapsed_time(e) / 20
    print(f"{ms:.3f} {2 * m * n * k / (ms * 1e6):.0f}")
PY
cat "$out/torch.txt"
echo "== our recurrent layers"
"$out/rnn_timing" | tee "$out/rnn.txt"
echo "== PyTorch cuDNN recurrent layers (TF32 off)"
python3 bench/cuda/rnn_timing_torch.py > "$out/rnn_torch.txt" 2>&1 || echo "PyTorch with CUDA not available" > "$out/rnn_torch.txt"
cat "$out/rnn_torch.txt"
graph="not run (needs node, cmake and node_modules)"
if command -v node >/dev/null && command -v cmake >/dev/null && [ -d node_modules/node-addon-api ]; then
  echo "== whole graphs on the device (test/graph_backends.test.ts)"
  if npm run build:cuda > "$out/cmake.txt" 2>&1 && npx tsc -p tsconfig.json && npx ava dist/test/graph_backends.test.js > "$out/graph.txt" 2>&1; then
    graph="passed: $(grep -c "cuda vs reference" "$out/graph.txt") graphs on cuda; $(grep -A1 'cuda: the worst' "$out/graph.txt" | tail -1 | sed 's/^ *//')"
  else
    graph="FAILED (see below)"; tail -40 "$out/cmake.txt" "$out/graph.txt" 2>/dev/null; status=1
  fi
fi
echo
echo "== table"
echo "| GEMM shape | ours ms | ours GFLOP/s | torch ms | torch GFLOP/s | ours / torch speed |"
echo "|---|---|---|---|---|---|"
paste -d'|' <(tail -n +2 "$out/gemm.txt" | grep -v ' TF32 |') "$out/torch.txt" | while IFS='|' read -r what ms gf torch; do
  read -r tms tgf <<< "$torch"
  ratio=$(python3 -c "print(f'{$tms / $ms:.2f}x')" 2>/dev/null || echo "-")
  echo "| $what | $ms | $gf | ${tms:--} | ${tgf:--} | $ratio |"
done
echo
echo "TF32 tensor-core GEMM (ours):"
grep ' TF32 |' "$out/gemm.txt" | sed 's/^/  /'
echo
echo "| recurrent layers | ours ms | cuDNN ms | ours / cuDNN speed |"
echo "|---|---|---|---|"
paste -d'|' <(tail -n +2 "$out/rnn.txt") "$out/rnn_torch.txt" | while IFS='|' read -r what ms tms; do
  ratio=$(python3 -c "print(f'{float(\"$tms\") / float(\"$ms\"):.2f}x')" 2>/dev/null || echo "-")
  echo "| $what | $ms | ${tms:--} | $ratio |"
done
echo "kernel check: $(tail -1 "$out/check.txt") ($(grep -c '^ok' "$out/check.txt") passed)"
echo "whole graphs: $graph"
exit $status
