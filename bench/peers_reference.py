"""The default job and the homework setting in PyTorch and JAX: the bench's peers.

Each peer is written the way that framework's users write it, from the same rows, initial parameters
and batch order as handgrad (sent over the pipe as bench/numpy_reference.py receives them):

  torch-eager    nn.Sequential of nn.Linear and nn.ReLU, F.cross_entropy, torch.optim.Adam / SGD,
                 zero_grad / backward / step per batch; torch.set_num_threads(2)
  torch-compile  the same with the model wrapped in torch.compile (inductor: needs a C++ compiler)
  jax-step       jax.grad of the loss and jax.example_libraries.optimizers' update in one jitted step,
                 called once per batch (the homework setting: once per epoch, evaluation included)
  jax-scan       the whole epoch jitted: lax.scan over the epoch's full batches inside jit, then the
                 jitted step on the shorter last batch (the homework setting: lax.scan over a chunk of epochs)

Both JAX peers keep the data on the device and gather each batch inside the jitted function, so
they differ only in how often Python dispatches. Compilation happens when a run starts (torch.compile:
a forward and backward pass on each batch shape, no update; JAX: lower().compile() of every function
on every shape) and is reported apart from the epochs.

torch.optim.SGD's momentum (v <- g + m v, W <- W - a v) and jax's (the same) are handgrad's
(v <- m v + a g, W <- W - v) with v scaled by 1/a: the same updates up to rounding.

Run by bench/peers.ts as a server, `python3 peers_reference.py PEER`, one command per line on stdin,
one JSON reply per line; the job and homework commands and their raw bytes are numpy_reference.py's:
  hello                  -> {"peer": name, "framework": "torch 2.x" / "jax 0.x", "threads": n}
  job ...                -> {"ok": true, "compileMs": ms or null}
  job_epoch + order      -> {"stepMs", "evalMs", "steps", "metrics"} as numpy_reference.py's
  homework ...           -> {"ok": true, "compileMs": ms or null}
  homework_epochs COUNT  -> {"ms": the chunk's wall time, "compileMs": ms spent compiling for this chunk
                             length (jax-scan, first chunk of a length) or 0, "metrics": [...]}
  rss, quit              as numpy_reference.py's
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_reference import commands, peak_rss, read_array, reply  # noqa: E402

PEERS = ("torch-eager", "torch-compile", "jax-step", "jax-scan")
THREADS = 2


def batches(n, batch):
    """(start, stop) of each batch of an epoch over n rows: full batches, then the shorter last one."""
    return [(b, min(b + batch, n)) for b in range(0, n, batch)]


def splits_metrics(values):
    """{"trainLoss", "trainAcc", ...} from [(loss, acc)] for train, valid, test."""
    out = {}
    for name, (loss, acc) in zip(("train", "valid", "test"), values):
        out[name + "Loss"], out[name + "Acc"] = float(loss), float(acc)
    return out


# ---------------------------------------------------------------------------------------------------
# PyTorch


class TorchRun:
    """One run (the default job or the homework setting) in PyTorch, eager or compiled."""

    def __init__(self, splits, params, optimizer, compiled):
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(THREADS)
        self.torch, self.F = torch, F
        depth = len(params) // 2
        layers = []
        for l in range(depth):
            w, b = params[2 * l], params[2 * l + 1]
            linear = torch.nn.Linear(w.shape[0], w.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if l < depth - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.forward = torch.compile(self.model) if compiled else self.model
        kind, lr, momentum, beta1, beta2, epsilon = optimizer
        if kind == "adam":
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr, betas=(beta1, beta2), eps=epsilon)
        elif kind == "momentum":
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr, momentum=momentum)
        else:
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.splits = [(torch.from_numpy(x), torch.from_numpy(labels).long()) for x, labels in splits]

    def warm(self, batch_sizes):
        """Compiles (torch.compile) the training graphs of these batch sizes and the evaluation graph of
        each split: a forward and backward pass, no update. Returns the milliseconds it took."""
        start = time.perf_counter()
        x, labels = self.splits[0]
        for size in batch_sizes:
            self.F.cross_entropy(self.forward(x[:size]), labels[:size]).backward()
        self.optimizer.zero_grad(set_to_none=True)
        for split in self.splits:
            self.evaluate(*split)
        return (time.perf_counter() - start) * 1e3

    def train_step(self, x, labels):
        """One update on (x, labels); returns the logits of its forward pass (before the update)."""
        self.optimizer.zero_grad(set_to_none=True)
        z = self.forward(x)
        self.F.cross_entropy(z, labels).backward()
        self.optimizer.step()
        return z.detach()

    def evaluate(self, x, labels):
        with self.torch.no_grad():
            return self.metrics(self.forward(x), labels)

    def metrics(self, z, labels):
        return self.F.cross_entropy(z, labels).item(), (z.argmax(dim=1) == labels).float().mean().item()

    def job_epoch(self, order, batch):
        x, labels = self.splits[0]
        order = self.torch.from_numpy(order).long()
        start = time.perf_counter()
        spans = batches(len(order), batch)
        for b, e in spans:
            idx = order[b:e]
            self.train_step(x[idx], labels[idx])
        stepped = time.perf_counter()
        metrics = splits_metrics([self.evaluate(*split) for split in self.splits])
        done = time.perf_counter()
        return (stepped - start) * 1e3, (done - stepped) * 1e3, len(spans), metrics

    def homework_epochs(self, count):
        x, labels = self.splits[0]
        start = time.perf_counter()
        out = []
        for _ in range(count):
            train = self.metrics(self.train_step(x, labels), labels)
            out.append(splits_metrics([train] + [self.evaluate(*split) for split in self.splits[1:]]))
        return (time.perf_counter() - start) * 1e3, 0.0, out


# ---------------------------------------------------------------------------------------------------
# JAX


class JaxRun:
    """One run in JAX: a jitted step per batch (scan=False) or a jitted epoch (scan=True)."""

    def __init__(self, splits, params, optimizer, scan):
        import jax
        import jax.numpy as jnp
        from jax.example_libraries import optimizers

        self.jax, self.jnp, self.scan = jax, jnp, scan
        kind, lr, momentum, beta1, beta2, epsilon = optimizer
        if kind == "adam":
            init, self.update, self.get_params = optimizers.adam(lr, beta1, beta2, epsilon)
        elif kind == "momentum":
            init, self.update, self.get_params = optimizers.momentum(lr, momentum)
        else:
            init, self.update, self.get_params = optimizers.sgd(lr)
        self.state = init([(jnp.asarray(params[2 * l]), jnp.asarray(params[2 * l + 1])) for l in range(len(params) // 2)])
        self.splits = [(jnp.asarray(x), jnp.asarray(labels)) for x, labels in splits]
        self.t = 0  # the optimizer's step counter (Adam's bias correction)
        self.compiled = {}

    @staticmethod
    def logits(jax, params, x):
        for w, b in params[:-1]:
            x = jax.nn.relu(x @ w + b)
        w, b = params[-1]
        return x @ w + b

    def loss_fns(self):
        jax, jnp = self.jax, self.jnp

        def loss_and_logits(params, x, labels):
            z = JaxRun.logits(jax, params, x)
            ce = jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, labels[:, None], axis=1)[:, 0]
            return jnp.mean(ce), z

        def metrics(params, x, labels):
            loss, z = loss_and_logits(params, x, labels)
            return loss, jnp.mean(jnp.argmax(z, axis=1) == labels)

        return loss_and_logits, metrics

    def compile(self, name, fn, *args):
        """jit(fn) lowered and compiled for these arguments' shapes; milliseconds spent."""
        start = time.perf_counter()
        self.compiled[name] = self.jax.jit(fn).lower(*args).compile()
        return (time.perf_counter() - start) * 1e3

    # The default job: mini-batches in the given order, then loss and accuracy on the three splits.

    def setup_job(self, batch):
        jax, jnp = self.jax, self.jnp
        loss_and_logits, metrics = self.loss_fns()
        update, get_params = self.update, self.get_params

        def step(t, state, x, labels, idx):
            grads = jax.grad(lambda p: loss_and_logits(p, x[idx], labels[idx])[0])(get_params(state))
            return update(t, grads, state)

        def epoch(t, state, x, labels, idx):
            def body(carry, batch_idx):
                t, state = carry
                return (t + 1, step(t, state, x, labels, batch_idx)), None

            (t, state), _ = jax.lax.scan(body, (t, state), idx)
            return state

        def evaluate(state, x, labels):
            return metrics(get_params(state), x, labels)

        x, labels = self.splits[0]
        n = x.shape[0]
        self.batch = batch
        full, rest = n // batch, n % batch
        t = jnp.int32(0)
        ms = 0.0
        if full > 0:
            ms += self.compile("step", step, t, self.state, x, labels, jnp.zeros(batch, jnp.int32))
            if self.scan:
                ms += self.compile("epoch", epoch, t, self.state, x, labels, jnp.zeros((full, batch), jnp.int32))
        if rest > 0:
            ms += self.compile("last", step, t, self.state, x, labels, jnp.zeros(rest, jnp.int32))
        for i, (xs, ls) in enumerate(self.splits):
            ms += self.compile(f"eval{i}", evaluate, self.state, xs, ls)
        return ms

    def job_epoch(self, order):
        jnp = self.jnp
        x, labels = self.splits[0]
        n, batch = len(order), self.batch
        full = n // batch
        start = time.perf_counter()
        state = self.state
        if self.scan and full > 0:
            state = self.compiled["epoch"](jnp.int32(self.t), state, x, labels, jnp.asarray(order[: full * batch].reshape(full, batch)))
            self.t += full
            spans = batches(n, batch)[full:]
        else:
            spans = batches(n, batch)
        for b, e in spans:
            fn = self.compiled["step" if e - b == batch else "last"]
            state = fn(jnp.int32(self.t), state, x, labels, jnp.asarray(order[b:e]))
            self.t += 1
        self.state = self.jax.block_until_ready(state)
        stepped = time.perf_counter()
        metrics = splits_metrics([self.compiled[f"eval{i}"](state, xs, ls) for i, (xs, ls) in enumerate(self.splits)])
        done = time.perf_counter()
        return (stepped - start) * 1e3, (done - stepped) * 1e3, (n + batch - 1) // batch, metrics

    # The homework setting: per epoch one full-batch step (train metrics from its own forward pass),
    # then loss and accuracy on valid and test.

    def homework_fns(self):
        jax, jnp = self.jax, self.jnp
        loss_and_logits, metrics = self.loss_fns()
        update, get_params = self.update, self.get_params

        def epoch(t, state, data):
            (xt, lt), (xv, lv), (xs, ls) = data
            (loss, z), grads = jax.value_and_grad(loss_and_logits, has_aux=True)(get_params(state), xt, lt)
            state = update(t, grads, state)
            params = get_params(state)
            row = jnp.stack([loss, jnp.mean(jnp.argmax(z, axis=1) == lt), *metrics(params, xv, lv), *metrics(params, xs, ls)])
            return state, row

        def chunk(t, state, data, count):
            def body(carry, _):
                t, state = carry
                state, row = epoch(t, state, data)
                return (t + 1, state), row

            (_, state), rows = jax.lax.scan(body, (t, state), None, length=count)
            return state, rows

        return epoch, chunk

    def setup_homework(self):
        epoch, _ = self.homework_fns()
        return 0.0 if self.scan else self.compile("hw_epoch", epoch, self.jnp.int32(0), self.state, self.splits)

    def homework_epochs(self, count):
        """(chunk ms, compile ms, metrics): jax-scan compiles once per chunk length, before the timed run."""
        jnp = self.jnp
        compile_ms = 0.0
        if self.scan and f"hw_chunk{count}" not in self.compiled:
            _, chunk = self.homework_fns()
            compile_ms = self.compile(f"hw_chunk{count}", lambda t, s, d: chunk(t, s, d, count), jnp.int32(0), self.state, self.splits)
        start = time.perf_counter()
        if self.scan:
            self.state, rows = self.compiled[f"hw_chunk{count}"](jnp.int32(self.t), self.state, self.splits)
            self.t += count
        else:
            rows = []
            for _ in range(count):
                self.state, row = self.compiled["hw_epoch"](jnp.int32(self.t), self.state, self.splits)
                self.t += 1
                rows.append(row)
        rows = np.asarray(self.jax.block_until_ready(rows))
        ms = (time.perf_counter() - start) * 1e3
        metrics = [splits_metrics(zip(r[0::2], r[1::2])) for r in rows]
        return ms, compile_ms, metrics


# ---------------------------------------------------------------------------------------------------


def framework(peer):
    if peer.startswith("torch"):
        import torch

        torch.set_num_threads(THREADS)
        return f"torch {torch.__version__}", torch.get_num_threads()
    import jax

    return f"jax {jax.__version__} ({jax.default_backend()})", os.cpu_count()


def make_run(peer, splits, params, optimizer):
    if peer.startswith("torch"):
        return TorchRun(splits, params, optimizer, compiled=peer == "torch-compile")
    return JaxRun(splits, params, optimizer, scan=peer == "jax-scan")


def read_splits(sizes, features):
    return [(read_array(np.float32, (n, features)), read_array(np.int32, (n,))) for n in sizes]


def main():
    peer = sys.argv[1] if len(sys.argv) > 1 else ""
    if peer not in PEERS:
        sys.stderr.write(f"peers_reference.py: unknown peer {peer!r} (expected {', '.join(PEERS)})\n")
        sys.exit(2)
    run = None
    batch = 0
    for words in commands():
        command = words[0]
        try:
            if command == "hello":
                name, threads = framework(peer)
                reply({"peer": peer, "framework": name, "threads": threads})
            elif command == "job":
                n_train, n_valid, n_test, depth = (int(w) for w in words[1:5])
                sizes = [int(w) for w in words[5 : 6 + depth]]
                batch = int(words[6 + depth])
                kind = words[8 + depth]
                lr, momentum, beta1, beta2, epsilon = (float(w) for w in words[9 + depth : 14 + depth])
                run = None
                splits = read_splits((n_train, n_valid, n_test), sizes[0])
                params = []
                for l in range(depth):
                    params.append(read_array(np.float32, (sizes[l], sizes[l + 1])))
                    params.append(read_array(np.float32, (sizes[l + 1],)))
                run = make_run(peer, splits, params, (kind, lr, momentum, beta1, beta2, epsilon))
                if peer == "torch-compile":
                    compile_ms = run.warm(sorted({min(batch, n_train), n_train % batch or batch}))
                elif peer.startswith("jax"):
                    compile_ms = run.setup_job(batch)
                else:
                    compile_ms = None
                reply({"ok": True, "compileMs": compile_ms})
            elif command == "job_epoch":
                order = read_array(np.int32, (len(run.splits[0][1]),))
                step_ms, eval_ms, steps, metrics = run.job_epoch(order) if peer.startswith("jax") else run.job_epoch(order, batch)
                reply({"stepMs": step_ms, "evalMs": eval_ms, "steps": steps, "metrics": metrics})
            elif command == "homework":
                n_train, n_valid, n_test, f, h, k = (int(w) for w in words[1:7])
                gamma, alpha = float(words[7]), float(words[8])
                run = None
                splits = read_splits((n_train, n_valid, n_test), f)
                params = [read_array(np.float32, shape) for shape in ((f, h), (h,), (h, k), (k,))]
                run = make_run(peer, splits, params, ("momentum", alpha, gamma, 0.9, 0.999, 1e-7))
                if peer == "torch-compile":
                    compile_ms = run.warm([n_train])
                elif peer.startswith("jax"):
                    compile_ms = run.setup_homework()
                else:
                    compile_ms = None
                reply({"ok": True, "compileMs": compile_ms})
            elif command == "homework_epochs":
                ms, compile_ms, metrics = run.homework_epochs(int(words[1]))
                reply({"ms": ms, "compileMs": compile_ms, "metrics": metrics})
            elif command == "rss":
                reply({"peakRssBytes": peak_rss()})
            elif command == "quit":
                return
            else:
                reply({"error": f"unknown command {command!r}"})
        except Exception as error:  # one line back to the bench, which names the peer
            reply({"error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"})
            return


if __name__ == "__main__":
    main()
