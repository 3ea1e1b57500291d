"""The homework's two-layer network in numpy (ECE421 A2, 1.1-1.3), the benchmark's baseline.

Written anew from the homework's equations: relu, softmax, computeLayer, CE, gradCE, the four
backprop gradients and the momentum update, all float32. Three slips of the homework's code are
fixed: softmax subtracts each row's own max (not the global max), CE is computed from the logits
as logsumexp(z) - sum_k y_k z_k (never the log of a probability that underflowed to 0), and gradCE
divides by the batch's own N (not a global N).

Run by bench/bench.ts as a server, one command per line on stdin, one JSON reply per line:
  setup N F H K SEED GAMMA ALPHA -> {"ok": true, "numpy": version, "blas": description}
  epoch ROWS                     -> {"ms": wall time of one epoch on the first ROWS rows, "loss": L}
  homework NTRAIN NVALID NTEST F H K GAMMA ALPHA, then raw little-endian bytes: for train, valid
      and test x (float32 N x F) and labels (int32 N), then W_h, b_h, W_o, b_o (float32)
                                 -> {"ok": true}: a fresh homework run (HomeworkRun) on exactly
                                    handgrad's data and initial parameters
  homework_epochs COUNT          -> {"stepMs": [...], "evalMs": [...], "metrics": [...]}, one entry per epoch
  rss                            -> {"peakRssBytes": peak resident set size of this process}
  quit
"""
import json
import resource
import sys
import time

import numpy as np


def relu(x):
    return np.maximum(x, np.float32(0))


def softmax(z):
    # Each row shifted by its own max, so exp never overflows (the homework used the global max).
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def computeLayer(x, w, b):
    return x @ w + b


def CE(target, logits):
    # -(1/N) sum_n sum_k y_nk log p_nk = (1/N) sum_n (logsumexp(z_n) - sum_k y_nk z_nk)
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return float(np.mean(lse - (target * logits).sum(axis=1)))


def gradCE(target, prediction):
    # dL/dz = (p - y) / N with this batch's N
    return (prediction - target) / np.float32(target.shape[0])


def gradLossW_o(delta_o, hidden):
    return hidden.T @ delta_o


def gradLossb_o(delta_o):
    return delta_o.sum(axis=0)  # 1^T . delta_o


def hiddenDelta(delta_o, r, w_o):
    # (delta_o . W_o^T) * relu'(r), relu'(0) = 0; computed once, shared by W_h and b_h
    return (delta_o @ w_o.T) * (r > 0)


def gradLossW_h(delta_h, x):
    return x.T @ delta_h


def gradLossb_h(delta_h):
    return delta_h.sum(axis=0)


def xavier(f, h, k, rng):
    """Xavier normal, std = sqrt(2 / (fan_in + fan_out)); biases 0. Returns (W_h, b_h, W_o, b_o)."""
    w_h = (rng.standard_normal((f, h)) * np.sqrt(2.0 / (f + h))).astype(np.float32)
    w_o = (rng.standard_normal((h, k)) * np.sqrt(2.0 / (h + k))).astype(np.float32)
    return w_h, np.zeros(h, dtype=np.float32), w_o, np.zeros(k, dtype=np.float32)


class Network:
    """F -> H -> K from the given parameters, trained with the homework's momentum (1.3):
    v <- gamma v + alpha dL/dW, W <- W - v, v starting at 0."""

    def __init__(self, params, gamma, alpha):
        self.w_h, self.b_h, self.w_o, self.b_o = params
        self.v = [np.zeros_like(p) for p in params]
        self.gamma = np.float32(gamma)
        self.alpha = np.float32(alpha)

    def logits(self, x):
        return computeLayer(relu(computeLayer(x, self.w_h, self.b_h)), self.w_o, self.b_o)

    def step(self, x, y):
        """One momentum step on (x, y); returns the logits of its forward pass (before the update)."""
        r = computeLayer(x, self.w_h, self.b_h)
        hidden = relu(r)
        z = computeLayer(hidden, self.w_o, self.b_o)
        delta_o = gradCE(y, softmax(z))
        delta_h = hiddenDelta(delta_o, r, self.w_o)
        grads = (gradLossW_h(delta_h, x), gradLossb_h(delta_h), gradLossW_o(delta_o, hidden), gradLossb_o(delta_o))
        self.v = [self.gamma * v + self.alpha * g for v, g in zip(self.v, grads)]
        self.w_h, self.b_h, self.w_o, self.b_o = (p - v for p, v in zip((self.w_h, self.b_h, self.w_o, self.b_o), self.v))
        return z


class WorkloadRun:
    """Workload W: random pixels in [0, 1) and random labels; one full-batch step per epoch, no evaluation."""

    def __init__(self, n, f, h, k, seed, gamma, alpha):
        rng = np.random.default_rng(seed)
        self.x = rng.random((n, f), dtype=np.float32)
        self.y = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
        self.net = Network(xavier(f, h, k, rng), gamma, alpha)

    def epoch(self, rows):
        y = self.y[:rows]
        return CE(y, self.net.step(self.x[:rows], y))


def accuracy(labels, logits):
    return float(np.mean(np.argmax(logits, axis=1) == labels))


class HomeworkRun:
    """The homework's training loop: per epoch one full-batch momentum step on the training rows, then
    CE loss and accuracy on train, valid and test (one-hot targets, as the homework's convertOneHot).
    Train metrics come from the step's own forward pass (parameters before the update), valid/test
    from a forward pass after it, as in handgrad's src/train/loop.ts."""

    def __init__(self, splits, params, gamma, alpha):
        """splits: [(x, labels)] for train, valid, test; params: (W_h, b_h, W_o, b_o)."""
        k = params[3].shape[0]
        self.splits = [(x, labels, np.eye(k, dtype=np.float32)[labels]) for x, labels in splits]
        self.net = Network(params, gamma, alpha)

    def epoch(self):
        """Returns (step ms, evaluation ms, metrics)."""
        x, labels, y = self.splits[0]
        start = time.perf_counter()
        z = self.net.step(x, y)
        metrics = {"trainLoss": CE(y, z), "trainAcc": accuracy(labels, z)}
        stepped = time.perf_counter()
        for name, (xs, ls, ys) in zip(("valid", "test"), self.splits[1:]):
            z = self.net.logits(xs)
            metrics[name + "Loss"] = CE(ys, z)
            metrics[name + "Acc"] = accuracy(ls, z)
        done = time.perf_counter()
        return (stepped - start) * 1e3, (done - stepped) * 1e3, metrics


def blas_description():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "unknown"


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_array(dtype, shape):
    """The next count(shape) little-endian values of dtype from stdin's binary stream."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = sys.stdin.buffer.read(size)
    if len(raw) != size:
        raise EOFError(f"expected {size} bytes of array data, got {len(raw)}")
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)


def main():
    net = None
    run = None
    while True:
        line = sys.stdin.buffer.readline().decode()
        if not line:
            return
        words = line.split()
        if not words:
            continue
        command = words[0]
        if command == "setup":
            n, f, h, k, seed = (int(w) for w in words[1:6])
            gamma, alpha = float(words[6]), float(words[7])
            net = WorkloadRun(n, f, h, k, seed, gamma, alpha)
            reply({"ok": True, "numpy": np.__version__, "blas": blas_description()})
        elif command == "epoch":
            rows = int(words[1])
            start = time.perf_counter()
            loss = net.epoch(rows)
            reply({"ms": (time.perf_counter() - start) * 1e3, "loss": loss})
        elif command == "homework":
            n_train, n_valid, n_test, f, h, k = (int(w) for w in words[1:7])
            run = None  # free the previous run's data before reading the next
            splits = [(read_array(np.float32, (n, f)), read_array(np.int32, (n,))) for n in (n_train, n_valid, n_test)]
            params = tuple(read_array(np.float32, shape) for shape in ((f, h), (h,), (h, k), (k,)))
            run = HomeworkRun(splits, params, float(words[7]), float(words[8]))
            reply({"ok": True})
        elif command == "homework_epochs":
            out = {"stepMs": [], "evalMs": [], "metrics": []}
            for _ in range(int(words[1])):
                step_ms, eval_ms, metrics = run.epoch()
                out["stepMs"].append(step_ms)
                out["evalMs"].append(eval_ms)
                out["metrics"].append(metrics)
            reply(out)
        elif command == "rss":
            reply({"peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
        elif command == "quit":
            return
        else:
            reply({"error": f"unknown command {command!r}"})


if __name__ == "__main__":
    main()
