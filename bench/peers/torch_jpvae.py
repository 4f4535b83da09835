"""The PyTorch CPU peer of jpvae's training bench (`jpvae bench --peers`).

The same model, batch, prior and optimiser as jpvae's reference step
(src/bench/train.ts): per view an encoder 392->512->512 (ReLU) with mean and
log-variance heads 512->20, a decoder 20->512->512->392 (ReLU, logits); the
joint prior C = alpha*O with O the Cayley map of a free 20x20 matrix's skew
part, recomputed (and differentiated) every step as jpvae does; the loss is
BCE-with-logits summed over pixels plus the KL of App. A.2, both averaged
over the batch of 32; Adam at lr 1e-3. Rows: 32 fixed Bernoulli(0.2) rows of
392+392 pixels (hvdMNIST-like), gathered by index each step.

One process is one configuration: the parent sets OMP_NUM_THREADS (torch's
own parallel loops) and OPENBLAS_NUM_THREADS (the GEMMs) before Python
starts, each on its own (OpenBLAS sizes its pool at load; torch.set_num_threads
alone leaves it as it was), and OPENBLAS_CORETYPE when OpenBLAS's kernels are
forced to an older core; this script calls torch.set_num_threads(--omp) too.
--save-products P writes the GEMM products of the model's shapes on seeded
inputs to P; --compare-products P computes them here and reports how far they
are from P's (max |a - b| / max |b| over the products) before any training,
so that a process on other OpenBLAS kernels is checked against the forced ones.
Protocol, a line each way on stdin/stdout:
  start: prints {"ready": true, "torch": ..., "omp": ..., "blas": ..., "coretype": ...} after a warm-up
  "round S": trains for S seconds of wall time, prints {"samples_per_s": ..., "steps": ...}
  "quit" (or end of input): exits.
With --check K it instead runs K steps and prints the loss before and after.
"""

import argparse
import ctypes
import json
import math
import sys
import time

import torch
from torch import nn

DIM, HIDDEN, LATENT, BATCH, ALPHA = 392, 512, 20, 32, 0.95


class View(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU())
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.logvar = nn.Linear(HIDDEN, LATENT)
        self.decoder = nn.Sequential(
            nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, DIM)
        )

    def forward(self, x):
        h = self.encoder(x)
        mu, lv = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)  # reparameterisation
        recon = nn.functional.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="sum") / x.shape[0]
        return mu, lv, recon


class Jpvae(nn.Module):
    def __init__(self):
        super().__init__()
        self.views = nn.ModuleList([View(), View()])
        self.free = nn.Parameter(torch.zeros(LATENT, LATENT))  # its strict upper triangle is A's

    def orthogonal(self):
        upper = torch.triu(self.free, diagonal=1)
        a = upper - upper.T
        eye = torch.eye(LATENT)
        return torch.linalg.solve(eye - a, eye + a)  # (I - A)^-1 (I + A) = (I + A)(I - A)^-1: they commute

    def loss(self, x1, x2):
        (mu1, lv1, r1), (mu2, lv2, r2) = self.views[0](x1), self.views[1](x2)
        o = self.orthogonal()
        c1 = 1 / (1 - ALPHA * ALPHA)
        k, b = ALPHA * ALPHA * c1, ALPHA * c1
        t = mu2 @ o  # O^T mu2, per row
        w = (o * o).sum(1)  # diag(O O^T)
        # App. A.2 with C = alpha O, O^T O = I, term for term as jpvae's kernel computes it.
        kl = 0.5 * (c1 * (mu1 * mu1).sum(1) + c1 * lv1.exp().sum(1) - lv1.sum(1) - LATENT)
        kl = kl + 0.5 * ((mu2 * mu2).sum(1) + k * (t * t).sum(1) + (lv2.exp() * (1 + k * w)).sum(1) - lv2.sum(1) - LATENT)
        kl = kl + 0.5 * LATENT * math.log(1 - ALPHA * ALPHA) - b * (t * mu1).sum(1)
        return r1 + r2 + kl.mean()


def loaded_blas():
    """The BLAS library this process loaded (torch's build info says only "generic" on Debian)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
        return ", ".join(sorted(p for p in paths if "libopenblas" in p) or sorted(paths)) or "unknown"
    except OSError:
        return "unknown"


def openblas():
    """OpenBLAS's core type (the kernels it runs) and its thread count, asked of the library torch loaded."""
    try:
        lib = ctypes.CDLL(loaded_blas().split(", ")[0])
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), lib.openblas_get_num_threads()
    except (OSError, AttributeError):
        return "unknown", 0


def products():
    """Every GEMM form of the model's layer shapes (forward, dX, dW) at batch BATCH on seeded inputs."""
    g = torch.Generator().manual_seed(7)
    out = []
    for n_in, n_out in [(DIM, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, LATENT), (LATENT, HIDDEN), (HIDDEN, DIM)]:
        x, w, d = (torch.randn(*s, generator=g) for s in [(BATCH, n_in), (n_out, n_in), (BATCH, n_out)])
        out += [x @ w.T, d @ w, d.T @ x]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--omp", type=int, required=True)
    p.add_argument("--check", type=int, default=0)
    p.add_argument("--save-products")
    p.add_argument("--compare-products")
    args = p.parse_args()
    torch.set_num_threads(args.omp)
    checked = {}
    if args.save_products:
        torch.save(products(), args.save_products)
    if args.compare_products:
        ours, theirs = products(), torch.load(args.compare_products)
        checked["products_rel_diff"] = max(float((a - b).abs().max() / b.abs().max()) for a, b in zip(ours, theirs))
    torch.manual_seed(1)
    model = Jpvae()
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)  # the default loop; foreach=True was no faster here
    pool = (torch.rand(2, BATCH, DIM) < 0.2).float()
    rows = torch.arange(BATCH)

    def step():
        loss = model.loss(pool[0].index_select(0, rows), pool[1].index_select(0, rows))
        adam.zero_grad(set_to_none=True)
        loss.backward()
        adam.step()
        return loss.item()

    if args.check:
        first = step()
        for _ in range(args.check - 1):
            last = step()
        print(json.dumps({"loss_first": first, "loss_last": last, "steps": args.check}), flush=True)
        return

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:  # warm-up: allocator, thread pools, caches
        step()
    coretype, blas_threads = openblas()
    print(
        json.dumps(
            {
                "ready": True,
                "torch": torch.__version__,
                "python": sys.version.split()[0],
                "omp": torch.get_num_threads(),
                "blas": blas_threads,
                "coretype": coretype,
                "blas_library": loaded_blas(),
                **checked,
            }
        ),
        flush=True,
    )
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        seconds, steps = float(cmd[1]), 0
        t0 = t = time.perf_counter()
        while t - t0 < seconds:
            step()
            steps += 1
            t = time.perf_counter()
        print(json.dumps({"samples_per_s": steps * BATCH / (t - t0), "steps": steps}), flush=True)


if __name__ == "__main__":
    main()
