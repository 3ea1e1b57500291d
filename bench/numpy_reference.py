"""The homework's two-layer network in numpy (ECE421 A2, 1.1-1.3), the benchmark's baseline.

Written anew from the homework's equations: relu, softmax, computeLayer, CE, gradCE, the four
backprop gradients and the momentum update, all float32. Three slips of the homework's code are
fixed: softmax subtracts each row's own max (not the global max), CE is computed from the logits
as logsumexp(z) - sum_k y_k z_k (never the log of a probability that underflowed to 0), and gradCE
divides by the batch's own N (not a global N).

The default job (`npm run train`'s defaults: mini-batches in a given order, Adam, evaluation every
epoch) is JobRun: the same network for any depth, the hand-written backprop of the design notes,
and handgrad's optimizers (Adam with tfjs's epsilon, the homework's momentum, plain SGD) written
with the same float32 operations in the same order as src/train/optimizers.ts.

Run by bench/bench.ts as a server, one command per line on stdin, one JSON reply per line:
  hello                          -> {"numpy": version, "blas": description, "blasCore": the kernel
                                    OpenBLAS picked (openblas_get_corename), "blasThreads": n}
  setup N F H K SEED GAMMA ALPHA -> {"ok": true}: workload W's random data and Xavier weights
  epoch ROWS                     -> {"ms": wall time of one epoch on the first ROWS rows, "loss": L}
  homework NTRAIN NVALID NTEST F H K GAMMA ALPHA, then raw little-endian bytes: for train, valid
      and test x (float32 N x F) and labels (int32 N), then W_h, b_h, W_o, b_o (float32)
                                 -> {"ok": true}: a fresh homework run (HomeworkRun) on exactly
                                    handgrad's data and initial parameters
  homework_epochs COUNT          -> {"stepMs": [...], "evalMs": [...], "metrics": [...]}, one entry per epoch
  job NTRAIN NVALID NTEST L S_0 ... S_L BATCH CHUNK KIND LR MOMENTUM BETA1 BETA2 EPSILON, then raw
      little-endian bytes: train, valid, test x and labels as for homework, then W_1, b_1, ..., W_L, b_L
                                 -> {"ok": true}: a fresh default-job run (JobRun)
  job_epoch, then NTRAIN int32 row indices (the epoch's shuffled order)
                                 -> {"stepMs": training ms, "evalMs": evaluation ms, "steps": n, "metrics": {...}}
  rss                            -> {"peakRssBytes": peak resident set size of this process (peak_rss())}
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


class Mlp:
    """F -> S_1 -> ... -> K, relu hidden layers, any depth: params [W_1, b_1, ..., W_L, b_L]."""

    def __init__(self, params):
        self.params = list(params)

    def logits(self, x):
        h = x
        layers = len(self.params) // 2
        for l in range(layers):
            z = computeLayer(h, self.params[2 * l], self.params[2 * l + 1])
            h = relu(z) if l < layers - 1 else z
        return h

    def gradients(self, x, y):
        """Hand-written backprop of the mean CE on (x, y): G_L = (P - Y)/N, dW_l = H_{l-1}^T G_l,
        db_l = 1^T G_l, G_{l-1} = (G_l W_l^T) * 1(R_{l-1} > 0). Returns the gradients in params' order."""
        layers = len(self.params) // 2
        inputs, pre = [x], []
        for l in range(layers - 1):
            r = computeLayer(inputs[-1], self.params[2 * l], self.params[2 * l + 1])
            pre.append(r)
            inputs.append(relu(r))
        z = computeLayer(inputs[-1], self.params[-2], self.params[-1])
        g = gradCE(y, softmax(z))
        grads = [None] * len(self.params)
        for l in range(layers - 1, -1, -1):
            grads[2 * l] = inputs[l].T @ g
            grads[2 * l + 1] = g.sum(axis=0)
            if l > 0:
                g = hiddenDelta(g, pre[l - 1], self.params[2 * l])
        return grads


class Optimizer:
    """handgrad's optimizers (src/train/optimizers.ts), float32 throughout, scalars rounded to
    float32 as tfjs rounds them:
      sgd       W <- W - alpha g
      momentum  v <- gamma v + alpha g, W <- W - v
      adam      m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, W <- W - alpha (m c1) / (sqrt(v c2) + eps),
                c1 = 1 / (1 - b1^t), c2 = 1 / (1 - b2^t)   (Kingma & Ba 2015, Algorithm 1)"""

    def __init__(self, kind, lr, momentum, beta1, beta2, epsilon, params):
        if kind not in ("sgd", "momentum", "adam"):
            raise ValueError(f"unknown optimizer {kind!r}")
        self.kind = kind
        f = np.float32
        self.lr, self.momentum, self.beta1, self.beta2, self.epsilon = f(lr), f(momentum), f(beta1), f(beta2), f(epsilon)
        self.one_minus_beta1, self.one_minus_beta2 = f(1 - beta1), f(1 - beta2)
        self.beta1_64, self.beta2_64 = beta1, beta2
        self.t = 0
        self.slots = [[np.zeros_like(p) for p in params] for _ in range({"sgd": 0, "momentum": 1, "adam": 2}[kind])]

    def update(self, params, grads):
        self.t += 1
        if self.kind == "sgd":
            return [w - self.lr * g for w, g in zip(params, grads)]
        if self.kind == "momentum":
            self.slots[0] = [self.momentum * v + self.lr * g for v, g in zip(self.slots[0], grads)]
            return [w - v for w, v in zip(params, self.slots[0])]
        c1 = np.float32(1 / (1 - self.beta1_64**self.t))
        c2 = np.float32(1 / (1 - self.beta2_64**self.t))
        m = [self.beta1 * mi + self.one_minus_beta1 * g for mi, g in zip(self.slots[0], grads)]
        v = [self.beta2 * vi + self.one_minus_beta2 * np.square(g) for vi, g in zip(self.slots[1], grads)]
        self.slots = [m, v]
        return [w - (self.lr * (mi * c1)) / (np.sqrt(vi * c2) + self.epsilon) for w, mi, vi in zip(params, m, v)]


class JobRun:
    """`npm run train`'s loop (src/train/loop.ts) with mini-batches: per epoch, steps on consecutive
    batches of the given row order (the last one shorter), then mean CE and accuracy on train,
    valid and test after the epoch's updates, in chunks of CHUNK rows like handgrad's evaluation."""

    def __init__(self, splits, params, batch, chunk, optimizer):
        self.splits = splits
        self.k = params[-1].shape[0]
        self.eye = np.eye(self.k, dtype=np.float32)
        self.net = Mlp(params)
        self.batch = batch
        self.chunk = chunk
        self.optimizer = optimizer

    def evaluate(self, x, labels):
        loss, hits = 0.0, 0
        for start in range(0, len(labels), self.chunk):
            z = self.net.logits(x[start : start + self.chunk])
            ls = labels[start : start + self.chunk]
            m = z.max(axis=1, keepdims=True)
            lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
            loss += float((lse - z[np.arange(len(ls)), ls]).sum())
            hits += int((np.argmax(z, axis=1) == ls).sum())
        return loss / len(labels), hits / len(labels)

    def epoch(self, order):
        """Returns (step ms, evaluation ms, steps, metrics)."""
        x, labels = self.splits[0]
        start = time.perf_counter()
        steps = 0
        for b in range(0, len(order), self.batch):
            idx = order[b : b + self.batch]
            grads = self.net.gradients(x[idx], self.eye[labels[idx]])
            self.net.params = self.optimizer.update(self.net.params, grads)
            steps += 1
        stepped = time.perf_counter()
        metrics = {}
        for name, (xs, ls) in zip(("train", "valid", "test"), self.splits):
            metrics[name + "Loss"], metrics[name + "Acc"] = self.evaluate(xs, ls)
        done = time.perf_counter()
        return (stepped - start) * 1e3, (done - stepped) * 1e3, steps, metrics


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


def openblas_library():
    """numpy's OpenBLAS as a ctypes library and its symbol suffix/prefix, or None."""
    import ctypes
    import glob
    import os

    base = os.path.dirname(np.__file__)
    for path in sorted(glob.glob(os.path.join(base, "..", "numpy.libs", "*openblas*")) + glob.glob(os.path.join(base, ".libs", "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_", "64_"), ("scipy_", ""), ("", "64_"), ("", "")):
            if hasattr(lib, f"{prefix}openblas_get_corename{suffix}"):
                return lib, prefix, suffix
    return None


def blas_kernel():
    """(the kernel OpenBLAS picked, its thread count) for numpy's BLAS; ("unknown", 0) where it is not OpenBLAS."""
    import ctypes

    found = openblas_library()
    if found is None:
        return "unknown", 0
    lib, prefix, suffix = found
    corename = getattr(lib, f"{prefix}openblas_get_corename{suffix}")
    corename.restype = ctypes.c_char_p
    threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
    return corename().decode(), (int(threads()) if threads else 0)


def blas_description():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "unknown"


def peak_rss():
    """This process's peak resident set size in bytes: VmHWM of /proc/self/status on Linux. Not ru_maxrss:
    Linux carries that across fork and exec, so a server started by a 600 MiB node process would report
    at least 600 MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_array(dtype, shape):
    """The next count(shape) little-endian values of dtype from stdin's binary stream, read in place
    (no second copy, so the peak RSS is the arrays' own size)."""
    out = np.empty(shape, dtype=np.dtype(dtype).newbyteorder("<"))
    view = memoryview(out).cast("B")
    got = 0
    while got < len(view):
        n = sys.stdin.buffer.readinto(view[got:])
        if not n:
            raise EOFError(f"expected {len(view)} bytes of array data, got {got}")
        got += n
    return out.astype(dtype, copy=False)


def commands():
    """The pipe's commands, each line's words, until the pipe closes."""
    while True:
        line = sys.stdin.buffer.readline().decode()
        if not line:
            return
        words = line.split()
        if words:
            yield words


def main():
    net = None
    run = None
    job = None
    for words in commands():
        command = words[0]
        if command == "hello":
            core, threads = blas_kernel()
            reply({"numpy": np.__version__, "blas": blas_description(), "blasCore": core, "blasThreads": threads})
        elif command == "setup":
            n, f, h, k, seed = (int(w) for w in words[1:6])
            gamma, alpha = float(words[6]), float(words[7])
            net = WorkloadRun(n, f, h, k, seed, gamma, alpha)
            reply({"ok": True})
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
        elif command == "job":
            n_train, n_valid, n_test, depth = (int(w) for w in words[1:5])
            sizes = [int(w) for w in words[5 : 6 + depth]]
            batch, chunk = int(words[6 + depth]), int(words[7 + depth])
            kind = words[8 + depth]
            lr, momentum, beta1, beta2, epsilon = (float(w) for w in words[9 + depth : 14 + depth])
            job = None
            f = sizes[0]
            splits = [(read_array(np.float32, (n, f)), read_array(np.int32, (n,))) for n in (n_train, n_valid, n_test)]
            params = []
            for l in range(depth):
                params.append(read_array(np.float32, (sizes[l], sizes[l + 1])))
                params.append(read_array(np.float32, (sizes[l + 1],)))
            job = JobRun(splits, params, batch, chunk, Optimizer(kind, lr, momentum, beta1, beta2, epsilon, params))
            reply({"ok": True})
        elif command == "job_epoch":
            order = read_array(np.int32, (len(job.splits[0][1]),))
            step_ms, eval_ms, steps, metrics = job.epoch(order)
            reply({"stepMs": step_ms, "evalMs": eval_ms, "steps": steps, "metrics": metrics})
        elif command == "rss":
            reply({"peakRssBytes": peak_rss()})
        elif command == "quit":
            return
        else:
            reply({"error": f"unknown command {command!r}"})


if __name__ == "__main__":
    main()
