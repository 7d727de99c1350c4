#!/usr/bin/env python3
"""PyTorch side of issue 8's LSTM speed benchmark (see BENCHMARKS.md, jobs/bench-speed.sh).

The same workloads as dev.sparklstm.bench.LstmSpeedBenchmark: 2 stacked LSTM layers (nn.LSTM,
num_layers=2) + a per-step Linear layer with softmax / cross-entropy, 8 inputs, 3 classes,
T = 50, truncated BPTT 10 (each 10-step segment is one optimizer step; the hidden state is
carried into the next segment detached), Adam lr 1e-3, no clipping.
  A: hidden 32, training batch 16, inference batch 256
  B: hidden 256, training batch 64, inference batch 256
Training times --train-batches distinct minibatches; inference times --infer-calls forward passes
(torch.no_grad, softmax included) on a [50, 256, 8] batch. Unit: sequence steps per second. Every
repetition measures every figure once in a rotating order; medians over the timed repetitions.
Prints the same "SPEED ..." lines as the Java benchmark. Threads: torch.set_num_threads(--threads,
default OMP_NUM_THREADS or 1).

Run it with Debian's /usr/bin/python3 (python3-torch); see jobs/bench-speed.sh for the BLAS setup.
"""
import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

INPUTS = 8
CLASSES = 3
STEPS = 50
TBPTT = 10
INFER_BATCH = 256
LEARNING_RATE = 1e-3
WORKLOADS = {"A": (32, 16), "B": (256, 64)}  # name -> (hidden, training batch)


def line(kind, fields):
    return "SPEED " + kind + "".join(f" {k}={str(v).replace(' ', '_')}" for k, v in fields.items())


def forward_flops_per_seq_step(inputs, hidden_sizes):
    """GEMM FLOPs of the forward per sequence step: 2 (I + H) 4H per layer (as LstmFlops.java)."""
    flops, n_in = 0, inputs
    for h in hidden_sizes:
        flops += 2 * (n_in + h) * 4 * h
        n_in = h
    return flops


class Net(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.lstm = torch.nn.LSTM(INPUTS, hidden, num_layers=2)
        self.out = torch.nn.Linear(hidden, CLASSES)

    def forward(self, x, state=None):
        y, state = self.lstm(x, state)
        return self.out(y), state


class Figure:
    def __init__(self, key, flops_per_seq_step, action):
        self.key = key
        self.flops_per_seq_step = flops_per_seq_step
        self.action = action
        self.samples = []

    def fields(self, **extra):
        d = dict(self.key)
        d.update(extra)
        return d


def key(impl, workload, mode, unit):
    return {"side": "python", "impl": impl, "workload": workload, "mode": mode, "unit": unit}


def training_figure(name, hidden, batch, batches, gen):
    net = Net(hidden)
    opt = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    data = [(torch.randn(STEPS, batch, INPUTS, generator=gen),
             torch.randint(0, CLASSES, (STEPS, batch), generator=gen)) for _ in range(batches)]

    def run():
        start = time.perf_counter()
        for x, y in data:
            state = None
            for s in range(0, STEPS, TBPTT):
                logits, (h, c) = net(x[s:s + TBPTT], state)
                loss = F.cross_entropy(logits.reshape(-1, CLASSES), y[s:s + TBPTT].reshape(-1))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                state = (h.detach(), c.detach())
        return batches * batch * STEPS / (time.perf_counter() - start)

    return Figure(key("pytorch", name, "train", "seq_steps_per_s"),
                  3 * forward_flops_per_seq_step(INPUTS, [hidden, hidden]), run)


def inference_figure(name, hidden, calls, gen):
    net = Net(hidden).eval()
    x = torch.randn(STEPS, INFER_BATCH, INPUTS, generator=gen)

    def run():
        start = time.perf_counter()
        with torch.no_grad():
            for _ in range(calls):
                logits, _ = net(x)
                torch.softmax(logits, dim=-1)
        return calls * INFER_BATCH * STEPS / (time.perf_counter() - start)

    return Figure(key("pytorch", name, "infer", "seq_steps_per_s"),
                  forward_flops_per_seq_step(INPUTS, [hidden, hidden]), run)


def sgemm_figure(n):
    """torch.mm of two n x n float32 matrices, GFLOP/s: the BLAS PyTorch is using."""
    a = torch.rand(n, n) - 0.5
    b = torch.rand(n, n) - 0.5
    c = torch.empty(n, n)
    flops = 2.0 * n ** 3
    calls = int(max(1, min(1000, 4e9 / flops)))

    def run():
        start = time.perf_counter()
        for _ in range(calls):
            torch.mm(a, b, out=c)
        return calls * flops / (time.perf_counter() - start) / 1e9

    f = Figure(key("pytorch-mm", "-", "sgemm", "gflops"), 0, run)
    f.key["size"] = n
    return f


def blas_libraries():
    """The BLAS/LAPACK shared objects mapped into this process, resolved (alternatives are symlinks)."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for entry in maps:
            path = entry.split()[-1] if len(entry.split()) >= 6 else ""
            if any(s in os.path.basename(path) for s in ("blas", "lapack", "mkl", "gomp", "omp")):
                libs.add(os.path.realpath(path))
    return ",".join(sorted(libs)) or "none"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workloads", default="A,B")
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--train-batches", type=int, default=40)
    p.add_argument("--infer-calls", type=int, default=5)
    p.add_argument("--sgemm-size", type=int, default=1024)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    args = p.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",")]
    args.modes = [m.strip() for m in args.modes.split(",")]
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"--workloads values must be among {sorted(WORKLOADS)}, got '{w}'")
    for m in args.modes:
        if m not in ("train", "infer"):
            p.error(f"--modes values must be among ['infer', 'train'], got '{m}'")
    for name in ("warmup", "repeats", "train_batches", "infer_calls", "threads"):
        if getattr(args, name) < (0 if name == "warmup" else 1):
            p.error(f"--{name.replace('_', '-')} must be at least {0 if name == 'warmup' else 1}, "
                    f"got {getattr(args, name)}")
    return args


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    figures = []
    for w in args.workloads:
        hidden, batch = WORKLOADS[w]
        if "train" in args.modes:
            figures.append(training_figure(w, hidden, batch, args.train_batches, gen))
        if "infer" in args.modes:
            figures.append(inference_figure(w, hidden, args.infer_calls, gen))
    figures.append(sgemm_figure(args.sgemm_size))
    print(line("INFO", {"side": "python", "torch": torch.__version__, "threads": torch.get_num_threads(),
                        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
                        "blas_libraries": blas_libraries()}), flush=True)
    # One thread: this thread's CPU time (all the work runs here); more: the process's, which also
    # counts OpenMP threads waiting for work (as the Java side counts its JIT and GC threads).
    cpu_time = time.thread_time if torch.get_num_threads() == 1 else time.process_time
    for rep in range(args.warmup + args.repeats):
        for k in range(len(figures)):
            f = figures[(k + rep) % len(figures)]
            wall, cpu = time.perf_counter(), cpu_time()
            rate = f.action()
            wall, cpu = time.perf_counter() - wall, cpu_time() - cpu
            if rep >= args.warmup:
                f.samples.append(rate)
                print(line("SAMPLE", f.fields(rep=rep - args.warmup + 1, value=f"{rate:.1f}")), flush=True)
                # The same rate per second of CPU time: less sensitive to other processes on a
                # loaded machine.
                print(line("CPUSAMPLE", f.fields(rep=rep - args.warmup + 1, value=f"{rate * wall / cpu:.1f}",
                                                 cpu_share=f"{cpu / wall:.2f}")), flush=True)
            else:
                print(line("WARMUP", f.fields(value=f"{rate:.1f}")), flush=True)
    for f in figures:
        med = statistics.median(f.samples)
        extra = {"value": f"{med:.1f}", "reps": len(f.samples),
                 "range": f"{min(f.samples):.0f}..{max(f.samples):.0f}"}
        if f.flops_per_seq_step:
            extra["gemm_gflops"] = f"{med * f.flops_per_seq_step / 1e9:.2f}"
        print(line("RESULT", f.fields(**extra)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
