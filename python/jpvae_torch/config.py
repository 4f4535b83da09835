"""A jpvae config (model.json's `config`: dims, hidden, latent, prior, likelihood per view) checked as jpvae
checks it, one line for each way it can be wrong; a likelihood may also be given as jpvae train's word
(bernoulli, gaussian, gaussian:V, poisson, nb, poisson:unscaled, nb:unscaled)."""

import re

from .errors import InputError

PRIORS, PAIR_PRIORS, MAX_VIEWS = ("zero", "svd", "orthogonal", "factor"), ("svd", "orthogonal"), 8


def likelihood(v, where):
    if isinstance(v, dict):
        v = dict(v)
        kind = v.get("kind")
        if kind == "bernoulli":
            return {"kind": kind}
        var = v.get("variance")
        if kind == "gaussian" and (var == "learnt" or (isinstance(var, (int, float)) and var > 0)):
            return {"kind": kind, "variance": var}
        if kind in ("poisson", "nb") and v.get("size_factor", "total") in ("total", "none"):
            return {"kind": kind, "median_total": 1, "size_factor": v.get("size_factor", "total")}
    elif isinstance(v, str):
        if v == "bernoulli":
            return {"kind": "bernoulli"}
        if v == "gaussian":
            return {"kind": "gaussian", "variance": "learnt"}
        fixed = re.fullmatch(r"gaussian:(.+)", v)
        if fixed:
            try:
                if float(fixed[1]) > 0:
                    return {"kind": "gaussian", "variance": float(fixed[1])}
            except ValueError:
                pass
        counts = re.fullmatch(r"(poisson|nb)(:unscaled)?", v)
        if counts:
            return {"kind": counts[1], "median_total": 1, "size_factor": "none" if counts[2] else "total"}
    words = "bernoulli, gaussian, gaussian:V, poisson, nb, poisson:unscaled or nb:unscaled"
    raise InputError(f"{where}: expected {words} (or model.json's object), got {v!r}")


def check(c, where):
    """The config c (parsed JSON) as jpvae's checkConfig takes it; returns it in model.json's spelling."""
    if not isinstance(c, dict):
        raise InputError(f"{where}: expected a JSON object with dims, hidden, latent, prior and likelihood")
    ints = lambda v: isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
    dims = c.get("dims")
    if not ints(dims) or not 2 <= len(dims) <= MAX_VIEWS:
        raise InputError(f"{where}: dims: expected 2 to {MAX_VIEWS} view widths (positive integers), got {dims!r}")
    m = len(dims)
    if c.get("covariates"):
        raise InputError(f"{where}: covariates: the PyTorch twin does not take a model with covariates yet")
    if not ints(c.get("hidden")):
        raise InputError(f"{where}: hidden: expected positive integers like [512, 512], got {c.get('hidden')!r}")
    latent = c.get("latent")
    if not ints(latent) or len(latent) != m:
        raise InputError(f"{where}: latent: expected {m} positive integers (one per view), got {latent!r}")
    liks = c.get("likelihood", ["bernoulli"] * m)
    if not isinstance(liks, list) or len(liks) != m:
        raise InputError(f"{where}: likelihood: expected one per view ({m})")
    liks = [likelihood(v, f"{where}: likelihood[{i}]") for i, v in enumerate(liks)]
    p = c.get("prior")
    if not isinstance(p, dict) or p.get("kind") not in PRIORS:
        raise InputError(f"{where}: prior.kind: expected one of {', '.join(PRIORS)}, got {p!r}")
    kind = p["kind"]
    if kind in PAIR_PRIORS and m != 2:
        raise InputError(f"{where}: prior.kind: the {kind} prior is for two views; for {m} views use factor (or zero)")
    alpha = p.get("alpha", 0.95)
    if not isinstance(alpha, (int, float)) or not (abs(alpha) < 1) or (kind == "factor" and alpha < 0):
        raise InputError(f"{where}: prior.alpha: expected −1 < α < 1 (0 ≤ α < 1 for the factor prior), got {alpha!r}")
    prior = {"kind": kind, "alpha": alpha}
    flips = p.get("flips", 0)
    if not isinstance(flips, int) or flips < 0 or flips > max(latent) or (flips and kind == "factor"):
        raise InputError(f"{where}: prior.flips: expected an integer from 0 to {max(latent)}, for the two-view priors only")
    if kind != "factor":
        prior["flips"] = flips
    if "factors" in p:
        k = p["factors"]
        if kind in PAIR_PRIORS or not isinstance(k, int) or k < max(latent):
            raise InputError(
                f"{where}: prior.factors: expected an integer ≥ the largest latent size {max(latent)}, for the factor prior"
            )
        prior["factors"] = k
    return {"dims": dims, "hidden": c["hidden"], "latent": latent, "prior": prior, "likelihood": liks}
