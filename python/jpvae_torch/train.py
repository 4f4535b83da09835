"""Data-parallel training (§2.3) on N processes, continuing a jpvae model:
Adam (bias-corrected, jpvae's β1 = 0.9, β2 = 0.999, eps = 1e-8, its moments
and step carried over) on the β-weighted negative ELBO of Eq. 5: each view's
reconstruction summed over the batch's rows that have it, plus β times the
KL of each row against the marginal prior of its views, over the batch's
rows.

The distributed sampler: every process draws the same permutation of the
training rows each epoch, cuts it into jpvae's batches (training.options.
batch rows, the last one shorter) and takes every N-th row of each batch.
A process's loss is its rows' sum over the whole batch's size, and one
all_reduce per step sums the gradients (what DDP does, without its need
for every parameter to take part on every process: a shard may lack a
view), so a step is the gradient of jpvae's batch mean on any N, with
jpvae's steps per epoch, β schedule and step count."""

import math
import time

import numpy as np
import torch
import torch.distributed as dist

from .data import batch_of
from .schedule import beta_at


def to_device(batch, device):
    return [tuple(None if t is None else t.to(device) for t in view) for view in batch]


def load_moments(opt, model, layout_offsets, moments, step, device):
    """Adam's state from jpvae's flat moments (its layout's order and [in, out] weights)."""
    if moments is None:
        return
    m, v = moments
    for (name, p, linear), off in zip(model.layout(), layout_offsets):
        size = p.numel()
        shape = p.T.shape if linear else p.shape
        take = lambda a: torch.from_numpy(a[off : off + size].reshape(shape).copy())
        em, ev = take(m), take(v)
        opt.state[p] = {
            "step": torch.tensor(float(step)),
            "exp_avg": (em.T if linear else em).contiguous().to(device),
            "exp_avg_sq": (ev.T if linear else ev).contiguous().to(device),
        }


def flat_moments(opt, model, layout_offsets, size):
    m, v = np.zeros(size, np.float32), np.zeros(size, np.float32)
    for (name, p, linear), off in zip(model.layout(), layout_offsets):
        st = opt.state.get(p)
        if not st:
            continue
        for dst, key in ((m, "exp_avg"), (v, "exp_avg_sq")):
            a = st[key].detach().cpu()
            a = (a.T if linear else a).contiguous().numpy().ravel()
            dst[off : off + a.size] = a
    return m, v


def epoch_sums(model, xs, present, order, batch, beta_of, opt, rank, world, device, generator):
    """One epoch of steps (opt given) or an evaluation pass (opt None, β = 1, no gradient); returns this
    process's sums: each view's reconstruction and rows, the KL, the rows, Σ_steps batch loss·rows."""
    m = len(model.views)
    sums = torch.zeros(2 * m + 3, dtype=torch.float64)
    steps = math.ceil(len(order) / batch)
    params = [p for _, p, _ in model.layout()]
    for s in range(steps):
        rows = order[s * batch : (s + 1) * batch]
        mine = rows[rank::world]
        beta = beta_of(s / steps)
        b = to_device(batch_of(model, xs, present, mine), device)
        with torch.set_grad_enabled(opt is not None):
            recon, kl = model.terms(b, beta, eps=True, generator=generator)
            total = sum(recon) + beta * kl
        if opt is not None:
            opt.zero_grad(set_to_none=False)
            (total / len(rows)).backward()
            grads = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
            if world > 1:
                dist.all_reduce(grads)
            if not torch.isfinite(grads).all():
                raise FloatingPointError(f"training diverged: a gradient is NaN or infinite at step {s + 1}")
            at = 0
            for p in params:
                p.grad = grads[at : at + p.numel()].view_as(p).clone()
                at += p.numel()
            opt.step()
        for i in range(m):
            sums[i] += float(recon[i])
            sums[m + i] += float(present[mine, i].sum())
        sums[2 * m] += float(kl)
        sums[2 * m + 1] += len(mine)
        sums[2 * m + 2] += float(total)
    if world > 1:
        sums = sums.to(device)
        dist.all_reduce(sums)
    return sums.cpu()


def summary(sums, m, loss=True):
    """jpvae's per-epoch record of the sums: per-row means (recon over the rows that have each view)."""
    recon = [float(sums[i] / sums[m + i]) if sums[m + i] else 0.0 for i in range(m)]
    kl = float(sums[2 * m] / sums[2 * m + 1])
    out = {"recon": recon, "kl": kl, "elbo": -(sum(recon) + kl)}
    if loss:
        out["loss"] = float(sums[2 * m + 2] / sums[2 * m + 1])
    return out


def train_epochs(model, opt, train, test, options, start_epoch, epochs, rank, world, device, beta_schedule):
    """`epochs` epochs from `start_epoch`; returns jpvae's history records for them."""
    xs, present = train
    n, m = present.shape[0], len(model.views)
    seed = options["seed"]
    noise = torch.Generator(device=device)
    records = []
    for e in range(start_epoch, start_epoch + epochs):
        noise.manual_seed(seed * 1_000_003 + e * 1009 + rank)  # each process its own ε, reproducibly
        shuffle = torch.Generator().manual_seed(seed * 7919 + e)  # the same on every process
        order = torch.randperm(n, generator=shuffle).numpy()
        t0 = time.perf_counter()
        model.train()
        beta_of = lambda f: beta_at(beta_schedule, e + f)
        sums = epoch_sums(model, xs, present, order, options["batch"], beta_of, opt, rank, world, device, noise)
        seconds = time.perf_counter() - t0
        record = {"epoch": e + 1, "beta": beta_at(beta_schedule, e + 1), "train": summary(sums, m)}
        if test is not None:
            with torch.no_grad():
                noise.manual_seed(seed ^ (0x5EED0000 + e))
                tx, tp = test
                rows = np.arange(tp.shape[0])
                tsums = epoch_sums(model, tx, tp, rows, 1024, lambda f: 1.0, None, rank, world, device, noise)
            record["test"] = summary(tsums, m, loss=False)
        record["seconds"] = seconds
        record["samples_per_sec"] = n / seconds
        records.append(record)
        if rank == 0:
            t = record["train"]
            recon = " / ".join(f"{r:.2f}" for r in t["recon"])
            line = f"epoch {e + 1}: train loss {t['loss']:.2f}, recon {recon}, KL {t['kl']:.2f} | {n / seconds:.0f} samples/s"
            print(line, flush=True)
    return records
