"""The latent Gaussian of imputation (§2.7), as jpvae fits it after training:
the mean and covariance (dividing by n) of the training rows' posterior
means, all blocks side by side, from the rows with every view when more of
them than latent units exist, else pairwise (each block's mean over the
rows that have its view, each pair's covariance over the rows that have
both, the cross blocks shrunk until the whole is positive definite). Both
come from sufficient statistics, which processes sum (all_reduce) before
the fit: the fit of N processes' shards is the fit of all their rows."""

import numpy as np
import torch

from .data import batch_of
from .errors import InputError


def statistics(model, xs, present, device="cpu", batch=1024):
    """One flat f64 tensor of sums over the rows: the rows with every view (count, Σz, Σzzᵀ, z the blocks'
    posterior means side by side); per pair of views (i, j) the rows with both (count, Σμ_i, Σμ_iμ_jᵀ)."""
    m = len(model.views)
    lat = [v.latent for v in model.views]
    d = sum(lat)
    f64 = torch.float64
    full_n, full_s, full_ss = torch.zeros(1, dtype=f64), torch.zeros(d, dtype=f64), torch.zeros(d, d, dtype=f64)
    n = torch.zeros(m, m, dtype=f64)
    s = [[torch.zeros(lat[i], dtype=f64) for _ in range(m)] for i in range(m)]
    ss = [[torch.zeros(lat[i], lat[j], dtype=f64) for j in range(m)] for i in range(m)]
    with torch.no_grad():
        for lo in range(0, present.shape[0], batch):
            rows = np.arange(lo, min(present.shape[0], lo + batch))
            b = batch_of(model, xs, present, rows)
            mus = [v.encode(inp.to(device))[0].double().cpu() for v, (inp, _, _, _) in zip(model.views, b)]
            p = torch.as_tensor(present[rows])
            for i in range(m):
                for j in range(m):
                    both = (p[:, i] & p[:, j]).double()[:, None]
                    n[i, j] += both.sum()
                    s[i][j] += (mus[i] * both).sum(0)
                    ss[i][j] += (mus[i] * both).T @ mus[j]
            full = p.all(1)
            z = torch.cat(mus, 1)[full]
            full_n += full.sum()
            full_s += z.sum(0)
            full_ss += z.T @ z
    parts = [full_n, full_s, full_ss.ravel(), n.ravel()]
    parts += [t for row in s for t in row] + [t.ravel() for row in ss for t in row]
    return torch.cat(parts)


def shrink_to_definite(cov, latent):
    """jpvae's shrinkToDefinite: the cross blocks scaled by 1, 0.9, …, 0 until a Cholesky factor exists;
    then the diagonal blocks alone with a ridge of 1e-6 of the mean variance."""
    block = np.repeat(np.arange(len(latent)), latent)
    same = block[:, None] == block[None, :]
    for step in range(11):
        s = np.where(same, cov, (1 - step / 10) * cov)
        try:
            np.linalg.cholesky(s)
            return s
        except np.linalg.LinAlgError:
            pass
    s = np.where(same, cov, 0)
    return s + max(1e-6 * np.trace(s) / len(s), 1e-12) * np.eye(len(s))


def fit(flat, latent, train_rows):
    """jpvae's fitLatent (model.json's latent_fit) from the summed statistics of `train_rows` rows."""
    m, d = len(latent), sum(latent)
    v = flat.numpy()
    at = 0

    def take(k, shape):
        nonlocal at
        at += k
        return v[at - k : at].reshape(shape)

    complete = int(round(take(1, (1,))[0]))
    full_s, full_ss = take(d, (d,)), take(d * d, (d, d))
    n = take(m * m, (m, m))
    s = [[take(latent[i], (latent[i],)) for _ in range(m)] for i in range(m)]
    ss = [[take(latent[i] * latent[j], (latent[i], latent[j])) for j in range(m)] for i in range(m)]
    if complete > d:
        mean = full_s / complete
        cov = full_ss / complete - np.outer(mean, mean)
        cov = (cov + cov.T) / 2
        return record(latent, complete, complete, mean, cov)
    for i in range(m):
        if n[i, i] <= latent[i]:
            have, need = int(n[i, i]), latent[i] + 1
            raise InputError(f"latent fit: {have} training rows have view {i + 1}, at least {need} are needed")
    means = [s[i][i] / n[i, i] for i in range(m)]
    starts = np.cumsum([0] + list(latent))
    cov = np.zeros((d, d))
    for i in range(m):
        for j in range(i, m):
            if n[i, j] == 0:
                continue
            # Σ_r (μ_i − m_i)(μ_j − m_j)ᵀ over the rows with both, from their sums
            centred = ss[i][j] - np.outer(s[i][j], means[j]) - np.outer(means[i], s[j][i])
            c = (centred + n[i, j] * np.outer(means[i], means[j])) / n[i, j]
            cov[starts[i] : starts[i + 1], starts[j] : starts[j + 1]] = c
            cov[starts[j] : starts[j + 1], starts[i] : starts[i + 1]] = c.T
    cov = shrink_to_definite(cov, latent)
    mean = np.concatenate(means)
    return record(latent, train_rows, complete, mean, cov)


def record(latent, rows, complete, mean, cov):
    """model.json's latent_fit."""
    return {"latent": list(latent), "rows": rows, "complete": complete, "mean": mean.tolist(), "cov": cov.ravel().tolist()}
