#!/usr/bin/env python3
"""PyTorch peer for the whole-model benchmark: the models W1-W7 of WORKLOADS.md, built from
bench/model_workloads.json, with their loss and optimizer.

    /usr/bin/python3 bench/peers/torch_models.py --threads 2 [--workloads W1,W2] [--budget 3] [--flush-denormal] [--device cuda]
    /usr/bin/python3 bench/peers/torch_models.py --fidelity IN.safetensors --out OUT.safetensors

Timing. A training step is forward + loss + backward through time + optimizer.step() on one
batch of seeded synthetic data of the workload's shapes; W6 (train false) is forward-only
latency under torch.no_grad(). Workloads with frozenEmbeddingVariant are also timed with the
embedding frozen (mode "train-frozen-embedding"), the variant the tfjs peer can still run.
Each figure is the median of timed iterations after warm-up (min and max as the spread);
the number of iterations follows from --budget seconds, at least 3. Prints JSON on stdout:

  {torch, blas: {kind, libraries, torch_blas_info}, ratio_allowed, threads, cpus,
   omp_wait_policy, loadavg_before, loadavg_after,
   results: [{workload, mode, ms_median, ms_min, ms_max, iterations, samples_per_s, note}]}

Debian's torch runs whatever libblas.so.3 is selected; with the reference BLAS it is about ten
times slower and no ratio against it means anything. The BLAS actually mapped into the process
is reported (read from /proc/self/maps, bench/peers/torch_layers.py) and ratio_allowed is false
unless it is OpenBLAS, MKL or BLIS: a harness must then print the times but no ratio.

The model is the Keras one, in PyTorch modules: nn.Embedding; nn.LSTM / nn.GRU / nn.RNN(relu),
batch_first, the last step's output where returnSequences is false; Bidirectional = one
bidirectional nn.LSTM whose final forward and backward states are concatenated; Dense =
nn.Linear (on every step of a sequence for TimeDistributed). Weights are made in the Keras
layout with Keras's initializers and loaded through the same conversion as --fidelity. Losses
as Keras computes them: sigmoid, probabilities clipped to [1e-7, 1 - 1e-7], then BCELoss (not
BCEWithLogits, which is a different computation); MSE; cross-entropy of the softmax over every
step (F.cross_entropy on the logits, mean over batch*steps). Optimizers: torch.optim.Adam with
Keras's epsilon 1e-7 for timing (the same work as Keras's update), torch.optim.RMSprop with
alpha = rho 0.9, eps 1e-7 for timing (the same work; Keras puts eps inside the square root).

Fidelity (--fidelity IN --out OUT): the file format of test/fixtures/make_torch_fixtures.py
(safetensors, little-endian, 8-byte aligned data). IN holds:

  __metadata__: workload  the id in bench/model_workloads.json (the architecture, loss and
                          optimizer come from there; batch and steps from the shape of x)
                frozen_embedding  "true" to keep the embedding fixed (optional)
  x (I32 [B,T] tokens | F32 [B,T,I] features)
  y (F32 [B,1] binary or regression | I32 [B,T] next tokens); absent for train false
  Weights in the Keras layout, named after the index k of the layer in the workload's list:
    layers.k.embeddings        [V, D]                       embedding
    layers.k.kernel            [I, G*H]                     lstm (G=4, gates i,f,c,o),
    layers.k.recurrent_kernel  [H, G*H]                     gru (G=3, gates z,r,h),
    layers.k.bias              [G*H], gru [2, G*H]          simpleRnn (G=1)
                               (gru reset_after: row 0 the input bias, row 1 the recurrent one)
    layers.k.forward.<name>, layers.k.backward.<name>       bidirectional: the two layers
    layers.k.kernel [I, U], layers.k.bias [U]               dense

Conversion to PyTorch: weight_ih = kernel^T, weight_hh = recurrent_kernel^T with the gate
blocks reordered (LSTM i,f,c,o is PyTorch's i,f,g,o unchanged; GRU z,r,h becomes r,z,n); the
GRU's bias rows become bias_ih and bias_hh (reordered the same way). Keras's LSTM and
SimpleRNN have one bias: it becomes bias_ih, and bias_hh is held at zero and not trained
(training both would move the effective bias twice per step).

The model runs in --dtype (float64 by default: a reference). OUT holds (F64 for float64):
  predictions [B,1] | [B,T,V] | [B,H]   the model's output (after sigmoid / softmax)
  loss []                               the loss on (x, y) before the step
  grad.<weight name>                    dLoss/dweight, Keras layout
  updated.<weight name>                 each weight after one optimizer step, Keras layout
  loss_after_step []                    the loss on (x, y) with the updated weights
The optimizer step follows Keras's rule: Adam p -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps),
RMSprop p -= lr*g/sqrt(v+eps) (epsilon inside the root, as Keras's rmsprop.py). A summary
goes to stdout as JSON.
"""

import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_layers import blas_in_use, time_it  # noqa: E402  (one BLAS probe and timer for both peers)

with open(os.path.join(HERE, "..", "model_workloads.json")) as f:
    WORKLOADS = json.load(f)["workloads"]

GATES = {"simpleRnn": 1, "lstm": 4, "gru": 3}
CLIP = 1e-7  # Keras's backend epsilon: binary CE clips probabilities to [CLIP, 1 - CLIP]
FAIR_BLAS = ("openblas", "openblas-openmp", "openblas-pthread", "mkl", "blis")


# ---- safetensors, as written by test/fixtures/make_torch_fixtures.py -------------------

DTYPES = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64),
          "I32": (np.int32, torch.int32), "I64": (np.int64, torch.int64)}


def read_safetensors(path):
    """Returns (tensors by name, metadata)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=np.dtype(DTYPES[h["dtype"]][0]).newbyteorder("<")).reshape(h["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, tensor), written in that order."""
    names = {t: k for k, (_, t) in DTYPES.items()}
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors:
        dtype = names[t.dtype]
        data = t.detach().contiguous().numpy().astype(np.dtype(DTYPES[dtype][0]).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for data in blobs:
            f.write(data)


# ---- Keras layout <-> PyTorch layout --------------------------------------------------

def keras_to_torch_gates(w, cell):
    """Keras [in, G*H] (kernel) -> PyTorch [G*H, in]; GRU gate blocks z,r,h -> r,z,n."""
    w = w.t()
    if cell == "gru":
        z, r, h = w.chunk(3, 0)
        w = torch.cat([r, z, h], 0)
    return w.contiguous()


def torch_to_keras_gates(w, cell):
    """The inverse of keras_to_torch_gates; also for biases ([G*H] -> [G*H])."""
    if cell == "gru":
        r, z, h = w.chunk(3, 0)
        w = torch.cat([z, r, h], 0)
    return w.t().contiguous() if w.dim() == 2 else w.contiguous()


def reorder_bias(b, cell):
    """A bias vector in Keras gate order -> PyTorch gate order."""
    if cell == "gru":
        z, r, h = b.chunk(3, 0)
        return torch.cat([r, z, h], 0)
    return b


# ---- the model ------------------------------------------------------------------------

def make_rnn(spec, inp, bidirectional=False):
    cell, units = spec["type"], spec["units"]
    if cell == "lstm":
        return nn.LSTM(inp, units, batch_first=True, bidirectional=bidirectional)
    if cell == "gru":
        if not spec.get("resetAfter", True):
            raise ValueError("only resetAfter true (PyTorch's GRU) is supported")
        return nn.GRU(inp, units, batch_first=True, bidirectional=bidirectional)
    if cell == "simpleRnn":
        return nn.RNN(inp, units, nonlinearity=spec.get("activation", "tanh"), batch_first=True,
                      bidirectional=bidirectional)
    raise ValueError(f"unknown recurrent layer {cell}")


class WorkloadModel(nn.Module):
    """The Keras Sequential model of one workload, as PyTorch modules; forward returns the
    head's pre-activation (logits for sigmoid/softmax heads)."""

    def __init__(self, w):
        super().__init__()
        self.specs = w["layers"]
        self.mods = nn.ModuleList()
        width = w["input"].get("size")
        for spec in self.specs:
            t = spec["type"]
            if t == "embedding":
                self.mods.append(nn.Embedding(spec["inputDim"], spec["outputDim"]))
                width = spec["outputDim"]
            elif t in GATES:
                self.mods.append(make_rnn(spec, width))
                width = spec["units"]
            elif t == "bidirectional":
                if spec.get("mergeMode", "concat") != "concat":
                    raise ValueError("only mergeMode concat")
                self.mods.append(make_rnn(spec["layer"], width, bidirectional=True))
                width = 2 * spec["layer"]["units"]
            elif t == "dense":
                self.mods.append(nn.Linear(width, spec["units"]))
                width = spec["units"]
            else:
                raise ValueError(f"unknown layer {t}")
        last = self.specs[-1]
        self.head = last.get("activation", "linear") if last["type"] == "dense" else "linear"

    def forward(self, x):
        h = x
        for spec, mod in zip(self.specs, self.mods):
            t = spec["type"]
            if t in GATES:
                y, _ = mod(h)
                h = y if spec.get("returnSequences", False) else y[:, -1]
            elif t == "bidirectional":
                y, _ = mod(h)
                H = spec["layer"]["units"]
                # final states: forward after the last step, backward after the first
                h = torch.cat([y[:, -1, :H], y[:, 0, H:]], 1)  # [B, 2H]
            else:
                h = mod(h)
        return h

    def predictions(self, z):
        if self.head == "sigmoid":
            return torch.sigmoid(z)
        if self.head == "softmax":
            return torch.softmax(z, -1)
        return z

    # Keras-layout weights: {name: tensor}, names as in the module docstring.
    def weight_names(self):
        names = []
        for k, spec in enumerate(self.specs):
            t = spec["type"]
            if t == "embedding":
                names.append(f"layers.{k}.embeddings")
            elif t == "dense":
                names += [f"layers.{k}.kernel", f"layers.{k}.bias"]
            else:
                prefixes = [f"layers.{k}.forward.", f"layers.{k}.backward."] if t == "bidirectional" else [f"layers.{k}."]
                names += [p + n for p in prefixes for n in ("kernel", "recurrent_kernel", "bias")]
        return names

    def _rnn_slots(self, k):
        """(module, cell, [(keras prefix, torch suffix)]) of recurrent layer k."""
        spec, mod = self.specs[k], self.mods[k]
        if spec["type"] == "bidirectional":
            return mod, spec["layer"]["type"], [(f"layers.{k}.forward.", ""), (f"layers.{k}.backward.", "_reverse")]
        return mod, spec["type"], [(f"layers.{k}.", "")]

    def load_keras(self, weights):
        with torch.no_grad():
            for k, spec in enumerate(self.specs):
                t, mod = spec["type"], self.mods[k]
                if t == "embedding":
                    mod.weight.copy_(weights[f"layers.{k}.embeddings"])
                elif t == "dense":
                    mod.weight.copy_(weights[f"layers.{k}.kernel"].t())
                    mod.bias.copy_(weights[f"layers.{k}.bias"])
                else:
                    rnn, cell, slots = self._rnn_slots(k)
                    for prefix, sfx in slots:
                        getattr(rnn, f"weight_ih_l0{sfx}").copy_(keras_to_torch_gates(weights[prefix + "kernel"], cell))
                        getattr(rnn, f"weight_hh_l0{sfx}").copy_(keras_to_torch_gates(weights[prefix + "recurrent_kernel"], cell))
                        bias = weights[prefix + "bias"]
                        b_ih, b_hh = getattr(rnn, f"bias_ih_l0{sfx}"), getattr(rnn, f"bias_hh_l0{sfx}")
                        if cell == "gru":
                            b_ih.copy_(reorder_bias(bias[0], cell))
                            b_hh.copy_(reorder_bias(bias[1], cell))
                        else:
                            b_ih.copy_(bias)
                            b_hh.zero_()
                            b_hh.requires_grad_(False)  # Keras has one bias; see the docstring

    def keras_tensors(self, grad=False):
        """The weights (or their gradients) in the Keras layout."""
        def val(p):
            if grad:
                return p.grad if p.grad is not None else torch.zeros_like(p)
            return p.detach()
        out = {}
        for k, spec in enumerate(self.specs):
            t, mod = spec["type"], self.mods[k]
            if t == "embedding":
                out[f"layers.{k}.embeddings"] = val(mod.weight).clone()
            elif t == "dense":
                out[f"layers.{k}.kernel"] = val(mod.weight).t().contiguous()
                out[f"layers.{k}.bias"] = val(mod.bias).clone()
            else:
                rnn, cell, slots = self._rnn_slots(k)
                for prefix, sfx in slots:
                    out[prefix + "kernel"] = torch_to_keras_gates(val(getattr(rnn, f"weight_ih_l0{sfx}")), cell)
                    out[prefix + "recurrent_kernel"] = torch_to_keras_gates(val(getattr(rnn, f"weight_hh_l0{sfx}")), cell)
                    b_ih = torch_to_keras_gates(val(getattr(rnn, f"bias_ih_l0{sfx}")), cell)
                    if cell == "gru":
                        out[prefix + "bias"] = torch.stack([b_ih, torch_to_keras_gates(val(getattr(rnn, f"bias_hh_l0{sfx}")), cell)])
                    else:
                        out[prefix + "bias"] = b_ih
        return out

    def freeze_embeddings(self):
        for spec, mod in zip(self.specs, self.mods):
            if spec["type"] == "embedding":
                mod.weight.requires_grad_(False)


def keras_initial_weights(w, gen):
    """Keras's default initializers, in the Keras layout (seeded)."""
    def glorot(fan_in, fan_out, shape):
        lim = math.sqrt(6.0 / (fan_in + fan_out))
        return (torch.rand(shape, generator=gen) * 2 - 1) * lim

    def orthogonal(rows, cols):
        a = torch.randn(max(rows, cols), min(rows, cols), generator=gen)
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))
        return (q if rows >= cols else q.t())[:rows, :cols].contiguous()

    def rnn(prefix, spec, inp, out):
        cell, H = spec["type"], spec["units"]
        G = GATES[cell]
        out[prefix + "kernel"] = glorot(inp, G * H, (inp, G * H))
        out[prefix + "recurrent_kernel"] = orthogonal(H, G * H)
        bias = torch.zeros(2, G * H) if cell == "gru" else torch.zeros(G * H)
        if cell == "lstm":
            bias[H:2 * H] = 1.0  # unitForgetBias
        out[prefix + "bias"] = bias

    out = {}
    width = w["input"].get("size")
    for k, spec in enumerate(w["layers"]):
        t = spec["type"]
        if t == "embedding":
            out[f"layers.{k}.embeddings"] = (torch.rand(spec["inputDim"], spec["outputDim"], generator=gen) * 2 - 1) * 0.05
            width = spec["outputDim"]
        elif t == "dense":
            out[f"layers.{k}.kernel"] = glorot(width, spec["units"], (width, spec["units"]))
            out[f"layers.{k}.bias"] = torch.zeros(spec["units"])
            width = spec["units"]
        elif t == "bidirectional":
            rnn(f"layers.{k}.forward.", spec["layer"], width, out)
            rnn(f"layers.{k}.backward.", spec["layer"], width, out)
            width = 2 * spec["layer"]["units"]
        else:
            rnn(f"layers.{k}.", spec, width, out)
            width = spec["units"]
    return out


def synthetic_batch(w, gen):
    B, T, inp = w["batch"], w["steps"], w["input"]
    if inp["kind"] == "tokens":
        x = torch.randint(1, inp["vocabulary"], (B, T), generator=gen)
    else:
        x = torch.randn(B, T, inp["size"], generator=gen)
    target = w.get("target")
    if target == "binary":
        y = torch.randint(0, 2, (B, 1), generator=gen).float()
    elif target == "regression":
        y = torch.randn(B, 1, generator=gen)
    elif target == "nextToken":
        y = torch.randint(0, inp["vocabulary"], (B, T), generator=gen)
    else:
        y = None
    return x, y


def loss_fn(w, model, z, y):
    loss = w["loss"]
    if loss == "binaryCrossentropy":
        p = torch.sigmoid(z).clamp(CLIP, 1 - CLIP)
        return F.binary_cross_entropy(p, y)
    if loss == "meanSquaredError":
        return F.mse_loss(z, y)
    if loss == "sparseCategoricalCrossentropy":
        return F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1).long())
    raise ValueError(f"unknown loss {loss}")


def make_optimizer(w, params):
    o = w["optimizer"]
    if o["type"] == "adam":
        return torch.optim.Adam(params, lr=o["learningRate"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
    if o["type"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=o["learningRate"], alpha=o["rho"], eps=o["epsilon"])
    raise ValueError(f"unknown optimizer {o['type']}")


def keras_optimizer_step(w, params, state, t):
    """One update by Keras's rule (differs from torch.optim.Adam in where epsilon sits)."""
    o = w["optimizer"]
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            if o["type"] == "adam":
                m, v = state.setdefault(i, (torch.zeros_like(p), torch.zeros_like(p)))
                m.mul_(o["beta1"]).add_(g, alpha=1 - o["beta1"])
                v.mul_(o["beta2"]).addcmul_(g, g, value=1 - o["beta2"])
                alpha = o["learningRate"] * math.sqrt(1 - o["beta2"] ** t) / (1 - o["beta1"] ** t)
                p.sub_(alpha * m / (v.sqrt() + o["epsilon"]))
            else:
                (v,) = state.setdefault(i, (torch.zeros_like(p),))
                v.mul_(o["rho"]).addcmul_(g, g, value=1 - o["rho"])
                p.sub_(o["learningRate"] * g / (v + o["epsilon"]).sqrt())


# ---- timing ---------------------------------------------------------------------------

def run_workload(w, budget_s, device="cpu"):
    gen = torch.Generator().manual_seed(1234)
    weights = keras_initial_weights(w, gen)
    x, y = synthetic_batch(w, gen)
    x = x.to(device)
    y = y.to(device) if y is not None else None
    # On a GPU the step is queued: wait for it, so each timed step is the step itself.
    wait = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    modes = (["train"] + (["train-frozen-embedding"] if w.get("frozenEmbeddingVariant") else [])) if w["train"] else ["forward"]
    results = []
    for mode in modes:
        model = WorkloadModel(w)
        model.load_keras(weights)
        model.to(device)
        note = "" if device == "cpu" else f"on {torch.cuda.get_device_name()} (cuDNN, TF32 off)"
        if mode == "forward":
            model.eval()

            def step():
                with torch.no_grad():
                    model.predictions(model(x))
                wait()
        else:
            if mode == "train-frozen-embedding":
                model.freeze_embeddings()
                note = "embedding frozen"
            opt = make_optimizer(w, [p for p in model.parameters() if p.requires_grad])

            def step():
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(w, model, model(x), y)
                loss.backward()
                opt.step()
                wait()
        times = time_it(step, budget_s if mode != "forward" else budget_s / 2, 3, 200)
        med = statistics.median(times)
        results.append({
            "workload": w["id"], "mode": mode,
            "ms_median": round(med, 3), "ms_min": round(min(times), 3), "ms_max": round(max(times), 3),
            "iterations": len(times), "samples_per_s": round(w["batch"] / (med * 1e-3), 1), "note": note,
        })
        print(f"torch {w['id']:3s} {mode:23s} median {med:9.2f} ms  [{min(times):.2f}, {max(times):.2f}]  "
              f"{len(times)} iterations", file=sys.stderr)
    return results


# ---- fidelity -------------------------------------------------------------------------

def run_fidelity(path, out, dtype):
    tensors, meta = read_safetensors(path)
    wid = meta.get("workload")
    w = next((x for x in WORKLOADS if x["id"] == wid), None)
    if w is None:
        raise SystemExit(f"{path}: __metadata__.workload {wid!r} is not in bench/model_workloads.json")
    dt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    model = WorkloadModel(w).to(dt)
    missing = [n for n in model.weight_names() if n not in tensors]
    if missing:
        raise SystemExit(f"{path}: missing weights {missing}")
    model.load_keras({n: tensors[n].to(dt) for n in model.weight_names()})
    if meta.get("frozen_embedding") == "true":
        model.freeze_embeddings()
    x = tensors["x"]
    x = x.long() if w["input"]["kind"] == "tokens" else x.to(dt)
    z = model(x)
    record = [("predictions", model.predictions(z).detach())]
    summary = {"workload": wid, "dtype": dtype, "predictions_shape": list(z.shape)}
    if w["train"]:
        y = tensors["y"]
        y = y.long() if w["target"] == "nextToken" else y.to(dt)
        loss = loss_fn(w, model, z, y)
        loss.backward()
        params = [p for p in model.parameters() if p.requires_grad]
        keras_optimizer_step(w, params, {}, 1)
        with torch.no_grad():
            loss_after = loss_fn(w, model, model(x), y)
        grads = model.keras_tensors(grad=True)
        updated = model.keras_tensors()
        record += [("loss", loss.detach())]
        record += [(f"grad.{n}", grads[n]) for n in model.weight_names()]
        record += [(f"updated.{n}", updated[n]) for n in model.weight_names()]
        record += [("loss_after_step", loss_after)]
        summary.update(loss=loss.item(), loss_after_step=loss_after.item())
    write_safetensors(out, record, {"workload": wid, "dtype": dtype, "torch": torch.__version__, "source": os.path.basename(path)})
    json.dump(summary, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workloads", default="all", help="comma-separated ids (W1,W4); default all")
    ap.add_argument("--budget", type=float, default=3.0,
                    help="seconds of timed iterations per training measurement (forward gets half); at least 3 iterations")
    ap.add_argument("--fidelity", metavar="IN", help="run the model of IN (safetensors, see above) instead of timing")
    ap.add_argument("--out", metavar="OUT", help="with --fidelity: where to write the results")
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="with --fidelity")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                    help="cuda: the models on the GPU (cuDNN), float32 with TF32 off, as recurrent's default")
    ap.add_argument("--flush-denormal", action="store_true",
                    help="torch.set_flush_denormal(True): denormal floats read and written as zero, as TensorFlow "
                         "and recurrent run their kernels")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    flushing = torch.set_flush_denormal(True) if args.flush_denormal else False
    if args.fidelity:
        if not args.out:
            ap.error("--fidelity needs --out")
        run_fidelity(args.fidelity, args.out, args.dtype)
        return

    blas = blas_in_use()
    ratio_allowed = blas["kind"] in FAIR_BLAS
    if not ratio_allowed:
        print(f"warning: torch uses BLAS '{blas['kind']}' {blas['libraries']}; times are reported, no ratio may be claimed",
              file=sys.stderr)
    print(f"torch {torch.__version__}, {args.threads} threads, BLAS {blas['kind']} {blas['libraries']}", file=sys.stderr)

    wanted = None if args.workloads == "all" else [s.strip() for s in args.workloads.split(",") if s.strip()]
    chosen = [w for w in WORKLOADS if wanted is None or w["id"] in wanted]
    if not chosen:
        ap.error(f"no workload matches {args.workloads!r}; known: {', '.join(w['id'] for w in WORKLOADS)}")

    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("PyTorch sees no CUDA device", file=sys.stderr)
            sys.exit(3)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    load_before = os.getloadavg()
    results = []
    for w in chosen:
        results += run_workload(w, args.budget, args.device)
    json.dump({"torch": torch.__version__, "device": args.device, "blas": blas, "ratio_allowed": ratio_allowed, "flush_denormal": flushing,
               "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
               "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
               "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "results": results},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
