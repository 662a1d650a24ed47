# PyTorch's (cuDNN) times for the recurrent layers bench/cuda/rnn_timing.cc times: the same
# shapes, float32 with TF32 off (our kernels' exact path), forward and backward of the
# layers alone (W6 forward only, under no_grad), CUDA events after a warm-up. One line per
# workload: "<ms>", in rnn_timing.cc's order.
import torch

assert torch.cuda.is_available()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"

def rnn(kind, i, h, **kw):
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
    return cls(i, h, batch_first=True, **kw).to(dev)

# (layers as (module, batch, steps, input), train)
workloads = [
    ([(rnn("gru", 32, 24), 128, 256, 32), (rnn("gru", 24, 24), 128, 256, 24)], True),
    ([(rnn("lstm", 128, 256), 64, 100, 128)], True),
    ([(rnn("lstm", 512, 1024), 64, 50, 512)], True),
    ([(rnn("lstm", 64, 512), 32, 100, 64)], True),
    ([(rnn("rnn", 50, 5, nonlinearity="relu"), 32, 80, 50)], True),
    ([(rnn("lstm", 128, 256), 1, 100, 128)], False),
    ([(rnn("lstm", 64, 128, bidirectional=True), 64, 200, 64)], True),
]

for layers, train in workloads:
    xs = [torch.randn(b, t, i, device=dev, requires_grad=train) for _, b, t, i in layers]

    def once():
        for (m, _, _, _), x in zip(layers, xs):
            if train:
                out, _ = m(x)
                out.sum().backward()
            else:
                with torch.no_grad():
                    m(x)

    for _ in range(3):
        once()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(10):
        once()
    e.record()
    torch.cuda.synchronize()
    print(f"{s.elapsed_time(e) / 10:.3f}")
