"""`terms`: the loss terms of each model's first N training rows with z at the posterior mean (ε = 0) and
β = 1, as one JSON line per --model: each view's reconstruction summed over the rows that have it, their
counts, the KL summed (Eq. 9 against each row's marginal prior); and the latent fit of all the training
rows, as `train` writes it. jpvae's engine gives the same (Jpvae.loss without a stream, fitLatent); the
parity tests compare the two."""

import json

import numpy as np
import torch

from . import data, flags, latent_fit, model_dir
from .errors import InputError


def run(argv):
    f = flags.parse(argv, {"model": "many", "rows": "one", "view": "many"}, "terms")
    models = flags.required(f, "model", "terms")
    if f["view"] and len(models) > 1:
        raise InputError("--view: with one --model only (each model names its own files)")
    for d in models:
        print(json.dumps(terms(d, f["view"], flags.positive_int(f, "rows", 64))))


def terms(directory, views, n):
    model, j = model_dir.load(directory, "--model")
    paths = views or j["data"].get("views") or []
    (xs, present), _ = data.training_views(j, paths, lambda i: "--view")
    rows = np.arange(min(n, present.shape[0]))
    # The latent fit train writes, of every training row (f32, as in training).
    fit = latent_fit.fit(latent_fit.statistics(model, xs, present), [v.latent for v in model.views], present.shape[0])
    with torch.no_grad():
        model.double()
        b = data.batch_of(model, [x.astype(np.float64) for x in xs], present, rows)
        recon, kl = model.terms(b, 1.0, eps=False)
    return {
        "recon": [float(r) for r in recon],
        "counts": [int(present[rows, i].sum()) for i in range(len(recon))],
        "kl": float(kl),
        "rows": len(rows),
        "latent_fit": fit,
    }
