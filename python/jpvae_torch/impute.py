"""Mean imputation (§2.7), as `jpvae impute`: encode the given views to their
posterior means, take the conditional mean of the target blocks given them
under the latent fit (Eq. 12 over blocks: m_T + Σ_TG Σ_GG⁻¹ (a − m_G)),
decode each target and return its likelihood's mean in the user's units
(a Gaussian view de-standardised; a count view at size factor 1)."""

import numpy as np
import torch

from . import likelihoods
from .data import standardize, view_batch


def positive_definite(s):
    """s, or s with a ridge of 1e-6 of its mean variance where it has no Cholesky factor (jpvae's positiveDefinite)."""
    try:
        np.linalg.cholesky(s)
        return s
    except np.linalg.LinAlgError:
        return s + max(1e-6 * np.trace(s) / len(s), 1e-12) * np.eye(len(s))


def conditional(fit, given, target):
    """(gain, offset) of E[z_T | z_G = a] = offset + gain·a; views numbered from 0."""
    lat = fit["latent"]
    d = sum(lat)
    starts = np.cumsum([0] + list(lat))
    idx = lambda views: np.concatenate([np.arange(starts[v], starts[v + 1]) for v in views])
    g, t = idx(given), idx(target)
    mean, cov = np.asarray(fit["mean"]), np.asarray(fit["cov"]).reshape(d, d)
    sgg = positive_definite(cov[np.ix_(g, g)])
    gain = np.linalg.solve(sgg, cov[np.ix_(g, t)]).T
    return gain, mean[t] - gain @ mean[g]


def impute(model, j, given, target, xs, batch=1024):
    """The targets' mean imputations (float32, the user's units) for the rows of the given views' xs (raw)."""
    std = j["data"]["standardize"]
    gain, offset = conditional(j["latent_fit"], given, target)
    xs = [standardize(x, std[g]).astype(np.float32) for g, x in zip(given, xs)]
    n = xs[0].shape[0]
    outs = [[] for _ in target]
    with torch.no_grad():
        for lo in range(0, n, batch):
            mus = []
            for g, x in zip(given, xs):
                v = model.views[g]
                inp = view_batch(v, x[lo : lo + batch], np.ones(min(batch, n - lo), bool))[0]
                mus.append(v.encode(inp)[0].double().numpy())
            z = np.concatenate(mus, 1) @ gain.T + offset
            col = 0
            for k, t in enumerate(target):
                v = model.views[t]
                zt = torch.as_tensor(z[:, col : col + v.latent], dtype=torch.float32)
                col += v.latent
                outs[k].append(likelihoods.mean(v.lik, v.decode(zt)).numpy())
    ys = [np.concatenate(o) if o else np.zeros((0, model.views[t].dim), np.float32) for o, t in zip(outs, target)]
    return [standardize(y, std[t], inverse=True) for y, t in zip(ys, target)]
